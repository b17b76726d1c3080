"""Patterns added after round 12 (09/CT-UBND, 012/CT-UBND, the table of 310/KH-UBND, scored
held out first): each shown to fire and, beside it, a near text where it must not."""

from __future__ import annotations

from datetime import date

import pytest

from sodo.domain.extract.deadlines import RECURRING, find_times
from sodo.domain.extract.rules import extract_tasks
from sodo.domain.extract.text import clean_text, fold_view

D2025 = date(2025, 11, 18)
HEAD = ("ỦY BAN NHÂN DÂN TỈNH ĐẮK LẮK\nSố: 1/CT-UBND\nĐắk Lắk, ngày 18 tháng 11 năm 2025\n\n"
        "CHỈ THỊ\n\nChủ tịch UBND tỉnh yêu cầu các sở, ban, ngành thực hiện các nội dung sau:\n\n")


def tasks(body: str):
    return extract_tasks(HEAD + body, issued=D2025).proposals


def leads(body: str) -> list[list[str]]:
    return [t.lead_other or t.lead for t in tasks(body)]


@pytest.mark.parametrize(("raw", "clean"), [
    # a bold heading the page broke inside a name, or after its number, is one line
    ("**2. Sở\nKhoa học và Công nghệ**\n\na) Bám", "2. Sở Khoa học và Công nghệ\n\na) Bám"),
    ("**4. Văn\nphòng UBND tỉnh**", "4. Văn phòng UBND tỉnh"),
    ("**2.****\n**Kết hợp hoặc luân phiên", "2. Kết hợp hoặc luân phiên"),
    ("**II.\nTrách nhiệm phối hợp**", "II. Trách nhiệm phối hợp"),
    # near: bold that closes at the line's end, a blank line, a new item, a line in capitals
    ("**1. Mục đích**\nThành phố Hà Nội là", "1. Mục đích\nThành phố Hà Nội là"),
    ("**1. Sở Y tế\n\nKhoa học**", "1. Sở Y tế\n\nKhoa học"),
    ("**1. Sở Y tế\na) Khám bệnh**", "1. Sở Y tế\na) Khám bệnh"),
    ("**I. MỤC ĐÍCH,\nYÊU CẦU**", "I. MỤC ĐÍCH,\nYÊU CẦU"),
])
def test_a_bold_heading_broken_across_lines_is_joined(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_items_under_a_department_heading_broken_inside_its_name() -> None:
    body = ("**2. Sở\nKhoa học và Công nghệ**\n\na) Bám sát các nhiệm vụ của tỉnh.\n\n"
            "b) Tối ưu hóa Hệ thống thông tin giải quyết TTHC tỉnh.\n\n"
            "**4. Văn\nphòng UBND tỉnh**\n\na) Theo dõi, kiểm tra, đôn đốc việc thực hiện.\n\n"
            "**7. Báo và\nPhát thanh, Truyền hình thành phố**\n\na) Chủ động đưa tin.\n")
    assert leads(body) == [["Sở Khoa học và Công nghệ"]] * 2 + [
        ["Văn phòng Ủy ban nhân dân tỉnh"], ["Báo và Phát thanh, Truyền hình thành phố"]]


@pytest.mark.parametrize(("body", "lead"), [
    ("a) Giao Thanh tra thành phố tổ chức thanh tra việc chấp hành.", ["Thanh tra thành phố"]),
    ("a) Giao Thanh tra tỉnh tổ chức thanh tra việc chấp hành.", ["Thanh tra tỉnh"]),
    ("a) Văn phòng UBND tỉnh theo dõi, đôn đốc.", ["Văn phòng Ủy ban nhân dân tỉnh"]),
    ("a) Giao Ban Quản lý các khu chế xuất và công nghiệp Cần Thơ chỉ đạo các đơn vị.",
     ["Ban Quản lý các khu chế xuất và công nghiệp Cần Thơ"]),
    ("a) Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam thành phố tăng cường tuyên truyền.",
     ["Ủy ban Mặt trận Tổ quốc Việt Nam thành phố"]),
    # near: the board without a province keeps its own name only
    ("a) Ban Quản lý các khu chế xuất và công nghiệp chỉ đạo các đơn vị.",
     ["Ban Quản lý các khu chế xuất và công nghiệp"]),
])
def test_a_citys_departments_and_their_short_forms(body: str, lead: list[str]) -> None:
    assert leads(body + "\n") == [lead]


@pytest.mark.parametrize(("cell", "partners"), [
    ("Sở Khoa học và Công nghệ Sở Công Thương", ["Sở Khoa học và Công nghệ", "Sở Công Thương"]),
    ("Sở Khoa học và Công nghệ, Sở Công Thương", ["Sở Khoa học và Công nghệ", "Sở Công Thương"]),
    # near: a department and what it works on are no list
    ("Sở Khoa học và Công nghệ số hóa dữ liệu", ["Sở Khoa học và Công nghệ"]),
])
def test_departments_listed_without_a_comma(cell: str, partners: list[str]) -> None:
    found = tasks(f"a) Sở Nội vụ chủ trì, phối hợp với {cell} rà soát quy trình.\n")
    assert [t.partners_other for t in found] == [partners]


@pytest.mark.parametrize(("body", "lead"), [
    # a demand inside a condition of the work is the work's, the heading's unit leads it
    ("a) Thường xuyên kiểm tra chất lượng nước; nếu kết quả không đạt tiêu chuẩn, phải "
     "hướng dẫn, yêu cầu các đơn vị khắc phục.", ["Sở Y tế"]),
    # a demand in a later sentence of an account still names its assignee (round 10)
    ("a) Hiện nay khối lượng còn lại rất lớn. Với vai trò chủ quản, yêu cầu Bộ Xây dựng "
     "đôn đốc nhà thầu.", ["BXD"]),
])
def test_a_later_demand_inside_a_condition_names_no_one(body: str, lead: list[str]) -> None:
    found = tasks(f"6. Sở Y tế:\n\n{body}\n")
    assert [t.lead_other or t.lead for t in found] == [lead]


@pytest.mark.parametrize(("body", "count"), [
    ("- Đối với các khu, cụm công nghiệp đã được cung cấp nước tập trung, tiếp tục duy trì "
     "hoạt động cấp nước.", 1),
    ("c) Hạn chế khoan, đào mới các giếng khai thác nước dưới đất.", 1),
    ("2. Kết hợp hoặc luân phiên khai thác nước mặt với nước dưới đất.", 1),
    # near: a topic with no work after it; a paragraph going on with the item above
    ("- Đối với các khu, cụm công nghiệp đã được cung cấp nước tập trung.", 0),
])
def test_work_that_opens_with_its_topic_or_a_new_verb(body: str, count: int) -> None:
    found = tasks(f"1. Ban Quản lý các khu công nghiệp:\n\n{body}\n")
    assert len(found) == count


def test_a_paragraph_opening_with_its_topic_goes_on_with_the_item_above() -> None:
    body = ("a) Tiếp tục đầu tư mạng lưới cấp nước.\n\n"
            "Đối với các công trình xây mới, ưu tiên khai thác nguồn nước mặt.\n")
    assert len(tasks(body)) == 1


@pytest.mark.parametrize(("words", "recurring"), [
    ("theo Nghị quyết hằng năm của Hội đồng nhân dân thành phố", False),
    ("theo Kế hoạch hằng năm của Bộ Y tế", False),
    # near: what recurs, and a yearly plan named as the time of the work
    ("báo cáo hằng năm kết quả thực hiện", True),
    ("theo kế hoạch công tác tư pháp hàng năm", True),
    ("cấp nước đảm bảo liên tục", False),
    ("theo dõi liên tục diễn biến", True),
])
def test_a_recurring_word_inside_a_reference(words: str, recurring: bool) -> None:
    found = find_times(words, fold_view(words), issued=D2025)
    assert any(t.kind == RECURRING for t in found) is recurring


@pytest.mark.parametrize(("words", "due"), [
    ("Quý IV/2025- Quý II/2026", date(2026, 6, 30)),
    ("từ tháng 10/2026 đến tháng 12/2026", date(2026, 12, 31)),
    ("ngày 10/11/2025 - 20/11/2025", date(2025, 11, 20)),
    # near: two dates of two things, not a range
    ("trước ngày 10/12/2025; trước ngày 20/11/2025", date(2025, 12, 10)),
])
def test_a_range_of_periods_is_due_at_its_end(words: str, due: date) -> None:
    found = find_times(words, fold_view(words), issued=D2025)
    assert found[0].due == due


@pytest.mark.parametrize(("words", "due", "recurring"), [
    ("định kỳ trước ngày 30 tháng 11 hàng năm báo cáo kết quả", date(2025, 11, 30), True),
    ("báo cáo Thủ tướng Chính phủ trước ngày 20 tháng 11 năm 2025 và hàng tháng",
     date(2025, 11, 20), True),
    ("thực hiện năm 2025 và các năm tiếp theo", None, True),
    # near: a kind of check, not how often the task comes back
    ("không tổ chức kiểm tra định kỳ trong năm 2020 đối với các doanh nghiệp", date(2020, 12, 31),
     False),
    ("thường xuyên theo dõi; hoàn thành báo cáo trước ngày 30/11/2025", date(2025, 11, 30), False),
])
def test_a_recurring_word_that_says_how_often_a_deadline_comes_back(
        words: str, due: date | None, recurring: bool) -> None:
    found = tasks(f"1. Sở Nội vụ {words}.\n")
    assert [(t.deadline, t.recurring) for t in found] == [(due, recurring)]
