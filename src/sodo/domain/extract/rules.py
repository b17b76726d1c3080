"""The rules that turn a directive's text into proposed tasks (see :func:`extract_tasks`).

A task is an item of the operative part (or a clause of one) that assigns work: it names who
acts ("Giao Bộ X chủ trì, phối hợp với Y …", "Bộ X tiếp thu …", "các Bộ: A, B, C …", an item
under the heading "1. Bộ Kế hoạch và Đầu tư:") or, in a part about tasks, starts with what is
to be done ("Đẩy mạnh …"). Results, viewpoints, references to other documents, the closing
formula and "Nơi nhận" yield nothing. A sub-item takes from its parent what it does not say
itself: the lead, the partners, the deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sodo.domain.extract.agencies import (
    AUTHORITIES,
    BODY,
    COLLECTIVE,
    PROVINCES,
    UNITS,
    Gazetteer,
    Mention,
    gazetteer,
    home_mentions,
    home_province,
)
from sodo.domain.extract.deadlines import (
    ADVERB,
    DATE,
    RECURRING,
    TimeExpr,
    choose_deadline,
    find_times,
)
from sodo.domain.extract.model import (
    DECISION,
    DIRECTIVE,
    LETTER,
    NOTICE,
    OTHER,
    DocumentInfo,
    Extraction,
    Proposal,
)
from sodo.domain.extract.structure import (
    NONTASK,
    OUTSIDE,
    TASK,
    Item,
    assign_zones,
    parse_items,
    read_tables,
)
from sodo.domain.extract.text import clean_text, fold_view
from sodo.domain.orgunits import NATION_CODE, Hierarchy, agency_hierarchy
from sodo.domain.text import fold

# Verbs (and the adverbs that open an instruction) a task starts with, folded.
ACTIONS = (
    "day manh", "day nhanh", "trien khai", "xay dung", "hoan thien", "phat trien", "tap trung",
    "nghien cuu", "ra soat", "to chuc", "thuc day", "tiep thu", "bao dam", "dam bao",
    "tang cuong", "chi dao", "huong dan", "kiem tra", "danh gia", "de xuat", "trinh", "bao cao",
    "ban hanh", "thuc hien", "khan truong", "hoan thanh", "xu ly", "kien quyet", "nang cao",
    "doi moi", "uu tien", "bo tri", "tuan thu", "theo doi", "giam sat", "cap nhat", "ket noi",
    "chia se", "phat dong", "kien toan", "sua doi", "bo sung", "lap", "quan ly", "khuyen khich",
    "ho tro", "thu hut", "da dang hoa", "chu dong", "co y kien", "lam ro", "rut kinh nghiem",
    "tham muu", "don doc", "phoi hop", "xem xet", "giai quyet", "tam dung", "thu hoi", "cung cap",
    "van hanh", "nang cap", "tiep tuc", "sap xep", "cat giam", "don gian hoa", "so hoa", "chu tri",
    "som", "nhanh chong", "kip thoi", "chuan bi", "tong hop", "tong ket", "so ket", "tuyen truyen",
    "pho bien", "dao tao", "boi duong", "mo rong", "hinh thanh", "ap dung", "tich hop", "kich cau",
    "tao", "gop phan", "ung dung", "thanh lap", "giao", "dua", "phan dau", "bao ve", "xac dinh",
    "lua chon", "tien hanh", "dieu chinh", "tra loi", "phan bo", "can doi", "thong nhat voi",
    "co trach nhiem", "chiu trach nhiem", "co van ban", "gui", "phan cong", "cu", "nhan rong",
    "vinh danh", "khen thuong", "thiet lap", "thu thap", "dinh huong", "tiep nhan", "ky",
    "dam phan", "hop tac", "xuc tien", "giam", "tang", "loai bo", "ngan chan", "phong ngua",
    "phong chong", "khac phuc", "chan chinh", "kiem soat", "thanh tra", "cong khai",
    "thuong xuyen", "co bien phap", "co giai phap", "co ke hoach", "co phuong an",
    "chua thuc hien", "khong de", "khong duoc", "tuyet doi khong",
    "huy dong", "van dong", "xay moi", "sua chua", "khoi phuc", "tiep te", "cuu tro",
    "yeu cau", "cung ung", "quan tam", "chu trong",
    "nhan dien", "giu vung", "duy tri", "cung co", "bam sat", "phat huy",
    "toi uu hoa", "han che", "ket hop", "dinh ky", "tham gia", "ra mat",
    # "Dứt khoát phải khánh thành …" (and its common misspelling "Rứt khoát")
    "dut khoat", "rut khoat",
    # "- Làm đầu mối tổng hợp tình hình …" (the focal point of a programme)
    "lam dau moi",
)
_ACTION_RE = re.compile("(?:{})(?![\\w])".format("|".join(sorted(ACTIONS, key=len, reverse=True))))
# What never is a task, whatever it names.
_NOT_TASK = re.compile(
    r"^(?:dong y|thong nhat(?! voi)|nhat tri|ghi nhan|bieu duong|danh gia cao|hoan nghenh|"
    r"ve viec(?! [^:;.\n]{1,300}:)|quyet dinh nay|chi thi nay|thong bao nay|ban hanh kem theo|"
    r"van phong chinh phu (?:xin |tran trong |xin tran trong )?(?:thong bao|kinh bao|xin gui)|"
    r"trong thoi gian qua|thoi gian qua|sau khi nghe|kinh gui|noi nhan|"
    r"can cu|xet de nghi|theo de nghi|thay mat|luu\s*:)")
# The grounds, then the work ("Căn cứ mục tiêu, nhiệm vụ nêu trong Chương trình để xây dựng …").
_GROUNDS_ACTION = re.compile(rf"can cu [^;:.]{{1,200}}? de (?:{_ACTION_RE.pattern})")
# An admonition is no task ("… cần rút kinh nghiệm trong việc …").
_ADMONITION = re.compile(r"^(?:can |phai |nghiem tuc )*(?:rut kinh nghiem|kiem diem|"
                         r"nghiem tuc rut kinh nghiem)\b")
# An approval that sets when something is due is a task of the one who asked
# ("Đồng ý cho Bộ X lùi thời hạn trình Đề án … đến Quý I/2015").
_APPROVAL = re.compile(r"^dong y (?:cho |de )?.{0,120}?(?:lui|gia han|dieu chinh|keo dai)\s+"
                       r"(?:thoi gian|thoi han)")
# "Xét đề nghị …, Phó Thủ tướng … giao các Bộ: …" — the assignment ends the request's sentence.
_EMBEDDED = re.compile(r",\s*(?:thu tuong(?: chinh phu)?|pho thu tuong(?: thuong truc)?"
                       r"(?: chinh phu)?(?: [^,;:.\d]{1,40}?)?)\s+(giao|yeu cau|de nghi|chi dao)\s+")
# The addressee named where the operative part opens ("… có ý kiến chỉ đạo Bộ X như sau:").
_ADDRESSEE = re.compile(r"(?:co y kien(?: chi dao)?|chi dao|yeu cau|giao)\s+(?P<who>[^:]{3,160}?)"
                        r"\s*(?:nhu sau|thuc hien (?:cac|mot so) (?:nhiem vu|noi dung)(?: [a-z]+){0,4}? "
                        r"sau(?: day)?)"
                        r"\s*:")
_HEED = re.compile(r"(?:(?:luu y|chu y|trong do|cu the)(?:(?: [a-z]+){0,4}? (?:mot so|cac|nhung) (?:noi dung|van de|"
                   r"diem)(?: [a-z]+){0,3}?(?: (?:nhu )?sau(?: day)?)?)?|"
                   # "… báo cáo Thủ tướng trong tháng 3 các vấn đề sau:": the report's matters
                   r"bao cao[^:]{0,200}(?:cac|nhung|mot so) (?:van de|noi dung) sau(?: day)?)"
                   r"\s*:\s*$")
_REFERENCE_AFTER = re.compile(r"\s*so\s*\d")
_BOILERPLATE = re.compile(r"co hieu luc(?: thi hanh)?(?: ke tu| tu)|chiu trach nhiem thi hanh|"
                          r"chiu trach nhiem (?:truc tiep )?truoc (?:dang|chinh phu|thu tuong|nhan dan)|"
                          r"chiu trach nhiem (?:to chuc )?thuc hien (?:ke hoach|quyet dinh|chi thi|"
                          r"chuong trinh|thong bao|cong dien) nay|neu co kho khan,? vuong mac|"
                          r"thay the quyet dinh|chiu trach nhiem truoc phap luat|"
                          # the closing: "… triển khai thực hiện nghiêm túc Chỉ thị này"
                          r"thuc hien nghiem(?: tuc)? (?:chi thi|quyet dinh|cong dien|"
                          r"thong bao|ke hoach) nay\s*\.?/?\.?$|"
                          # "Yêu cầu các sở, … thực hiện nghiêm túc./." — the document's last words
                          r"^yeu cau [^.;]{1,200}? thuc hien nghiem(?: tuc)?\s*\./\.?$")
# What follows a subject that reports or agrees rather than assigns ("Các Bộ, cơ quan đã …",
# "… thống nhất chỉ có một cơ quan chủ trì").
# Accountability that comes with work ("… chịu trách nhiệm trước Chính phủ … về kết quả …,
# báo cáo Chính phủ … kết quả thực hiện …"): a task, not the formula alone.
_ACCOUNTABLE_TASK = re.compile(r"chiu trach nhiem (?:toan dien )?(?:truc tiep )?truoc "
                               r"[^.]{0,200}?[,;]\s*(?:kip thoi |dong thoi |dinh ky )?"
                               r"(?:bao cao|chu dong|chi dao|to chuc)\b")
# A demand that opens a later sentence, or follows a lead-in there ("Với vai trò …, yêu cầu").
_LATER_DEMAND = re.compile(r"[.;]\s+(?:[^.;:]{0,160}?,\s*)?(?:yeu cau|de nghi)\s+")
# Who is named by a role and given a duty ("Cơ quan phối hợp có trách nhiệm trả lời …",
# "Trường hợp …, cơ quan chủ trì có trách nhiệm phối hợp …"): a task of whoever the role is.
_ROLE_DUTY = re.compile(r"(?:(?:truong hop|neu) [^;.]{1,300}?,\s*)?(?:[^\W\d_]+\s+){1,6}?"
                        r"co trach nhiem\s+(?!ve\s)")
# A clause that opens with a condition ("nếu …", "trường hợp …", "khi …").
_CONDITION = re.compile(r"\s*(?:neu|truong hop|trong truong hop|khi|truoc khi|sau khi)\s")
# The words before a demand are inside a condition of the work.
_IN_CONDITION = re.compile(r"(?:^|[;,.]\s*)(?:neu|truong hop|trong truong hop|khi)\s[^;.]*$")
# A party named by its role, the body in brackets: "Nhà đầu tư (Tập đoàn Đèo Cả)".
_ROLE_NAMED = re.compile(r"(?:cac )?(?:nha dau tu|chu dau tu|nha thau|doanh nghiep du an|"
                         r"co quan chu quan)\s*\(\s*")
# "1. Về đề nghị … của Tỉnh: giao Bộ X …" — the request answered, then the assignment.
_TOPIC = re.compile(r"(?:ve|doi voi) (?:de nghi|kien nghi)[^:\n]{1,400}?:\s*\S")
_APPOSITION = re.compile(
    r"\s+-\s+(?:pho )?(?:truong ban|chu tich|giam doc|truong)\b[^,;:.]{0,90}?(?<!ban)(?=\s(?:"
    + "|".join(sorted(ACTIONS, key=len, reverse=True)) + r")(?![\w]))")
_PAST = re.compile(r"^(?:da|dang|vua|la|con|chua|duoc ghi nhan|thong nhat(?! voi)|nhat tri|"
                   r"dong y|cho rang|se)\b")
# "các cơ quan liên quan thuộc Bộ Xây dựng", "cơ quan chức năng của Bộ Nông nghiệp …": the
# ministry is named through its agencies.
_AGENCIES_OF = re.compile(r"(?:cac )?(?:co quan|don vi|luc luong)(?: (?:chuc nang|lien quan|"
                          r"chuyen mon|co lien quan|truc thuoc))*\s+(?:thuoc|cua)\s+")
_PREFIXES = re.compile(
    r"(?:can cu [^;:.]{1,200}?,\s*(?=(?:cac |bo |uy ban |ngan hang )))?"
    # a basis before the subject or the work ("Trên cơ sở đề nghị của các Bộ, cơ quan liên
    # quan, Bộ Tài chính …", "Trên cơ sở Báo cáo chính trị …, nhiệm kỳ 2025 - 2030, khẩn
    # trương xây dựng …")
    r"(?:tren co so (?!do\b)[^;:.]{1,200}?,\s*(?=(?:cac |bo |uy ban |ubnd |tinh |thanh pho |"
    r"ngan hang |chu tich |tap doan |(?:" + "|".join(sorted(ACTIONS, key=len, reverse=True))
    + r")(?![\w]))))?"
    # a time clause before the subject ("Sau khi được Quốc hội thông qua, các Bộ …")
    r"(?:(?:sau khi|truoc khi|khi|trong qua trinh) [^;:.,]{1,120}?,\s*"
    r"(?=(?:cac |bo |uy ban |ubnd |ngan hang |chu tich |tap doan )))?"
    r"(?:(?:ve|doi voi|viec) [^:\n]{1,400}?:\s*)?"
    r"(?:doi voi [^;.]{1,400}? thi (?:can |phai )?)?"
    # what the work is about before it ("- Đối với các khu, cụm công nghiệp đã được cung cấp
    # nước …, tiếp tục duy trì …")
    r"(?:doi voi [^;:.]{1,300}?,\s*(?=(?:" + "|".join(sorted(ACTIONS, key=len, reverse=True))
    + r")(?![\w])))?"
    # an aim before the subject ("Để tiếp tục vận hành …, thành phố Đà Nẵng cần …")
    r"(?:de [^;:.]{1,300}?,\s*(?=(?:cac |bo |uy ban |ubnd |tinh |thanh pho |ngan hang |"
    r"chu tich |tap doan )))?"
    r"(?:(?:dong thoi|truoc mat|tren co so do|sau do|ngoai ra|mat khac|theo do|cu the|"
    r"tren co so (?:chuc nang|quy dinh|ket qua)[^,;.:]{0,60}|voi vai tro [^,;.:]{1,60}|"
    r"tiep theo|dac biet|hang nam|hang quy|hang thang|dinh ky|(?:trong )?thoi gian toi|"
    r"(?:theo|trong pham vi)(?: va linh vuc)? (?:chuc nang|quan ly|tham quyen)[^,;.:]{0,60}|"
    r"(?:den|trong|truoc) (?:nam|thang|quy|ngay) [\w/ ]{1,14}?)\s*,\s*)*"
    r"(?:(?:thu tuong chinh phu|pho thu tuong(?: chinh phu)?(?: [^,;:.]{1,40}?)?|thu tuong)\s+)?"
    r"(?:(?:giao(?: cho)?|de nghi|yeu cau|phan cong|dac biet la)\s+)?")
_PARTNER_CUE = re.compile(r"(?:phoi hop(?:,? (?:huong dan|ho tro|giup do|tao dieu kien cho))?"
                          r"(?: chat che)?(?: voi)?|cung voi|voi su tham gia cua|"
                          r"va su tham gia cua|(?<=chu tri )cung)\s+")
_CONNECTOR = re.compile(r"\s*(?:,\s*(?:va\s+|cung voi\s+|cung\s+)?|\s+va\s+|\s+cung voi\s+|"
                        r"\s+cung\s+|\s+voi\s+)\s*")
_AUTHORITY = [
    (re.compile(r"(?:trinh|bao cao|de xuat voi|bao cao xin y kien)\s+(thu tuong chinh phu|"
                r"thu tuong|chinh phu|quoc hoi|uy ban thuong vu quoc hoi|bo chinh tri|ban bi thu|"
                r"cap co tham quyen|hoi dong nhan dan(?: tinh| cap tinh)?|"
                r"uy ban nhan dan (?:tinh|thanh pho))"), None),
    (re.compile(r"(?<![\w])(thu tuong chinh phu) (?:ban hanh|phe duyet|xem xet, quyet dinh|"
                r"quyet dinh)"), None),
]
_AUTHORITY_NAMES = {
    "thu tuong chinh phu": "Thủ tướng Chính phủ", "thu tuong": "Thủ tướng Chính phủ",
    "chinh phu": "Chính phủ", "quoc hoi": "Quốc hội",
    "uy ban thuong vu quoc hoi": "Ủy ban Thường vụ Quốc hội", "bo chinh tri": "Bộ Chính trị",
    "ban bi thu": "Ban Bí thư", "cap co tham quyen": "cấp có thẩm quyền",
}
_DELIVERABLE = re.compile(
    r"(?<![\w])(?:cac |mot so )?(?:chuong trinh|de an|ke hoach|bao cao|khung|chien luoc|"
    r"nghi dinh|nghi quyet|quyet dinh|thong tu|quy hoach|du thao|du an luat|du an|quy che|"
    r"chi thi|luat|bo tieu chi|tieu chi|danh muc|phuong an|so tay|van ban huong dan|"
    r"cac van ban|co che|chinh sach|giai phap|he thong|nen tang|co so du lieu|cong thong tin|"
    r"de xuat|to trinh|ho so)(?![\w])")
_DELIVERABLE_STOP = re.compile(
    r"\s*(?:,\s*trong do|\s+de\s|\s+nham\s|;|\.(?:\s|$)|\s+trinh\s|,\s*trinh\s|,\s*bao cao|"
    r"\s+bao cao\s|\s+theo huong|,\s*bao dam|,\s*dam bao|\s+tren co so|\s+sau khi|"
    r"\s+(?:hoan thanh|trong|truoc|cham nhat|den het)\s+(?:thang|quy|nam|ngay|\d)|"
    r",\s*(?:hoan thanh|xong)|\s+trong (?:thang|quy|nam)|\s+truoc ngay|\s+va to chuc|"
    r"\s+va trinh|\s+gui\s|\s+\()")
_DEADLINE_PARA = re.compile(r"^(?:hoan thanh|thoi han|thoi gian hoan thanh|thoi gian thuc hien|"
                            r"tien do)\b")
_NUMBER = re.compile(r"(?:^|\n)\s*S[ốô]\s*(?:hiệu)?\s*:\s*([0-9][^\s,;]*)", re.I)
_ISSUED = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")
_LATE = date(2100, 1, 1)


@dataclass
class _Parties:
    units: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # collectives and bodies, as written
    bodies: list[str] = field(default_factory=list)
    text: str = ""
    start: int = 0
    end: int = 0

    def __bool__(self) -> bool:
        return bool(self.units or self.others)


@dataclass
class _Context:
    """What an item passes to its sub-items."""

    lead: _Parties | None = None
    partners: _Parties | None = None
    time: TimeExpr | None = None
    recurring: TimeExpr | None = None
    authority: str = ""
    group: str = ""
    time_here: bool = False  # the time was said by the item right above


class _Reader:
    def __init__(self, text: str, gaz: Gazetteer, issued: date | None) -> None:
        self.text = text
        self.folded = fold_view(text)
        self.gaz = gaz
        self.issued = issued
        self.mentions = gaz.mentions(text, self.folded)
        taken = {i for m in self.mentions for i in range(m.start, m.end)}
        home = [m for m in home_mentions(gaz, text, self.folded)
                if not any(i in taken for i in range(m.start, m.end))]
        if home:
            self.mentions = sorted(self.mentions + home, key=lambda m: m.start)
        self._by_start = {m.start: m for m in self.mentions}

    # -- parties ---------------------------------------------------------------------------
    def mention_at(self, pos: int) -> Mention | None:
        return self._by_start.get(pos)

    def parties(self, pos: int, end: int, free: bool = False, lists: bool = False) -> _Parties:
        """The agencies named from ``pos`` on, joined by commas, "và", "cùng với" (and, for
        the addressees of a subject, ``lists``, semicolons: "Các bộ, …; Ủy ban nhân dân các
        tỉnh …")."""
        found = _Parties(start=pos, end=pos)
        cur = pos
        while cur < end:
            role = _ROLE_NAMED.match(self.folded, cur, end)
            if role is not None and (named := self.mention_at(role.end())) is not None and \
                    named.end < end and self.folded[named.end] == ")":
                # "Nhà đầu tư (Tập đoàn Đèo Cả)": the body named in brackets
                self._add(found, named)
                cur = found.end = named.end + 1
                conn = _CONNECTOR.match(self.folded, cur, end)
                if conn is None or self.mention_at(conn.end()) is None:
                    break
                cur = conn.end()
                continue
            of = _AGENCIES_OF.match(self.folded, cur, end)
            if of is not None and (unit := self.mention_at(of.end())) is not None and \
                    unit.is_unit:
                cur = of.end()
            m = self.mention_at(cur)
            if m is not None and m.end <= end:
                self._add(found, m)
                cur = m.end
            elif free and (phrase := self._free_phrase(cur, end)):
                found.others.append(self.text[cur:phrase].strip(" ,"))
                cur = phrase
            else:
                break
            found.end = cur
            conn = _CONNECTOR.match(self.folded, cur, end)
            if conn is None and lists:
                conn = re.compile(r"\s*;\s*(?:va\s+)?").match(self.folded, cur, end)
            if conn is None:
                # "Sở Khoa học và Công nghệ Sở Công Thương": a table cell's list with the comma
                # left out, one department after another
                bare = re.compile(r"\s+(?=so\s)").match(self.folded, cur, end)
                listed = self.mention_at(bare.end()) if bare else None
                if listed is not None and listed.kind == BODY and m is not None and \
                        m.kind == BODY and fold(m.name).startswith("so ") and listed.end <= end:
                    conn = bare
            if conn is None:
                # "Bộ Xây dựng, Bộ Quốc phòng các tỉnh Ninh Bình, Hưng Yên …": a list of
                # provinces named after a unit with the comma left out
                bare = re.compile(r"\s+(?=cac (?:tinh|thanh pho)\s)").match(self.folded, cur, end)
                listed = self.mention_at(bare.end()) if bare else None
                if listed is not None and listed.kind == UNITS and listed.end <= end:
                    conn = bare
            if conn is None:
                break
            nxt = conn.end()
            if self.mention_at(nxt) is None and not (free and self._free_phrase(nxt, end)) \
                    and not _AGENCIES_OF.match(self.folded, nxt, end):
                break
            cur = nxt
        found.text = self.text[found.start:found.end]
        return found

    def _add(self, found: _Parties, m: Mention) -> None:
        if m.kind == COLLECTIVE:
            found.others.append(m.name)
        elif m.kind == BODY:
            found.others.append(m.name)
            found.bodies.append(m.name)
        else:
            for code in m.codes:
                if code not in found.units:
                    found.units.append(code)

    def _free_phrase(self, pos: int, end: int) -> int | None:
        """A short noun phrase naming partners that are no unit ("doanh nghiệp công nghệ")."""
        m = re.match(r"(?:cac |nhung )?(?:doanh nghiep|to chuc|co quan|don vi|truong|"
                     r"hiep hoi|nguoi dan|chuyen gia|nha khoa hoc|dia phuong|tap doan|"
                     r"tong cong ty|ngan hang|vien|hoc vien)(?:[ \w]{0,40}?)"
                     rf"(?=,|;|\.|\s+(?:va|cung)\s|$|\s+(?:{_ACTION_RE.pattern}))",
                     self.folded[pos:end])
        if m is None or m.end() == 0:
            return None
        return pos + m.end()

    # -- the pieces of a task ---------------------------------------------------------------
    def subjects(self, start: int, end: int, header: bool = False) -> tuple[_Parties, int]:
        """Who a clause assigns (its subject, after "Giao"/"Đề nghị"), and where the work
        begins. ``header``: the clause may be the unit alone ("1. Bộ Kế hoạch và Đầu tư:")."""
        prefix = _PREFIXES.match(self.folded, start, end)
        pos = prefix.end() if prefix else start
        found = self.parties(pos, end, lists=True)
        if not found:
            # the cue after the topic ("Về đề nghị Bộ X …: …" asks nothing of Bộ X)
            window = self.folded[pos:min(end, pos + 160)]
            cue = re.search(r"(?<![\w])(?:giao(?: cho)?|yeu cau|de nghi)\s+", window)
            if cue and _IN_CONDITION.search(window[:cue.start()]):
                cue = None  # "…; nếu … không đạt, phải hướng dẫn, yêu cầu các đơn vị …"
            if cue:
                found = self.parties(pos + cue.end(), end)
            else:
                # "a) Hiện nay tổng khối lượng … còn lại rất lớn. Với vai trò … của Dự án, yêu
                # cầu các bộ, ngành …": the demand in a later sentence of an account
                later = _LATER_DEMAND.search(self.folded, pos, end)
                if later and _CONDITION.match(self.folded, later.start() + 1):
                    later = None  # "…; nếu … không đạt, phải hướng dẫn, yêu cầu …": the
                    # demand of the work itself, in a condition, names no new assignee
                if later:
                    found = self.parties(later.end(), end)
        if found and not found.units and all(fold(o) in AUTHORITIES for o in found.others):
            # "Chính phủ sẽ phân công …": who approves is never an assignee
            return _Parties(start=found.start, end=found.start), pos
        if found and found.units:
            # "Bộ trưởng Bộ Tài chính - Phó Trưởng ban Thường trực Ban Chỉ đạo 389 quốc gia tập
            # trung …": the second title after a dash is the same person
            title = _APPOSITION.match(self.folded, found.end, end)
            if title:
                found.end = title.end()
        if found:
            after = self.folded[found.end:end].lstrip(" ,:")
            if _PAST.match(after) or (not after and not header):
                return _Parties(start=found.start, end=found.start), pos
            return found, found.end
        return found, pos

    def partners(self, start: int, end: int) -> _Parties:
        """Who is named after "phối hợp với" — after each time it is said in the clause
        ("chủ trì, phối hợp với A, B …; phối hợp với C xây dựng …")."""
        found: _Parties | None = None
        for m in _PARTNER_CUE.finditer(self.folded, start, end):
            more = self.parties(m.end(), end, free=True)
            if found is None:
                found = more
                continue
            found.units.extend(u for u in more.units if u not in found.units)
            found.others.extend(o for o in more.others if o not in found.others)
            found.bodies.extend(b for b in more.bodies if b not in found.bodies)
        return found if found is not None else _Parties()

    def authority(self, start: int, end: int) -> str:
        for pattern, _ in _AUTHORITY:
            m = pattern.search(self.folded, start, end)
            if m:
                return _AUTHORITY_NAMES.get(m.group(1)) or self.text[m.start(1):m.end(1)]
        return ""

    def deliverable(self, start: int, end: int) -> str:
        for m in _DELIVERABLE.finditer(self.folded, start, end):
            before = self.folded[max(start, m.start() - 12):m.start()]
            if _REFERENCE_AFTER.match(self.folded, m.end()) or re.search(
                    r"(?:tai|theo|cua|thuoc|giao tai)\s*$", before):
                continue  # "tại Quyết định số 34/2007/QĐ-TTg": another document
            return self._deliverable_from(m, end)
        return ""

    def _deliverable_from(self, m: re.Match[str], end: int) -> str:
        stop = _DELIVERABLE_STOP.search(self.folded, m.end(), end)
        finish = stop.start() if stop else end
        phrase = self.text[m.start():finish].strip(" ,;.:")
        if len(phrase) > 300:
            phrase = phrase[:300].rsplit(" ", 1)[0]
        return phrase[:1].upper() + phrase[1:]

    def times(self, start: int, end: int) -> list[TimeExpr]:
        return find_times(self.text, self.folded, start, end, self.issued)

    def starts_with_action(self, pos: int, end: int) -> bool:
        return _ACTION_RE.match(self.folded, pos, end) is not None


# -- the document -----------------------------------------------------------------------------

def detect_document(text: str) -> DocumentInfo:
    """Number, date and kind of the document from its heading."""
    head = text[:1500]
    folded = fold_view(head)
    number = ""
    m = _NUMBER.search(head)
    if m:
        number = m.group(1).rstrip(".")
    issued = None
    for d in _ISSUED.finditer(folded):
        try:
            issued = date(int(d.group(3)), int(d.group(2)), int(d.group(1)))
        except ValueError:
            continue
        break
    kind = OTHER
    upper = number.upper()
    if "/TB" in upper or re.search(r"^\s*thong bao\s*$", folded, re.M):
        kind = NOTICE
    elif "/CT" in upper or re.search(r"^\s*chi thi\s*$", folded, re.M):
        kind = DIRECTIVE
    elif "/QĐ" in upper or "/QD" in upper or re.search(r"^\s*quyet dinh\s*$", folded, re.M):
        kind = DECISION
    elif re.search(r"/(?:VPCP|TTG|UBND|B[A-ZĐ]+)-", upper) or re.search(r"^v/v", folded, re.M):
        kind = LETTER
    title = ""
    t = re.search(r"^(?:thong bao|chi thi|quyet dinh|cong dien)\s*\n(.{5,300})", folded, re.M)
    if t:
        title = head[t.start(1):t.end(1)].strip()
    return DocumentInfo(number, issued, kind, title)


def extract_tasks(raw: str, *, source: str | None = None, issued: date | None = None,
                  hierarchy: Hierarchy | None = None, today: date | None = None) -> Extraction:
    """Propose the tasks of a directive. ``source``/``issued`` override what the heading says;
    units are resolved as they were on ``issued`` (else ``today``, else the current units)."""
    text = clean_text(raw)
    doc = detect_document(text)
    if source:
        doc.number = source
    if issued:
        doc.issued = issued
    hierarchy = hierarchy or agency_hierarchy()
    day = doc.issued or today or _LATE
    reader = _Reader(text, gazetteer(hierarchy, day), doc.issued or today)
    items = parse_items(text, reader.folded)
    read_tables(items, text, reader.folded)
    assign_zones(items, text, reader.folded)
    proposals: list[Proposal] = []
    contexts: dict[int, _Context] = {}
    root = _Context(lead=_addressee(reader) or _home(reader))
    consumed: set[int] = set()
    for index, item in enumerate(items):
        if id(item) in consumed:
            continue
        if item.zone == OUTSIDE:
            contexts[id(item)] = root
            continue
        parent_ctx = contexts.get(id(item.parent), root) if item.parent is not None else root
        ctx = _item_context(reader, item, parent_ctx)
        contexts[id(item)] = ctx
        if item.zone == NONTASK or (item.heading and (
                item.kind in ("roman", "upper", "article") or _fields(reader, item) is None)):
            continue  # a title over labelled lines ("9. Tổ chức nghiên cứu …" over "- Đơn vị
            # chủ trì: …") is the task they describe
        groups = _field_groups(reader, item)
        if groups:
            consumed.update(id(d) for d in _descendants(item))
            for part, part_fields in groups:
                proposals.extend(_field_tasks(reader, part, part_fields, ctx, doc))
            continue
        fields = _fields(reader, item)
        if fields is not None:
            # "1. Tổ chức tập huấn …" over "- Cơ quan chủ trì: …", "- Thời gian thực hiện: …"
            consumed.update(id(d) for d in _descendants(item))
            proposals.extend(_field_tasks(reader, item, fields, ctx, doc))
            continue
        if _has_content_children(item) and not _own_task(reader, item):
            if not (_HEED.search(reader.folded[item.body:item.end])
                    and not _own_subjects(reader, item)) and not _points_task(reader, item):
                continue
            # "… hoàn thiện Dự thảo Chiến lược, lưu ý: 1. … 2. …": one task with its points
            last = _last_descendant(item)
            consumed.update(id(d) for d in _descendants(item))
            item = Item(item.start, last.end, item.body, item.marker, item.kind,
                        item.parent, [], False, item.zone)
        if item.cells is not None:
            proposal = _row_task(reader, item, ctx, doc)
            if proposal is not None:
                proposals.append(proposal)
            continue
        follow = items[index + 1] if index + 1 < len(items) else None
        if (follow is not None and follow.kind == "para" and item.kind not in ("para", "row")
                and not item.children and follow.parent is item.parent
                and reader.folded[item.start:item.end].rstrip().endswith(";")
                and reader.folded[follow.start:follow.end].rstrip().endswith(";")
                and not follow.heading and not _DEADLINE_PARA.match(
                    reader.folded[follow.body:follow.end])):
            # "(i) … không để dồn khối lượng vào tháng cuối;" then "Đẩy nhanh việc sản xuất …;"
            # before "(ii) …": a list element goes on in a paragraph of its own
            consumed.add(id(follow))
            item = Item(item.start, follow.end, item.body, item.marker, item.kind,
                        item.parent, [], False, item.zone)
            follow = items[index + 2] if index + 2 < len(items) else None
        proposals.extend(_item_tasks(reader, item, ctx, doc, follow))
    for n, proposal in enumerate(proposals, start=1):
        proposal.number = n
    return Extraction(text, doc, proposals)


def _own_task(reader: _Reader, item: Item) -> bool:
    """An item with sub-items that is a whole sentence (it ends in a full stop, not a colon):
    a task of its own, the sub-items more tasks of its lead."""
    words = reader.folded[item.body:item.end].rstrip()
    return not item.heading and len(words) >= 80 and words.endswith((".", ";"))


def _points_task(reader: _Reader, item: Item) -> bool:
    """"(1) Bộ Tài chính giải quyết 03 vấn đề tồn đọng: (i) …; (ii) …" — a unit given one
    piece of work whose points follow in the same paragraph: one task with its points."""
    children = [c for c in item.children if c.zone != OUTSIDE]
    if not children or not all(c.inline for c in children):
        return False
    subjects, work = reader.subjects(item.body, item.end)
    if not subjects.units:
        # "- Khẩn trương chỉ đạo … hoàn thiện các báo cáo: (i) Báo cáo …; (ii) …" under a
        # heading that names the unit: the same one task, its lead from the heading
        # — when the points name the things of an object counted before them ("các báo cáo:",
        # "03 vấn đề:"), not topics each with work of their own ("…: (i) Về công nghiệp: Đẩy
        # mạnh …; (ii) Về nông nghiệp: …")
        first = min(c.start for c in children)
        clause = re.split(r"[,;]", reader.folded[item.body:first].rstrip())[-1]
        if subjects or not reader.starts_with_action(item.body, item.end) or \
                not re.search(r"(?<![\w])(?:cac|nhung|\d+)\s+(?:\w+\s+){0,3}\w+\s*:$", clause) or \
                any(re.match(r"\W*ve\s", reader.folded[c.body:c.end]) for c in children):
            return False
        work = item.body
    rest = reader.folded[work:item.end].strip(" ,:")
    return len(rest.split()) >= 2 and reader.starts_with_action(work + (
        len(reader.folded[work:item.end]) - len(reader.folded[work:item.end].lstrip(" ,"))),
        item.end) and not any(reader.subjects(c.body, c.end)[0].units for c in children)


def _own_subjects(reader: _Reader, item: Item) -> bool:
    """Whether a sub-item names its own unit ("b) Các Bộ: …, cụ thể: (1) Bộ Tài chính …
    (2) Bộ Y tế …"): then each is a task, not a point of the item's one task."""
    return any(reader.subjects(c.body, c.end)[0].units for c in item.children
               if c.zone != OUTSIDE)


def _has_content_children(item: Item) -> bool:
    return any(child.zone not in (OUTSIDE,) for child in item.children)


def _descendants(item: Item) -> list[Item]:
    out: list[Item] = []
    for child in item.children:
        if child.zone == OUTSIDE:
            continue  # the closing formula after a list is not part of it
        out.append(child)
        out.extend(_descendants(child))
    return out


def _last_descendant(item: Item) -> Item:
    found = _descendants(item)
    return max(found, key=lambda i: i.end) if found else item


def _addressee(reader: _Reader) -> _Parties | None:
    """The unit the operative part is addressed to when the opening names it ("Phó Thủ
    tướng … có ý kiến chỉ đạo Bộ Thông tin và Truyền thông như sau:")."""
    m = _ADDRESSEE.search(reader.folded)
    if m is None:
        return None
    found = reader.parties(m.start("who"), m.end("who"))
    if found and found.end >= m.end("who") - 1 and found.units:
        return found
    return None


def _home(reader: _Reader) -> _Parties | None:
    """The province of a working session: who the conclusions' items that name no one
    ("1. Nhận diện đầy đủ … tiềm năng khác biệt của địa phương …") are for."""
    home = home_province(reader.gaz, reader.folded)
    if home is None:
        return None
    code, start, end = home
    return _Parties(units=[code], text=reader.text[start:end], start=start, end=end)


# "do vậy, yêu cầu …", "vì vậy, Thủ tướng đề nghị …": a demand drawn from the account before it
_CONSEQUENCE = re.compile(r"(?<![\w])(?:do vay|vi vay|vi the|do do|chinh vi vay|boi vay)\s*,?\s+"
                          r"(?:[^\W\d_]+\s+){0,6}?(?:yeu cau|de nghi|giao)\s")


def _last_sentence_start(folded: str, start: int, end: int) -> int:
    """Where the last sentence of ``folded[start:end]`` begins (after ". " and a capital or a
    digit in the text; the folded text keeps no case, so a new line or a space after "." is
    taken with a word that is not an abbreviation's end)."""
    last = start
    for m in re.finditer(r"[.!?]\s+(?=\S)", folded[start:end].rstrip()):
        before = folded[start:start + m.start()]
        if re.search(r"(?:\d|\b[a-z]{1,2})$", before):
            continue  # "số 66-NQ/TW ngày 30.4", "TP. Hồ Chí Minh": not an end of sentence
        last = start + m.end()
    return last


def _item_context(reader: _Reader, item: Item, parent: _Context | None) -> _Context:
    """What ``item`` says for its sub-items: "1. Bộ Kế hoạch và Đầu tư:", "đ) Phối hợp với …
    chỉ đạo, hướng dẫn triển khai:", a group heading with a deadline."""
    ctx = _Context(**(parent.__dict__ if parent else {}))
    if not item.children:
        return ctx
    start, end = item.body, item.end
    subjects, work = reader.subjects(start, end, header=True)
    if subjects:
        ctx.lead = subjects
    # an item that introduces its sub-items ("b) Các Bộ: … hoàn thành trong tháng 11 năm 2025,
    # cụ thể:") gives them its partners and deadline; one that is a task of its own ("(1) Bộ
    # Y tế … hoàn thành việc xây dựng trước ngày 30 tháng 11 năm 2025." over "- Chỉ đạo …")
    # keeps them
    introduces = item.heading or reader.folded[start:end].rstrip().endswith(":")
    # a title over its sub-items, no subject and no full stop ("1. Hoàn thành mục tiêu đưa vào
    # khai thác … trong năm 2025"): it introduces them too
    body = reader.folded[start:end].strip()
    titled = not subjects and len(body) < 200 and not body.endswith((".", ";", "!"))
    introduces = introduces or titled
    partners = reader.partners(work, end)
    if partners and introduces:
        ctx.partners = partners
    times = reader.times(start, end)
    purpose = re.match(r"de\s", reader.folded[start:end]) and re.search(
        r"(?<![\w])(?:yeu cau|giao|de nghi)\s", reader.folded[start:end])
    if purpose:
        # "2. Để … hoàn thành xây dựng trước ngày 30 tháng 11 năm 2025 …, yêu cầu Bộ Y tế …:"
        # — the date of the aim is no deadline of the work asked
        times = [t for t in times if t.start >= start + purpose.start()]
    if introduces:
        # only the sentence that introduces the sub-items speaks for them; the account before
        # it ("Đây là đợt mưa lớn tiếp tục xảy ra sau các đợt mưa lớn liên tục …. Để …, Thủ
        # tướng yêu cầu …:") says what happened, not when or how often the work is due
        last = _last_sentence_start(reader.folded, start, end)
        # nor does the account that the demand follows from ("Từ nay đến hết năm 2025 chỉ
        # còn gần 2 tháng, …; do vậy, yêu cầu các bộ, ngành …:")
        then = _CONSEQUENCE.search(reader.folded, last, end)
        if then is not None:
            last = then.start()
        times = [t for t in times if t.start >= last]
    deadline = choose_deadline(times)
    if deadline is not None and introduces:
        ctx.time, ctx.time_here = deadline, True
    recurring = next((t for t in times if t.kind == RECURRING), None)
    if recurring is not None:
        ctx.recurring = recurring
    authority = reader.authority(start, end)
    if authority:
        ctx.authority = authority
    heading = reader.text[item.start:item.end].strip().rstrip(":")
    if item.heading or not subjects or len(heading) < 200:
        ctx.group = heading
    return ctx


def _clauses(reader: _Reader, start: int, end: int, approval: bool = False,
             lead: _Parties | None = None) -> list[tuple[int, int]]:
    """The clauses of an item that are tasks of their own: one that names a new assignee
    ("…; trên cơ sở đó, Đài Tiếng nói Việt Nam tiếp thu …"), or one with its own deadline
    after a clause that has one ("… trình Thủ tướng trong tháng 01/2026; xây dựng Kế hoạch …
    trong Quý I/2026")."""
    folded = reader.folded
    cuts = [m.end() for m in re.finditer(r";\s+|\.\s+(?=[A-ZĐÀ-Ỹa-zđ])", reader.text[start:end])]
    if approval:  # "… Đề án A đến Quý I/2015 và Đề án B đến Quý IV năm 2015"
        cuts += [m.start(1) for m in re.finditer(r"\s(?:va|,)\s+((?:de an|ke hoach|bao cao|"
                                                 r"chuong trinh|du an|nghi dinh|quyet dinh)\b)",
                                                 folded[start:end])]
        cuts.sort()
    pieces, prev = [], start
    for cut in cuts:
        pieces.append((prev, start + cut))
        prev = start + cut
    pieces.append((prev, end))
    clauses = [pieces[0]]
    for piece in pieces[1:]:
        cur = clauses[-1]
        head = folded[piece[0]:piece[1]]
        is_deadline = _DEADLINE_PARA.match(head) is not None
        new_subject, _ = reader.subjects(piece[0], piece[1])
        own_date = choose_deadline(reader.times(*piece))
        cur_times = reader.times(*cur)
        cur_date = choose_deadline(cur_times) or next(
            (t for t in cur_times if t.kind == RECURRING), None)
        prefix = _PREFIXES.match(folded, piece[0], piece[1])
        action = reader.starts_with_action(prefix.end() if prefix else piece[0], piece[1]) \
            or approval
        assigns = bool(new_subject) and re.match(r"(?:giao|yeu cau|de nghi)\s", head) is not None
        named, named_end = reader.subjects(cur[0], cur[1], header=True)
        if named and not folded[named_end:cur[1]].strip(" ;,:"):
            # "Các bộ, cơ quan ngang bộ; Ủy ban nhân dân các tỉnh … khẩn trương …": a clause
            # that only names addressees goes on with the next
            clauses[-1] = (cur[0], piece[1])
            continue
        # "2. Căn cứ … . Trên cơ sở …, Thành phố chủ động kiện toàn …" under a heading of that
        # city: the same assignee goes on with the same task
        # (and "Tỉnh thực hiện …; trên cơ sở đó, Tỉnh nghiên cứu …": the clause's own subject)
        same = bool(new_subject.units) and not new_subject.bodies and not assigns and \
            set(new_subject.units) in ({*named.units} if named else set(),
                                       {*lead.units} if lead is not None else set())
        # "(2) Bộ Công an chủ trì … trước ngày 25 tháng 11 năm 2025; Các bộ, ngành, địa phương
        # căn cứ hướng dẫn của Bộ Công an tổ chức rà soát …": from a unit to a collective
        handed = bool(new_subject) and not new_subject.units and not new_subject.bodies and \
            bool(new_subject.others) and bool(named and named.units) and \
            not re.match(r"(?:thu tuong|pho thu tuong|(?:cac )?(?:dong chi )?(?:bo truong|thu truong|"
                         r"chu tich|bi thu))\b", head)  # the closing call on the heads of all
        if not is_deadline and (
                (new_subject and (new_subject.units or new_subject.bodies) and not same)
                or assigns or handed
                                or (own_date is not None and cur_date is not None and action)):
            clauses.append(piece)
        else:
            clauses[-1] = (cur[0], piece[1])
    return clauses


def _item_tasks(reader: _Reader, item: Item, ctx: _Context, doc: DocumentInfo,
                follow: Item | None) -> list[Proposal]:
    folded = reader.folded
    body_text = folded[item.body:item.end].strip()
    body = item.body + (len(folded[item.body:item.end]) - len(folded[item.body:item.end].lstrip()))
    approval = _APPROVAL.match(body_text) is not None
    if re.match(r"(?:xet|theo|ve) de nghi", body_text) and not _TOPIC.match(body_text):
        embedded = _EMBEDDED.search(folded, item.body, item.end)
        if embedded is None:
            return []
        body = embedded.start(1)  # "…, Phó Thủ tướng … giao các Bộ: …"
        body_text = folded[body:item.end]
    elif body_text.startswith("can cu ") and (
            grounds := re.match(r"can cu [^;:.]{1,200}?,\s+", body_text)) and \
            reader.subjects(body + grounds.end(), item.end)[0]:
        pass  # "Căn cứ nội dung Kế hoạch này …, các bộ … xây dựng …": the grounds lead in
    elif ctx.lead is not None and _GROUNDS_ACTION.match(body_text):
        pass  # "- Căn cứ mục tiêu … để xây dựng dự toán …" under a unit: the work after "để"
    elif not body_text or (_NOT_TASK.match(body_text) and not approval) or \
            (_boilerplate(_first_sentence(body_text))
             and not _ACCOUNTABLE_TASK.search(body_text)) or \
            _ADMONITION.match(body_text):
        return []
    if item.kind == "para" and _DEADLINE_PARA.match(body_text):
        return []  # a deadline sentence of the task before it (attached there)
    extra_end = item.end
    if follow is not None and follow.kind == "para" and follow.parent is item.parent and \
            _DEADLINE_PARA.match(folded[follow.body:follow.end]):
        extra_end = follow.end  # "… Hoàn thành trong tháng 8 năm 2021." on its own line
    out: list[Proposal] = []
    previous: _Parties | None = None
    clauses = _clauses(reader, body, item.end, approval, ctx.lead)
    for n, (start, end) in enumerate(clauses):
        last = n == len(clauses) - 1
        if approval:
            previous = _first_unit(reader, start, end) or previous
        proposal = _clause_task(reader, item, ctx, doc, start, end,
                                extra_end if last else end, previous, approval)
        if proposal is None:
            continue
        if not out and n > 0 and start > item.start:
            # "(1) Về việc phê duyệt …: Các Bộ, cơ quan thống nhất …; giao Bộ X …": the task
            # is read from the item's start
            proposal[0].span = (item.start, proposal[0].span[1])
            proposal[0].source_passage = reader.text[item.start:proposal[0].span[1]].strip()
        out.append(proposal[0])
        previous = proposal[1]
    if not out and not approval:
        # "3. Đây là nhiệm vụ rất quan trọng …, Thủ tướng Chính phủ đề nghị các đồng chí Bộ
        # trưởng … thực hiện …": the assignment inside the item's sentence
        embedded = _EMBEDDED.search(folded, body, item.end)
        if embedded is not None:
            found = _clause_task(reader, item, ctx, doc, embedded.start(1), item.end, extra_end,
                                 None)
            if found is not None:
                found[0].span = (item.start, found[0].span[1])
                found[0].source_passage = reader.text[item.start:found[0].span[1]].strip()
                out.append(found[0])
    parent = item.parent
    if len(out) == 1 and item.kind == "para" and parent is not None and parent.heading and \
            parent.kind.startswith("num") and \
            [c for c in parent.children if c.zone != OUTSIDE] == [item]:
        # "3. Xây dựng các văn bản quy phạm pháp luật …" over its one paragraph ("Sở, ban,
        # ngành … có trách nhiệm rà soát …"): the title is the task's, its passage begins there
        out[0].span = (parent.start, out[0].span[1])
        out[0].source_passage = reader.text[parent.start:out[0].span[1]].strip()
    if len(out) > 1 and (due := _item_deadline(reader, item)) is not None:
        # "… UBND thành phố Đà Nẵng khẩn trương …. Thời hạn hoàn thành: trước ngày 30/11/2025."
        # — the time said last, on its own, holds for every task of the item without one
        for proposal in out:
            if proposal.deadline is None and not proposal.recurring:
                proposal.deadline, proposal.deadline_text = due.due, due.text.strip()
                proposal.deadline_period = due.period.id if due.period else None
    return out


def _boilerplate(sentence: str) -> bool:
    """A formula, not a task; "nếu có khó khăn, vướng mắc …" only when it opens the sentence's
    clause ("1. Thủ trưởng các Sở … có trách nhiệm triển khai …; trong quá trình thực hiện,
    nếu có khó khăn, vướng mắc, kịp thời báo cáo …" is a task with the formula after it)."""
    for m in _BOILERPLATE.finditer(sentence):
        if m.group(0).startswith("neu co kho khan") and ";" in sentence[:m.start()]:
            continue
        return True
    return False


def _item_deadline(reader: _Reader, item: Item) -> TimeExpr | None:
    """The deadline of a closing sentence of an item ("Thời hạn hoàn thành: …")."""
    folded = reader.folded
    for m in re.finditer(r"(?:^|[.;]\s+)((?:thoi han|thoi gian) hoan thanh\s*:?)",
                         folded[item.start:item.end]):
        at = item.start + m.start(1)
        return choose_deadline(reader.times(at, item.end))
    return None


def _first_sentence(folded: str) -> str:
    """Up to the first full stop: a formula that ends an item ("… Trong quá trình thực hiện,
    nếu có khó khăn vướng mắc, kịp thời phản ánh …") does not unmake the task before it."""
    m = re.search(r"\.\s+(?=\w)", folded)
    return folded[:m.start()] if m else folded


def _first_unit(reader: _Reader, start: int, end: int) -> _Parties | None:
    """The first unit named in a clause ("Đồng ý cho Bộ X …", "… như đề nghị của Bộ X")."""
    for m in reader.mentions:
        if start <= m.start < end and m.is_unit:
            found = _Parties(start=m.start, end=m.end)
            reader._add(found, m)
            found.text = reader.text[m.start:m.end]
            return found
    return None


def _clause_task(reader: _Reader, item: Item, ctx: _Context, doc: DocumentInfo, start: int,
                 end: int, time_end: int, previous: _Parties | None, approval: bool = False
                 ) -> tuple[Proposal, _Parties] | None:
    text, folded = reader.text, reader.folded
    if approval:
        subjects, work_at = _Parties(start=start, end=start), start
    else:
        subjects, work_at = reader.subjects(start, end)
    inherited = previous or ctx.lead
    if _ADMONITION.match(folded, work_at) or _ADMONITION.match(
            folded[work_at:end].lstrip(" ,")):
        return None
    if subjects:
        lead = subjects
    else:
        lead = inherited
        prefix = _PREFIXES.match(folded, start, end)
        pos = prefix.end() if prefix else start
        if not approval and not reader.starts_with_action(pos, end) and \
                not reader.starts_with_action(start, end) and \
                not _ROLE_DUTY.match(folded, pos, end) and \
                not (lead is not None and _GROUNDS_ACTION.match(folded, pos, end)):
            return None
        if item.kind == "para" and not item.children and folded.startswith("doi voi", start):
            return None  # "Đối với các công trình xây mới, ưu tiên …" goes on with the item above
        if approval and choose_deadline(reader.times(start, time_end)) is None:
            return None
        if lead is None and item.zone != TASK:
            return None
    partners = reader.partners(work_at, end)
    if not partners and not subjects and ctx.partners:
        partners = ctx.partners
    times = reader.times(start, time_end)
    # the deadline of the item right above, which introduces this one ("b) Các Bộ: …
    # hoàn thành trong tháng 11 năm 2025, cụ thể: (1) Bộ Tài chính …"), holds for it even when
    # it names its own unit
    # "(iii) Thường xuyên theo dõi …" under an item with a date: its own recurrence, not the
    # date of the item above
    # (at its start: not "xử lý lỗi thường xuyên trên Cổng …", frequent faults)
    own_recurring = any(t.kind == RECURRING and not folded[start:t.start].strip(" ,:-–")
                        for t in times)
    deadline = choose_deadline(times) or (ctx.time if (not subjects or ctx.time_here)
                                          and not own_recurring else None)
    if deadline is None and ctx.time is not None and lead is ctx.lead and not own_recurring:
        deadline = ctx.time
    recurring = next((t for t in times if t.kind == RECURRING), None) or (
        ctx.recurring if deadline is None else None)
    adverbs = [t.text.lower() for t in times if t.kind == ADVERB]
    proposal = Proposal(work="")
    passage_start = item.start if start == item.body else start
    proposal.span = (passage_start, max(end, time_end))
    proposal.source_passage = text[proposal.span[0]:proposal.span[1]].strip()
    proposal.work = _sentence(text[start:max(end, time_end)])
    _set_lead(reader, proposal, lead, subjects is not None and bool(subjects))
    _set_partners(reader, proposal, partners, proposal.lead)
    if deadline is not None:
        proposal.deadline = deadline.due
        proposal.deadline_text = deadline.text.strip()
        proposal.deadline_period = deadline.period.id if deadline.period else None
        # "định kỳ trước ngày 30 tháng 11 hàng năm", "trước ngày 20/11/2025 và hàng tháng":
        # the first time due, and every year (month) after it
        proposal.recurring = any(t.kind == RECURRING and _qualifies(folded, t, deadline)
                                 for t in times)
    elif recurring is not None:
        proposal.recurring = True
        proposal.deadline_text = recurring.text
    elif adverbs:
        proposal.deadline_text = "; ".join(dict.fromkeys(adverbs))
    proposal.authority = reader.authority(start, time_end) or (
        ctx.authority if not subjects else "")
    proposal.deliverable = reader.deliverable(work_at, end)
    proposal.title = _title(proposal.deliverable, text[work_at:end])
    proposal.source = doc.number
    proposal.issued = doc.issued
    proposal.group = ctx.group
    proposal.confidence = _confidence(proposal, bool(subjects), item.zone == TASK)
    _notes(reader, proposal)
    return proposal, lead if lead is not None else _Parties()


_HAS_YEAR = re.compile(r"(?:19|20)\d\d|\bnam (?:nay|sau|toi|tiep theo)\b", re.I)


def _qualifies(folded: str, recurring: TimeExpr, deadline: TimeExpr) -> bool:
    """Whether a recurring word says how often a deadline comes back: right after it
    ("… tháng 11 hàng năm", "… năm 2025 và hàng tháng") or right before it ("định kỳ trước
    ngày …"), nothing but "và" or a comma between them."""
    if recurring.start >= deadline.end:
        between = folded[deadline.end:recurring.start]
    elif (recurring.end <= deadline.start and not _HAS_YEAR.search(fold(deadline.text))
          and not re.search(r"[.;]", folded[recurring.end:deadline.start])):
        # "định kỳ hằng năm gửi báo cáo … trước ngày 15 tháng 12": a day without a year in the
        # clause of a recurring word comes back with it
        return True
    elif recurring.end <= deadline.start and folded.startswith("truoc", deadline.start):
        # "định kỳ trước ngày …" — not "kiểm tra định kỳ trong năm 2020" (the kind of check)
        between = folded[recurring.end:deadline.start]
    else:
        return False
    return re.fullmatch(r"[\s,]*(?:va\s+)?", between) is not None


def _row_task(reader: _Reader, item: Item, ctx: _Context, doc: DocumentInfo
              ) -> Proposal | None:
    """One row of a task appendix: TT · Nhiệm vụ · Cơ quan chủ trì · Cơ quan phối hợp · Sản
    phẩm · Thời gian hoàn thành."""
    cells, spans = item.cells or {}, item.cell_spans or {}
    work = cells.get("work", "")
    if not work or "lead" not in spans:
        return None
    lead = reader.parties(spans["lead"][0], spans["lead"][1], free=True, lists=True)
    partners = reader.parties(*spans["partners"], free=True, lists=True) \
        if "partners" in spans else _Parties()
    proposal = Proposal(work=_sentence(work))
    proposal.span = (item.start, item.end)
    proposal.source_passage = reader.text[item.start:item.end]
    if not lead:
        raw = cells.get("lead", "")
        lead = _Parties(others=[raw] if raw else [], text=raw)
    _set_lead(reader, proposal, lead, True)
    _set_partners(reader, proposal, partners, proposal.lead)
    if "time" in spans:
        times = reader.times(*spans["time"])
        deadline = choose_deadline(times) or _bare_time(reader, spans["time"])
        recurring = next((t for t in times if t.kind == RECURRING), None)
        if deadline is not None:
            proposal.deadline, proposal.deadline_text = deadline.due, cells.get("time", "")
            proposal.deadline_period = deadline.period.id if deadline.period else None
            # "Tháng 12 hằng năm": first due at the end of December, then every year
            proposal.recurring = recurring is not None and _qualifies(reader.folded, recurring,
                                                                      deadline)
        elif recurring is not None:
            proposal.recurring, proposal.deadline_text = True, cells.get("time", "")
        else:
            proposal.deadline_text = cells.get("time", "")
    proposal.deliverable = cells.get("deliverable", "") or reader.deliverable(*spans["work"])
    proposal.authority = reader.authority(*spans["work"]) or (
        reader.authority(*spans["deliverable"]) if "deliverable" in spans else "")
    proposal.title = _title(proposal.deliverable, work)
    proposal.source, proposal.issued = doc.number, doc.issued
    proposal.group = ctx.group
    proposal.confidence = _confidence(proposal, True, True)
    _notes(reader, proposal)
    return proposal


# The labelled lines under an item of a plan ("- Cơ quan chủ trì: Bộ Công an.").
_FIELD = re.compile(
    r"(?P<label>(?:co quan|don vi)(?: chu tri| thuc hien| phoi hop)(?: tham muu)?(?: thuc hien)?|"
    r"thoi gian(?: thuc hien| hoan thanh| trinh)?|thoi han(?: hoan thanh| ban hanh| trinh| thuc hien)?|"
    r"tien do(?: thuc hien| hoan thanh)?|san pham(?: dau ra)?|ket qua(?: dau ra)?|noi dung"
    r"(?: thuc hien)?|nhiem vu)\s*:\s*")
_ONGOING = re.compile(r"(?:va|,)\s*(?:cac|nhung) nam tiep theo|hang nam|thuong xuyen")
_YEARS = re.compile(r"(?<!\d)(\d{4})\s*[-–]\s*(\d{4})(?!\d)")


def _field_key(label: str) -> str:
    if label.startswith(("thoi gian", "thoi han", "tien do")):
        return "time"
    if "phoi hop" in label:
        return "partners"
    if label.startswith(("co quan", "don vi")):
        return "lead"
    if label.startswith(("san pham", "ket qua")):
        return "deliverable"
    return "content"


def _fields(reader: _Reader, item: Item) -> dict[str, tuple[Item, int]] | None:
    """The labelled lines under ``item`` (who leads, who partners, when, what), by field, with
    where each value begins; None unless they say at least who leads or when."""
    return _field_lines(reader, item.children)


def _field_lines(reader: _Reader, children: list[Item]) -> dict[str, tuple[Item, int]] | None:
    found: dict[str, tuple[Item, int]] = {}
    for child in children:
        if child.zone == OUTSIDE or child.kind == "row":
            continue
        m = _FIELD.match(reader.folded, child.body, child.end)
        if m is None:
            continue
        key = _field_key(m.group("label"))
        nested = _field_lines(reader, child.children) if key != "content" and \
            not reader.folded[m.end():child.end].strip() and child.children else None
        if nested:
            # "b) Cơ quan thực hiện:" over "- Đơn vị chủ trì: …", "- Đơn vị phối hợp: …"
            for k, v in nested.items():
                found.setdefault(k, v)
            continue
        found.setdefault(key, (child, m.end()))
    if "lead" in found or ("time" in found and len(found) >= 2):
        return found
    return None


def _field_groups(reader: _Reader, item: Item) -> list[tuple[Item, dict[str, tuple[Item, int]]]]:
    """The tasks of an item whose bullets are each followed by their own labelled lines
    ("- Tổ chức tập huấn …" then "Đơn vị chủ trì: …", "Thời gian thực hiện: …", then "- Nâng
    cao kiến thức …" then its lines): each run of bullets with the lines after it, as an item
    of its own. One group or none: []."""
    groups: list[tuple[list[Item], list[Item]]] = []
    for child in item.children:
        if child.zone == OUTSIDE or child.kind == "row":
            continue
        is_field = _FIELD.match(reader.folded, child.body, child.end) is not None
        if is_field:
            if not groups:
                return []  # the item's own lines first: the item is the task
            groups[-1][1].append(child)
        elif not groups or groups[-1][1]:
            groups.append(([child], []))
        else:
            groups[-1][0].append(child)
    out: list[tuple[Item, dict[str, tuple[Item, int]]]] = []
    for work, lines in groups:
        fields = _field_lines(reader, lines) if lines else None
        if fields is None:
            return []
        first, last = work[0], work[-1]
        part = Item(first.start, _last_descendant(last).end, first.body, first.marker,
                    first.kind, item, lines, False, first.zone)
        out.append((part, fields))
    return out if len(out) > 1 else []


def _field_time(reader: _Reader, start: int, end: int) -> tuple[TimeExpr | None, bool, str]:
    """The due date of a time field ("Quý II/2026", "trước ngày 01 tháng 01 năm 2026", "năm
    2026 - 2027"), whether it recurs ("năm 2025 và các năm tiếp theo"), and its words."""
    words = reader.text[start:end].strip().rstrip(".;")
    if _ONGOING.search(reader.folded, start, end):
        return None, True, words
    span = _YEARS.search(reader.folded, start, end)
    if span is not None:
        from sodo.domain.periods import Period

        year = int(span.group(2))
        return TimeExpr(span.start(), span.end(), DATE, words, date(year, 12, 31),
                        Period.year(year), True), False, words
    times = reader.times(start, end)
    deadline = choose_deadline(times) or _bare_time(reader, (start, end))
    recurring = deadline is None and any(t.kind == RECURRING for t in times)
    return deadline, recurring, words


def _field_tasks(reader: _Reader, item: Item, fields: dict[str, tuple[Item, int]],
                 ctx: _Context, doc: DocumentInfo) -> list[Proposal]:
    """One task for an item of a plan with labelled lines — or one per line under its time
    when those name their own assignee and date ("+ Các bộ, … gửi kết quả … trước ngày 15
    tháng 12 năm 2025. + Bộ Công an tổng hợp …, báo cáo … trước ngày 31 tháng 12")."""
    def value(key: str) -> tuple[int, int] | None:
        if key not in fields:
            return None
        child, at = fields[key]
        return at, child.end

    lead_span, partner_span, time_span = value("lead"), value("partners"), value("time")
    # a field's value lists its parties with commas or semicolons ("Báo và Phát thanh, Truyền
    # hình tỉnh; Sở Tư pháp, các cơ quan …")
    lead = reader.parties(*lead_span, free=True, lists=True) if lead_span else None
    lead = lead if lead else ctx.lead
    partners = reader.parties(*partner_span, free=True, lists=True) if partner_span else \
        _Parties()
    last = _last_descendant(item)
    pieces: list[tuple[int, int, _Parties | None, tuple[int, int] | None]] = []
    time_child = fields["time"][0] if "time" in fields else None
    subs = [c for c in time_child.children if c.zone != OUTSIDE] if time_child else []
    if subs:
        for sub in subs:
            own, _ = reader.subjects(sub.body, sub.end)
            pieces.append((sub.start, sub.end, own if own else lead, (sub.body, sub.end)))
    else:
        pieces.append((item.start, last.end, lead, time_span))
    content = value("content")
    work_text = reader.text[item.body:item.end]
    if content:
        work_text += ": " + reader.text[content[0]:content[1]]
    out: list[Proposal] = []
    for start, end, who, when in pieces:
        proposal = Proposal(work=_sentence(work_text if len(pieces) == 1
                                           else reader.text[start:end].lstrip("+-– ")))
        proposal.span = (start, end)
        proposal.source_passage = reader.text[start:end].strip()
        _set_lead(reader, proposal, who, True)
        _set_partners(reader, proposal, partners, proposal.lead)
        if when is not None:
            deadline, recurring, words = _field_time(reader, *when)
            proposal.deadline_text = words
            if deadline is not None:
                proposal.deadline = deadline.due
                proposal.deadline_period = deadline.period.id if deadline.period else None
            proposal.recurring = recurring
        deliverable = value("deliverable")
        proposal.deliverable = (reader.text[deliverable[0]:deliverable[1]].strip().rstrip(".;")
                                if deliverable else reader.deliverable(item.body, item.end))
        proposal.authority = reader.authority(item.body, item.end) or (
            reader.authority(start, end) if len(pieces) > 1 else "") or ctx.authority
        proposal.title = _title(proposal.deliverable, reader.text[item.body:item.end])
        proposal.source, proposal.issued = doc.number, doc.issued
        proposal.group = ctx.group
        proposal.confidence = _confidence(proposal, who is not None and bool(who), True)
        _notes(reader, proposal)
        out.append(proposal)
    return out


def _bare_time(reader: _Reader, span: tuple[int, int]) -> TimeExpr | None:
    """A time cell holds only the time ("2025", "Quý I/2026", "12/2025")."""
    from sodo.domain.periods import PeriodError, parse_vietnamese_period

    raw = reader.text[span[0]:span[1]].strip()
    try:
        period = parse_vietnamese_period(raw)
    except PeriodError:
        return None
    return TimeExpr(span[0], span[1], DATE, raw, period.end, period, True)


def _set_lead(reader: _Reader, proposal: Proposal, lead: _Parties | None,
              explicit: bool) -> None:
    if lead is None or not lead:
        proposal.lead = [NATION_CODE]
        proposal.lead_names = [reader.gaz.unit(NATION_CODE).display_name]
        return
    proposal.lead_text = lead.text or ", ".join(lead.others)
    if lead.units:
        proposal.lead = list(lead.units)
        # co-assignees that are no unit ("Giao Bộ X và các bộ, ngành") share the assignment:
        # they are leads by name, not partners (the notice does not ask them to assist)
        proposal.lead_other = list(lead.bodies) + [o for o in lead.others
                                                   if o not in lead.bodies]
    elif lead.bodies:
        proposal.lead_other = list(lead.bodies)
        collectives = [o for o in lead.others if o not in lead.bodies]
        proposal.partners_other.extend(collectives)
    else:
        proposal.lead = [NATION_CODE]
    proposal.lead_names = [reader.gaz.unit(c).display_name for c in proposal.lead]
    proposal.unresolved.extend(b for b in lead.bodies if b not in proposal.unresolved)


def _set_partners(reader: _Reader, proposal: Proposal, partners: _Parties,
                  lead: list[str]) -> None:
    proposal.partners = [c for c in partners.units if c not in lead]
    for other in partners.others:
        if other not in proposal.partners_other:
            proposal.partners_other.append(other)
    proposal.partner_names = [reader.gaz.unit(c).display_name for c in proposal.partners] + \
        list(proposal.partners_other)
    proposal.unresolved.extend(b for b in partners.bodies if b not in proposal.unresolved)


def _notes(reader: _Reader, proposal: Proposal) -> None:
    """Say when a unit named has since closed, and which units carry it on."""
    day = reader.gaz.day
    for code in [*proposal.lead, *proposal.partners]:
        unit = reader.gaz.unit(code)
        if unit.valid_to is not None and unit.successors:
            names = ", ".join(f"{reader.gaz.unit(s).display_name} ({s})"
                              for s in unit.successors)
            proposal.notes.append(f"{unit.display_name} ({code}) đã kết thúc hoạt động từ "
                                  f"{unit.valid_to:%d/%m/%Y}; đơn vị kế tục: {names}")
    if len(proposal.lead) > 20:
        proposal.notes.append(f"Toàn bộ {len(proposal.lead)} tỉnh, thành phố có hiệu lực ngày "
                              f"{day:%d/%m/%Y}")


def _sentence(words: str) -> str:
    work = re.sub(r"\s+", " ", words).strip(" ;,")
    if work.endswith("./."):
        work = work[:-2]
    if work and work[-1] not in ".!?…":
        work += "."
    return work[:1].upper() + work[1:]


def _title(deliverable: str, work: str) -> str:
    if deliverable:
        base = deliverable
    else:
        base = re.split(r"[;:]|, (?=trình|báo cáo|hoàn thành)", work.strip(), maxsplit=1)[0]
    base = re.sub(r"\s+", " ", base).strip(" ,.;")
    if len(base) > 120:
        base = base[:120].rsplit(" ", 1)[0] + " …"
    return base[:1].upper() + base[1:]


def _confidence(p: Proposal, explicit_lead: bool, task_zone: bool) -> float:
    score = 0.45
    if p.lead != [NATION_CODE]:
        score += 0.25 if explicit_lead else 0.15
    elif p.lead_other:
        score += 0.1
    else:
        score -= 0.15
    if p.deadline is not None or p.recurring:
        score += 0.15
    if task_zone:
        score += 0.05
    if p.deliverable:
        score += 0.05
    score -= 0.1 * len(p.unresolved)
    return round(max(0.05, min(0.99, score)), 2)


__all__ = ["PROVINCES", "detect_document", "extract_tasks"]
