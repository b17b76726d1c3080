"""The programme's own words (units of measure, areas, the notices' stock phrases) in English."""

DEFAULT_LANGUAGE = "vi"


# Units of measure as the programme writes them (Vietnamese), in English.
UNITS_EN = {
    "hạng": "rank", "tỷ USD": "billion USD", "điểm/100": "points/100", "điểm": "points",
    "tỷ giao dịch/năm": "billion transactions/year", "trung tâm": "centres",
    "triệu người": "million people", "nghìn tỷ đồng": "trillion VND",
    "nghìn trạm": "thousand stations", "nghìn doanh nghiệp": "thousand enterprises",
    "lần GDP": "× GDP", "hồ sơ": "dossiers", "% tổng chi NSNN": "% of state budget spending",
    "% GDP": "% of GDP", "ngày": "days", "doanh nghiệp": "enterprises", "người": "people",
}


# Programme areas as the programme writes them (Vietnamese), in English.
AREAS_EN = {
    "Hạ tầng số": "Digital infrastructure", "Kinh tế số": "Digital economy",
    "Xã hội số": "Digital society", "Chính phủ số": "Digital government",
    "Nhân lực số": "Digital workforce", "An toàn thông tin mạng": "Cybersecurity",
    "Khoa học, công nghệ và đổi mới sáng tạo": "Science, technology and innovation",
}


def area_text(area: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A programme area in ``lang`` (an area without an English form stays as written)."""
    return AREAS_EN.get(area, area) if lang == "en" else area


# The notices' stock phrases for a task's timing, approver and unnamed partners, in English.
PHRASES_EN = {
    "không nêu thời hạn": "no deadline given", "sớm": "soon", "khẩn trương": "urgently",
    "nhanh chóng": "quickly", "Thủ tướng Chính phủ": "the Prime Minister",
    "doanh nghiệp công nghệ": "technology enterprises",
    "các đơn vị liên quan": "the units concerned",
    "các trường, doanh nghiệp": "universities and enterprises",
    "các bộ, ngành": "the ministries and sectors",
}


def phrase_text(text: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A stock phrase of the notices ("sớm", "khẩn trương; sớm") in ``lang``."""
    if lang != "en" or not text:
        return text
    return "; ".join(PHRASES_EN.get(part, part) for part in text.split("; "))


def unit_text(unit: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A unit of measure in ``lang`` (units without an English form stay as written)."""
    return UNITS_EN.get(unit, unit) if lang == "en" else unit
