"""Agency mentions: every way a directive names who is to act, mapped to org units in force on
the document's date.

A mention is a span of the text with what it designates:

- ``unit``: one org unit (a ministry — "Bộ Khoa học và Công nghệ", "Bộ KH&CN", "BKHCN", a
  role title "Bộ trưởng Bộ Công an", "Thống đốc Ngân hàng Nhà nước" — or a province — "UBND
  tỉnh Đồng Nai", "Ủy ban nhân dân thành phố Hà Nội"), resolved with the effective-dated
  hierarchy so that a 2021 letter to "Bộ Thông tin và Truyền thông" means that ministry, closed
  in 2025, and not its successor;
- ``units``: a list sharing one "Bộ" ("các Bộ: Công an, Tài chính, Xây dựng");
- ``provinces``: every province in force that day ("Ủy ban nhân dân các tỉnh, thành phố trực
  thuộc Trung ương");
- ``collective``: a group that is no unit ("các bộ, ngành, địa phương", "các đơn vị liên
  quan", "doanh nghiệp công nghệ") — said as written, never turned into a unit;
- ``body``: a named body outside sodo's hierarchy ("Đài Tiếng nói Việt Nam", "Tập đoàn Viễn
  thông Quân đội") — kept by name and reported as unresolved.

Matching runs on the folded view of the text (see :mod:`.text`), so "Văn hoá"/"Văn hóa",
capitals and a missing diacritic do not matter.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import date

from sodo.domain.orgunits import Hierarchy, OrgUnit, OrgUnitLevel
from sodo.domain.text import fold

UNIT, UNITS, PROVINCES, COLLECTIVE, BODY = "unit", "units", "provinces", "collective", "body"


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    kind: str
    codes: tuple[str, ...] = ()
    name: str = ""  # the text as written (for collectives and bodies: what is kept)

    @property
    def is_unit(self) -> bool:
        return self.kind in (UNIT, UNITS, PROVINCES)


# Role titles that stand for the unit they head ("Bộ trưởng Bộ Công an chỉ đạo …").
_TITLES = (r"(?:(?:dong chi|ong|ba) )?"  # "Đồng chí Bộ trưởng Bộ Y tế"
           r"(?:bo truong, chu nhiem|bo truong, thu truong|bo truong|thu truong|thong doc|"
           r"tong thanh tra|chu nhiem|chu tich|pho chu tich|giam doc|lanh dao|"
           r"nguoi dung dau|chanh van phong)\s+")
# Groups that are no single unit. Longest first; matched as whole phrases.
_COLLECTIVES = [
    # the heads of every ministry ("Bộ trưởng các Bộ, Thủ trưởng cơ quan ngang bộ, cơ quan
    # thuộc Chính phủ", "Bộ trưởng, Thủ trưởng các cơ quan liên quan")
    r"(?:cac )?(?:dong chi )?(?:bo truong|lanh dao) cac bo,? (?:thu truong )?(?:cac )?co quan ngang bo"
    r"(?:,? (?:thu truong )?(?:cac )?co quan (?:truc )?thuoc chinh phu)?",
    r"(?:cac )?(?:dong chi )?(?:bo truong,? |bo truong; )?thu truong (?:cac )?(?:bo, )?co quan ngang bo"
    r"(?:,? (?:thu truong )?(?:cac )?co quan (?:truc )?thuoc chinh phu)?",
    r"(?:cac )?(?:dong chi )?bo truong, thu truong cac (?:bo, )?co quan(?: (?:co )?lien quan| ngang bo)?",
    r"cac bo, co quan ngang bo, co quan thuoc chinh phu",
    r"(?:chu tich hoi dong thanh vien, )?tong giam doc cac tap doan(?: kinh te)?,? tong cong ty"
    r"(?: nha nuoc)?",
    r"cac bo, co quan ngang bo",
    r"cac bo, nganh, co quan(?: trung uong)?(?:, dia phuong)?(?: (?:co )?lien quan)?",
    r"cac bo, co quan(?:, dia phuong| trung uong)?(?: (?:co )?lien quan)?",
    r"(?:lanh dao )?cac bo,? nganh(?:,? (?:dia phuong|co quan))*(?: (?:co )?lien quan(?: khac)?)?",
    # the departments of a province ("các sở, ban, ngành liên quan")
    r"(?:giam doc )?cac so,? ban,? nganh(?: (?:co )?lien quan)?(?: (?:cap )?tinh)?",
    # the same without "các", and "các Sở, ngành, đơn vị" ("Sở, ban, ngành thuộc Ủy ban nhân
    # dân Thành phố", "Các Sở, ngành, đơn vị liên quan")
    r"(?:thu truong )?(?:cac )?so,? (?:ban,? )?nganh(?:,? (?:don vi|co quan|dia phuong))*"
    r"(?: (?:co )?lien quan)?(?: (?:cap )?tinh| thanh pho)?",
    # the communes, since 2025 the level below the province ("UBND các xã, phường, đặc khu",
    # "Ủy ban nhân dân xã, phường", "UBND cấp xã")
    r"(?:chu tich )?(?:uy ban nhan dan|ubnd) (?:cac |cap )?(?:xa|phuong)(?:,? (?:xa|phuong|dac khu|"
    r"thi tran))*",
    r"(?:cac )?bo, nganh, dia phuong",
    r"cac bo(?: (?:co )?lien quan)?",
    r"cac (?:co quan|don vi|to chuc)(?:,? (?:co quan|don vi|to chuc|dia phuong))*"
    r"(?: (?:co )?lien quan| truc thuoc| thuoc bo)?",
    r"cac dia phuong(?: (?:co )?lien quan)?",
    r"cac (?:tap doan|doanh nghiep|tong cong ty)(?:,? (?:tap doan|tong cong ty|doanh nghiep))*"
    r"(?: nha nuoc| cong nghe(?: so)?| vien thong| lien quan)?",
    r"cac truong, doanh nghiep", r"cac truong(?: dai hoc)?",
    r"doanh nghiep cong nghe(?: so)?", r"cac hiep hoi(?:, doanh nghiep)?",
    r"cac thanh vien ban chi dao", r"cac co quan truyen thong", r"cac co quan bao chi",
    r"cac (?:uy ban|co quan) (?:cua )?quoc hoi",
    # agencies named by what they do, and the investor of a project: no unit
    r"(?:cac )?co quan (?:thanh tra|chuc nang|chuyen mon)(?: (?:co )?lien quan)?",
    r"(?:cac )?chu dau tu(?: (?:cac )?du an)?",
]
# Every province in force ("UBND các tỉnh, thành phố trực thuộc Trung ương").
_PROVINCES = [
    r"(?:chu tich )?(?:uy ban nhan dan|ubnd) (?:cac )?tinh,? (?:thanh pho|tp\.?)"
    r"(?: truc thuoc (?:trung uong|tw))?",
    r"(?:chu tich )?(?:uy ban nhan dan|ubnd) (?:cap tinh|cac tinh)",
    r"cac tinh,? thanh pho(?: truc thuoc (?:trung uong|tw))?",
]
# What narrows "các tỉnh, thành phố" to some of them: "nêu trên", "từ Hà Tĩnh đến Khánh Hòa".
_NARROWED = re.compile(r"\s*(?:[^\W\d_]+\s+){0,2}?(?:(?:neu|co ten|o) tren|tu\s+(?:tinh |thanh pho )?[^\W\d_]+(?:\s[^\W\d_]+){0,3}"
                       r"\s+den\s+(?:tinh |thanh pho )?[^\W\d_]+(?:\s[^\W\d_]+)?)(?![\w])")
# Named bodies that are not org units of sodo (government agencies, courts, Party bodies,
# state groups): recognised so they are never mistaken for something else, kept by name.
_BODIES = [
    "Đài Tiếng nói Việt Nam", "Đài Truyền hình Việt Nam", "Thông tấn xã Việt Nam",
    "Bảo hiểm xã hội Việt Nam", "Viện Hàn lâm Khoa học và Công nghệ Việt Nam",
    "Viện Hàn lâm Khoa học xã hội Việt Nam", "Ủy ban Quản lý vốn nhà nước tại doanh nghiệp",
    "Ban Quản lý Lăng Chủ tịch Hồ Chí Minh", "Đại học Quốc gia Hà Nội",
    "Đại học Quốc gia Thành phố Hồ Chí Minh", "Kiểm toán Nhà nước", "Tòa án nhân dân tối cao",
    "Viện kiểm sát nhân dân tối cao", "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam",
    "Mặt trận Tổ quốc Việt Nam",
    "Tổng Liên đoàn Lao động Việt Nam", "Phòng Thương mại và Công nghiệp Việt Nam",
    "Ngân hàng Phát triển Việt Nam", "Ngân hàng Chính sách xã hội", "Bộ Chính trị",
    "Ban Bí thư", "Ban Chấp hành Trung ương", "Quốc hội", "Ủy ban Thường vụ Quốc hội",
    "Chính phủ", "Thủ tướng Chính phủ", "Thủ tướng", "Phó Thủ tướng", "Ban Tuyên giáo Trung ương",
    "Ban Tổ chức Trung ương", "Văn phòng Trung ương Đảng", "Ban Cơ yếu Chính phủ",
    "Ủy ban Quốc gia về chuyển đổi số", "Cổng Thông tin điện tử Chính phủ",
    "Văn phòng Quốc hội", "Văn phòng Chủ tịch nước", "Hội đồng Thẩm định Nhà nước",
    "Ban Chỉ đạo phòng thủ dân sự quốc gia", "Văn phòng Ban Chỉ đạo phòng thủ dân sự quốc gia",
    # the state groups and corporations directives most often name
    "Tập đoàn Điện lực Việt Nam", "Tập đoàn Công nghiệp - Năng lượng Quốc gia Việt Nam",
    "Tập đoàn Dầu khí Việt Nam", "Tập đoàn Bưu chính Viễn thông Việt Nam",
    "Tập đoàn Công nghiệp - Viễn thông Quân đội", "Tập đoàn Viễn thông Quân đội",
    "Tập đoàn Công nghiệp Than - Khoáng sản Việt Nam", "Tập đoàn Hóa chất Việt Nam",
    "Tập đoàn Dệt may Việt Nam", "Tập đoàn Công nghiệp Cao su Việt Nam", "Tập đoàn Xăng dầu Việt Nam",
    "Tổng công ty Đường sắt Việt Nam", "Tổng công ty Hàng không Việt Nam",
    "Tổng công ty Cảng hàng không Việt Nam", "Tổng công ty Điện lực Dầu khí Việt Nam",
]
# The committees of the National Assembly (those since 2025 and those before), by the names
# directives give them, "… của Quốc hội" or not.
_NA_COMMITTEES = [
    "Hội đồng Dân tộc", "Ủy ban Pháp luật và Tư pháp", "Ủy ban Kinh tế và Tài chính",
    "Ủy ban Quốc phòng, An ninh và Đối ngoại", "Ủy ban Văn hóa và Xã hội",
    "Ủy ban Khoa học, Công nghệ và Môi trường", "Ủy ban Pháp luật", "Ủy ban Tư pháp",
    "Ủy ban Kinh tế", "Ủy ban Tài chính, Ngân sách", "Ủy ban Quốc phòng và An ninh",
    "Ủy ban Đối ngoại", "Ủy ban Văn hóa, Giáo dục", "Ủy ban Xã hội",
    "Ủy ban về các vấn đề xã hội",
    "Ủy ban Văn hóa, Giáo dục, Thanh niên, Thiếu niên và Nhi đồng",
]
_BODIES += [f"{name} của Quốc hội" for name in _NA_COMMITTEES] + _NA_COMMITTEES
# The departments of a province (named like the ministries they answer to) and its other
# offices: bodies outside sodo's units, kept by name.
_DEPARTMENTS = [
    "Sở Tài chính", "Sở Nông nghiệp và Môi trường", "Sở Xây dựng", "Sở Y tế", "Sở Nội vụ",
    "Sở Tư pháp", "Sở Công Thương", "Sở Khoa học và Công nghệ", "Sở Giáo dục và Đào tạo",
    "Sở Văn hóa, Thể thao và Du lịch", "Sở Văn hóa và Thể thao", "Sở Du lịch", "Sở Ngoại vụ",
    "Sở Dân tộc và Tôn giáo", "Sở Kế hoạch và Đầu tư", "Sở Tài nguyên và Môi trường",
    "Sở Nông nghiệp và Phát triển nông thôn", "Sở Giao thông vận tải", "Sở Thông tin và Truyền thông",
    "Sở Lao động - Thương binh và Xã hội", "Công an tỉnh", "Công an thành phố",
    "Bộ Chỉ huy Quân sự tỉnh", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", "Thanh tra tỉnh",
    "Văn phòng Ủy ban nhân dân tỉnh", "Ban Dân tộc tỉnh", "Đài Phát thanh và Truyền hình tỉnh",
    # the boards of a province's economic zones and industrial parks
    "Ban Quản lý Khu kinh tế", "Ban Quản lý các khu công nghiệp", "Ban Quản lý các Khu công nghiệp",
    "Ban Quản lý các khu công nghệ cao và khu công nghiệp",
    "Ban Quản lý các khu chế xuất và công nghiệp",
    # since the merger of 2025, a province's newspaper and broadcaster are one body
    "Báo và Phát thanh, Truyền hình tỉnh", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
    "Bảo hiểm xã hội tỉnh", "Trung tâm Dịch vụ việc làm tỉnh",
    "Chi nhánh Ngân hàng Chính sách xã hội tỉnh", "Trung tâm Thông tin tỉnh",
    # the civil defence command of a province (Law on Civil Defence, 2023)
    "Ban Chỉ huy Phòng thủ dân sự tỉnh", "Ban Chỉ huy Phòng thủ dân sự cấp tỉnh",
]
# a city's departments are named as a province's with "thành phố" for "tỉnh" ("Thanh tra
# thành phố", "Văn phòng Ủy ban nhân dân thành phố")
_DEPARTMENTS += [re.sub(r" tỉnh$", " thành phố", d) for d in _DEPARTMENTS if d.endswith(" tỉnh")
                 and re.sub(r" tỉnh$", " thành phố", d) not in _DEPARTMENTS]
_BODIES += _DEPARTMENTS
# the short form of a department's name ("Văn phòng UBND tỉnh"), by its full name
_DEPARTMENT_SHORT = {d.replace("Ủy ban nhân dân", "UBND"): d for d in _DEPARTMENTS
                     if "Ủy ban nhân dân" in d}
_DEPARTMENT_SHORT.update({"Bộ CHQS tỉnh": "Bộ Chỉ huy Quân sự tỉnh",
                          "BCHQS tỉnh": "Bộ Chỉ huy Quân sự tỉnh",
                          "Bộ CHQS thành phố": "Bộ Chỉ huy Quân sự thành phố"})
# Bodies named by a head noun and capitalised words ("Tập đoàn Điện lực Việt Nam").
_CAP = r"[A-ZĐÂĂÊÔƠƯÀ-Ỹ][\wÀ-ỹ&.-]*"
_LOW = r"[a-zđà-ỹ][\wà-ỹ]*"
_BODY_HEADS = re.compile(
    r"\b(?:Văn phòng Thường trực|Bộ Tư lệnh|Tập đoàn|Tổng công ty|Công ty|Ban Chỉ đạo|Ban chỉ đạo|Ban [Qq]uản lý|Hội đồng|"
    r"Tổ công tác|Ủy ban|Uỷ ban|Đài|Viện|Trường|Đại học|Tổng cục|Cục|Vụ|Sở|Học viện|Hiệp hội|"
    rf"Trung tâm)(?:[ ]+(?:{_CAP}(?:[ ]+{_LOW}(?=[ ]+[A-ZĐÂĂÊÔƠƯÀ-Ỹ(]|[ ]+-\s|[,.;:)]|\s*$))?|và|về|tại|"
    r"\d+(?:[ ]+quốc gia)?|"
    rf"-(?=[ ]+{_CAP})))+")
# A Deputy Prime Minister named ("Giao Phó Thủ tướng Chính phủ Trần Hồng Hà …"): kept by name.
_DEPUTY_PM = re.compile(rf"Phó Thủ tướng(?: Thường trực)?(?: Chính phủ)?(?:\s+{_CAP}){{2,4}}")
# Who is never an assignee: authorities that approve and the signers of a document.
AUTHORITIES = {"thu tuong chinh phu", "thu tuong", "chinh phu", "quoc hoi",
               "uy ban thuong vu quoc hoi", "bo chinh tri", "ban bi thu", "pho thu tuong",
               "ban chap hanh trung uong"}
# Abbreviations officials write for ministries, by sodo code (aliases in ministries.yaml are
# also used; these are the short forms of letters and tables).
_SHORT_FORMS = {
    "BKHCN": ["Bộ KH&CN", "Bộ KHCN", "Bộ KH-CN", "Bộ KH và CN"],
    "BTTTT": ["Bộ TT&TT", "Bộ TTTT", "Bộ TT-TT", "Bộ TTTT"],
    "BGDDT": ["Bộ GD&ĐT", "Bộ GDĐT", "Bộ GD-ĐT"],
    "BKHDT": ["Bộ KH&ĐT", "Bộ KHĐT", "Bộ KH-ĐT"],
    "BTNMT": ["Bộ TN&MT", "Bộ TNMT", "Bộ TN-MT"],
    "BNNPTNT": ["Bộ NN&PTNT", "Bộ NNPTNT", "Bộ Nông nghiệp và PTNT"],
    "BNNMT": ["Bộ NN&MT", "Bộ NNMT"],
    "BLDTBXH": ["Bộ LĐ-TB&XH", "Bộ LĐTBXH", "Bộ Lao động, Thương binh và Xã hội",
                "Bộ Lao động - Thương binh và Xã hội"],
    "BVHTTDL": ["Bộ VH-TT&DL", "Bộ VHTTDL", "Bộ VHTT&DL"],
    "BGTVT": ["Bộ GTVT"], "BCA": ["Bộ CA"], "BQP": ["Bộ QP"], "BNV": ["Bộ NV"],
    "BTP": ["Bộ TP"], "BTC": ["Bộ TC"], "BXD": ["Bộ XD"], "BYT": ["Bộ YT"], "BNG": ["Bộ NG"],
    "NHNN": ["Ngân hàng Nhà nước", "NHNN", "NHNNVN", "Ngân hàng Trung ương"],
    "VPCP": ["VPCP"], "UBDT": ["UBDT"],
}
_PROVINCE_ALIASES = {"46": ["Thừa Thiên Huế", "Thừa Thiên - Huế"], "79": ["HCM", "TP.HCM"],
                     "P63-79": ["HCM", "TP.HCM"], "P63-77": ["Bà Rịa Vũng Tàu"]}
_EDGE = r"(?<![a-z0-9&])"
_END = r"(?![a-z0-9&])"


def _pattern(name: str) -> str:
    """The folded regex of a name: any run of spaces between words, a dash or comma between
    parts optional, a full stop optional ("TP." / "TP")."""
    folded = fold(name).replace("–", "-").replace("—", "-")
    out: list[str] = []
    for token in re.findall(r"[^\s,-]+|-|,", folded):
        if token in ("-", ","):
            out.append(r"\s*[-,]?\s*")
            continue
        if out and not out[-1].endswith(r"\s*"):
            # source pages often lose the space between words ("Bộ Kếhoạch và Đầu tư")
            out.append(r"\s*" if len(out) > 1 or len(token) > 1 else r"\s+")
        out.append(re.escape(token).replace(r"\.", r"\.?"))
    return "".join(out)


def _alternation(patterns: list[str]) -> str:
    return "|".join(sorted(set(patterns), key=len, reverse=True))


@dataclass
class Gazetteer:
    """The names of the units in force on one day, compiled for matching."""

    hierarchy: Hierarchy
    day: date
    _unit_re: re.Pattern[str] = field(init=False, repr=False)
    _bare_re: re.Pattern[str] = field(init=False, repr=False)
    _forms: dict[str, str] = field(init=False, repr=False)  # folded form → code
    _bare: dict[str, str] = field(init=False, repr=False)  # "cong an" → BCA
    _departments: dict[str, str] = field(init=False, repr=False)  # "so kh&cn" → its full name
    _department_re: re.Pattern[str] | None = field(init=False, repr=False)
    _bare_province_list_re: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        forms: dict[str, str] = {}
        bare: dict[str, str] = {}
        spellings: list[str] = []
        bare_spellings: list[str] = []
        ministries = [u for u in self.hierarchy.at_level(OrgUnitLevel.MINISTRY, on=self.day)]
        for unit in ministries:
            names = [unit.name, unit.short_name, *unit.aliases, *_SHORT_FORMS.get(unit.code, [])]
            for name in names:
                if name:
                    forms.setdefault(_norm(name), unit.code)
                    spellings.append(name)
            for name in (unit.name, *unit.aliases):
                folded = fold(name)
                if folded.startswith("bo "):
                    bare.setdefault(_norm(folded[3:]), unit.code)
                    bare_spellings.append(folded[3:])
            if unit.code.isupper() and len(unit.code) >= 3:
                forms.setdefault(unit.code.lower(), unit.code)
                spellings.append(unit.code)
        self._forms, self._bare = forms, bare
        # a province's department written with its ministry's short form ("Sở KH&CN", "Sở
        # GD&ĐT"): the department of that name, kept by its full name
        departments: dict[str, str] = {}
        department_spellings: list[str] = []
        for unit in ministries:
            full = "Sở " + unit.name[3:] if unit.name.startswith("Bộ ") else ""
            if full not in _DEPARTMENTS:
                continue
            for short in _SHORT_FORMS.get(unit.code, []):
                if short.startswith("Bộ ") and len(short) <= 12:
                    departments.setdefault(_norm("Sở " + short[3:]), full)
                    department_spellings.append("Sở " + short[3:])
        for short, full in _DEPARTMENT_SHORT.items():
            departments.setdefault(_norm(short), full)
            department_spellings.append(short)
        self._departments = departments
        self._department_re = re.compile(
            rf"{_EDGE}(?:{_alternation([_pattern(k) for k in department_spellings])}){_END}"
        ) if departments else None
        unit_alts = [_pattern(f) for f in spellings]
        self._unit_re = re.compile(
            rf"{_EDGE}(?:{_TITLES})?(?:{_alternation(unit_alts)}){_END}")
        self._bare_re = re.compile(
            rf"{_EDGE}(?:{_alternation([_pattern(b) for b in bare_spellings])}){_END}")
        provinces: dict[str, list[str]] = {}
        prov_names: list[str] = []
        for unit in self.hierarchy.at_level(OrgUnitLevel.PROVINCE, on=self.day):
            # the name without its kind too: "thành phố Hồ Chí Minh" when the short name is
            # "TP. Hồ Chí Minh"
            bare_name = re.sub(r"^(?:Thành phố|Tỉnh|TP\.?)\s+", "", unit.short_name)
            names = dict.fromkeys([unit.short_name, bare_name,
                                   *_PROVINCE_ALIASES.get(unit.code, [])])
            for name in names:
                provinces.setdefault(_norm(name), []).append(unit.code)
            prov_names.extend(names)
        self._provinces = provinces
        prov_alts = _alternation([_pattern(n) for n in dict.fromkeys(prov_names)] +
                                 [_pattern(a) for names in _PROVINCE_ALIASES.values()
                                  for a in names])
        self._province_re = re.compile(
            rf"{_EDGE}(?:(?:chu tich |pho chu tich )?(?:uy ban nhan dan|ubnd)\s+)?"
            rf"(?:tinh|thanh pho|tp\.?)\s*(?P<name>{prov_alts}){_END}")
        # in the order of the list (most specific first): sorting regexes by their length
        # would try "các bộ, cơ quan(…)?" before "các bộ, cơ quan ngang bộ, …"
        self._collective_re = re.compile(rf"{_EDGE}(?:{'|'.join(_COLLECTIVES)}){_END}")
        self._provinces_re = re.compile(rf"{_EDGE}(?:{_alternation(_PROVINCES)}){_END}")
        # a body named by its head's title ("Chánh Văn phòng Ban Chỉ đạo …") is that body
        self._body_re = re.compile(
            rf"{_EDGE}(?:(?:chanh|truong|giam doc|lanh dao|thu truong|chu tich) )?"
            rf"(?P<body>{_alternation([_pattern(b) for b in _BODIES])}){_END}")
        # "Chủ tịch Ủy ban nhân dân các tỉnh: Đắk Lắk, Khánh Hòa, Gia Lai và Lâm Đồng"
        self._province_list_re = re.compile(
            rf"{_EDGE}(?:dong chi )?(?:bi thu tinh uy(?:, thanh uy)?(?: va |, ))?"
            rf"(?:(?:chu tich|pho chu tich) )?"
            rf"(?:uy ban nhan dan|ubnd) cac (?:tinh|thanh pho|tinh, thanh pho)"
            rf"(?: truc thuoc trung uong)?\s*:\s*")
        # "Các tỉnh Nghệ An, Quảng Ngãi, Cao Bằng …", "… và các tỉnh Bắc Ninh, Gia Lai": the
        # provinces named after it, with no colon
        self._bare_province_list_re = re.compile(
            rf"{_EDGE}(?:(?:uy ban nhan dan|ubnd) )?cac (?:tinh|thanh pho)\s+(?=(?:{prov_alts}){_END})")
        self._province_name_re = re.compile(
            rf"(?:(?:tinh|thanh pho|tp\.?)\s+)?(?P<name>{prov_alts}){_END}")
        self._list_re = re.compile(
            rf"{_EDGE}(?:(?:{_TITLES})?cac bo(?: truong)?(?:, (?:co quan|nganh))?|bo truong cac bo|"
            rf"thu truong cac bo, co quan|bo truong, thu truong cac bo, co quan)\s*:\s*")

    # -- look-ups ------------------------------------------------------------------------
    def unit_for(self, folded: str) -> str | None:
        key = _norm(re.sub(rf"^{_TITLES}", "", folded))
        return self._forms.get(key)

    def province_codes(self) -> tuple[str, ...]:
        return tuple(u.code for u in self.hierarchy.at_level(OrgUnitLevel.PROVINCE,
                                                              on=self.day))

    def unit(self, code: str) -> OrgUnit:
        return self.hierarchy.get(code)

    # -- finding mentions ------------------------------------------------------------------
    def mentions(self, text: str, folded: str) -> list[Mention]:
        """Every mention in ``text`` (with its fold), longest first where they overlap."""
        found: list[Mention] = []
        for m in self._list_re.finditer(folded):
            found.extend(self._list_mentions(text, folded, m.start(), m.end()))
        addressed: tuple[str, ...] = ()
        for m in self._province_list_re.finditer(folded):
            listed = self._province_list(text, folded, m.start(), m.end())
            found.extend(listed)
            addressed = addressed or (listed[0].codes if listed else ())
        for m in self._bare_province_list_re.finditer(folded):
            found.extend(self._province_list(text, folded, m.start(), m.end()))
        for m in self._provinces_re.finditer(folded):
            # "các tỉnh, thành phố nêu trên", "… từ Hà Tĩnh đến Khánh Hòa" in a text addressed
            # to a list of provinces are those provinces, not every one
            # — and so is a bare "các tỉnh, thành phố" there; "… trực thuộc Trung ương", "cấp
            # tỉnh" keep meaning every province
            narrowed = _NARROWED.match(folded, m.end())
            every = re.search(r"truc thuoc|cap tinh", folded[m.start():m.end()])
            if addressed and (narrowed or not every):
                stop = narrowed.end() if narrowed else m.end()
                found.append(Mention(m.start(), stop, UNITS, addressed, text[m.start():stop]))
                continue
            found.append(Mention(m.start(), m.end(), PROVINCES, self.province_codes(),
                                 text[m.start():m.end()]))
        for m in self._unit_re.finditer(folded):
            code = self.unit_for(folded[m.start():m.end()])
            if code is None:
                continue
            if len(code) <= 5 and folded[m.start():m.end()] == code.lower() and \
                    text[m.start():m.end()] != code:
                continue  # "bca" in running text is no code; only "BCA" is
            found.append(Mention(m.start(), m.end(), UNIT, (code,), text[m.start():m.end()]))
        for m in self._province_re.finditer(folded):
            codes = self._provinces.get(_norm(m.group("name")), [])
            if codes:
                found.append(Mention(m.start(), m.end(), UNIT, (codes[0],),
                                     text[m.start():m.end()]))
        for m in self._collective_re.finditer(folded):
            found.append(Mention(m.start(), m.end(), COLLECTIVE, (), text[m.start():m.end()]))
        for m in self._body_re.finditer(folded):
            stop = m.end()
            if folded.startswith("ban quan ly", m.start("body")):
                # "Ban Quản lý các khu chế xuất và công nghiệp Cần Thơ": the board of a
                # province's zones is named with its province
                place = re.compile(r"\s+").match(folded, stop)
                named = self._province_name_re.match(folded, place.end()) if place else None
                if named is not None and self._provinces.get(_norm(named.group("name"))):
                    stop = named.end()
            found.append(Mention(m.start(), stop, BODY, (), text[m.start("body"):stop]))
        for m in _DEPUTY_PM.finditer(text):
            found.append(Mention(m.start(), m.end(), BODY, (), m.group(0)))
        for m in _GROUP_LIST.finditer(folded):
            found.extend(_group_list(text, m.start(), m.end()))
        for m in (self._department_re.finditer(folded) if self._department_re else ()):
            full = self._departments.get(_norm(folded[m.start():m.end()]))
            if full:
                found.append(Mention(m.start(), m.end(), BODY, (), full))
        for m in _BODY_HEADS.finditer(text):
            name = re.sub(r"(?:\s+(?:và|về|tại))+$", "", m.group(0).rstrip(" .,-&"))
            if len(name.split()) >= 2:
                found.append(Mention(m.start(), m.start() + len(name), BODY, (), name))
        return _without_overlaps(found)

    def _province_list(self, text: str, folded: str, start: int, end: int) -> list[Mention]:
        """"Ủy ban nhân dân các tỉnh: A, B và C" — one mention of the provinces listed."""
        pos, codes = end, []
        while True:
            m = self._province_name_re.match(folded, pos)
            if m is None or not self._provinces.get(_norm(m.group("name"))):
                break
            codes.append(self._provinces[_norm(m.group("name"))][0])
            pos = m.end()
            sep = re.match(r"\s*(?:,|;|\bva\b)\s*", folded[pos:])
            if sep is None or not self._province_name_re.match(folded, pos + sep.end()):
                break
            pos += sep.end()
        if not codes:
            return []
        return [Mention(start, pos, UNITS, tuple(dict.fromkeys(codes)), text[start:pos])]

    def _list_mentions(self, text: str, folded: str, start: int, end: int) -> list[Mention]:
        """"các Bộ: Công an, Tài chính, Xây dựng" — one mention of every ministry listed."""
        pos, codes = end, []
        while True:
            m = self._bare_re.match(folded, pos)
            if m is None:
                break
            codes.append(self._bare[_norm(folded[m.start():m.end()])])
            pos = m.end()
            sep = re.match(r"\s*(?:,|;|\bva\b)\s*", folded[pos:])
            if sep is None or not self._bare_re.match(folded, pos + sep.end()):
                break
            pos += sep.end()
        if not codes:
            return []
        return [Mention(start, pos, UNITS, tuple(dict.fromkeys(codes)), text[start:pos])]


# "các Tập đoàn: Công nghiệp - Năng lượng Quốc gia Việt Nam, Bưu chính Viễn thông Việt Nam …"
_GROUP_LIST = re.compile(r"(?<![\w])cac (?P<head>tap doan|tong cong ty)\s*:\s*")
_GROUP_NAME = re.compile(
    r"(?P<name>[A-ZĐÂĂÊÔƠƯÀ-Ỹ][^,;:.()\n]*?)(?=\s*(?:[,;:.(]|$)|\s+và\s+[A-ZĐÂĂÊÔƠƯÀ-Ỹ]|"
    r"\s+(?:theo|tổ chức|triển khai|chủ động|phối hợp|khẩn trương|thực hiện|nghiên cứu|"
    r"xây dựng|trao đổi|làm việc|có|tiếp tục|hoàn thành|chỉ đạo|bảo đảm|đảm bảo)\b)")


def _group_list(text: str, start: int, end: int) -> list[Mention]:
    """One body per name listed after "các Tập đoàn:" (each "Tập đoàn …")."""
    head = "Tập đoàn" if text[start:end].lower().find("tập đoàn") >= 0 else "Tổng công ty"
    out: list[Mention] = []
    pos, first = end, start
    while True:
        m = _GROUP_NAME.match(text, pos)
        if m is None or len(m.group("name").split()) < 2:
            break
        out.append(Mention(first, m.end(), BODY, (), f"{head} {m.group('name').strip()}"))
        sep = re.match(r"\s*(?:,|\bvà\b)\s*", text[m.end():])
        if sep is None:
            break
        pos, first = m.end() + sep.end(), m.end() + sep.end()
    return out


# The province a working session was held with ("… tại buổi làm việc với lãnh đạo tỉnh Phú
# Thọ"), and the words that then stand for it: "Tỉnh", "Thành phố", "Tỉnh ủy", "Ủy ban nhân dân
# Thành phố", "cấp ủy, chính quyền Thành phố".
_HOME_CUE = re.compile(r"lam viec voi (?:lanh dao |thuong truc |ban thuong vu )?(?:tinh uy |thanh uy )?"
                       r"(?:tinh|thanh pho)\s+")
_HOME_WORDS = re.compile(
    r"(?<![\w])(?:(?:thuong truc |ban thuong vu )?(?:tinh uy|thanh uy)|"
    r"(?:(?:uy ban nhan dan|ubnd|cap uy, chinh quyen|chinh quyen) )?(?:tinh|thanh pho))(?![\w])")


def home_province(gaz: Gazetteer, folded: str) -> tuple[str, int, int] | None:
    """The province of a working session ("… buổi làm việc với lãnh đạo tỉnh Phú Thọ"): its
    code and where its name stands in the opening."""
    cue = _HOME_CUE.search(folded, 0, 3000)
    if cue is None:
        return None
    m = gaz._province_name_re.match(folded, cue.end())
    codes = gaz._provinces.get(_norm(m.group("name"))) if m else None
    if not m or not codes:
        return None
    return codes[0], cue.end(), m.end()


def home_mentions(gaz: Gazetteer, text: str, folded: str) -> list[Mention]:
    """Mentions of the province the document is about, where it names it without its name."""
    home = home_province(gaz, folded)
    if home is None:
        return []
    code, _start, after = home
    out = []
    for w in _HOME_WORDS.finditer(folded, after):
        written = text[w.start():w.end()]
        last = written.split()[-1] if written.split() else ""
        # "Tỉnh", "Thành phố" with a capital, "Tỉnh ủy": not "các tỉnh", "cấp tỉnh"
        if not (written[:1].isupper() or last[:1].isupper()):
            continue
        if re.match(r"\s+[A-ZĐÂĂÊÔƠƯÀ-Ỹ]", text[w.end():w.end() + 2]) and \
                not written.lower().endswith("ủy"):
            continue  # "Tỉnh Thanh Hóa" is matched with its name
        out.append(Mention(w.start(), w.end(), UNIT, (code,), written))
    return out


def _norm(name: str) -> str:
    """One key for every spelling of a name: folded, without full stops, dashes, commas
    and spaces."""
    folded = fold(name).replace("–", "-").replace("—", "-").replace(".", "")
    # no spaces at all: a page that ran two words together still names the same unit
    return re.sub(r"[\s,-]+", "", folded)


def _without_overlaps(found: list[Mention]) -> list[Mention]:
    priority = {UNITS: 0, PROVINCES: 1, UNIT: 2, COLLECTIVE: 3, BODY: 4}
    found.sort(key=lambda m: (-(m.end - m.start), priority[m.kind], m.start))
    kept: list[Mention] = []
    size = max((m.end for m in found), default=0)
    taken = bytearray(size)
    for m in found:
        if any(taken[m.start:m.end]):
            continue
        kept.append(m)
        taken[m.start:m.end] = b"\x01" * (m.end - m.start)
    return sorted(kept, key=lambda m: m.start)


_CACHE: dict[tuple[int, date], Gazetteer] = {}
_LOCK = threading.Lock()


def gazetteer(hierarchy: Hierarchy, day: date) -> Gazetteer:
    """The compiled names for ``day`` (made once per hierarchy and day)."""
    key = (id(hierarchy), day)
    with _LOCK:
        found = _CACHE.get(key)
    if found is None:
        found = Gazetteer(hierarchy, day)
        with _LOCK:
            if len(_CACHE) > 64:
                _CACHE.clear()
            _CACHE[key] = found
    return found
