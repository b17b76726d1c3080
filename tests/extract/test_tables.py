"""The task appendix table of a decision or a plan (TT · Nhiệm vụ · Cơ quan chủ trì · Cơ quan
phối hợp · Sản phẩm · Thời gian hoàn thành), one task per row, in every form a user gives it:
a .docx table, a Markdown pipe table, tab-separated lines, and a web page saved as text (one
cell a line between lines holding "|"). Patterns added after round 11 (2597/QĐ-TTg,
617/KH-UBND, scored held out first); each beside a near text where it must not fire."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import yaml

from sodo.domain.extract.rules import extract_tasks
from sodo.domain.extract.text import clean_text
from sodo.services.extract import extract_bytes

CASES = Path(__file__).parent / "cases"
D2025 = date(2025, 12, 1)
HEAD = ("ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP\nSố: 1/KH-UBND\nĐồng Tháp, ngày 01 tháng 12 năm 2025\n\n"
        "KẾ HOẠCH\n\nỦy ban nhân dân Tỉnh ban hành Kế hoạch với các nội dung như sau:\n\n"
        "Nơi nhận:\n- Như trên;\n- Lưu: VT.\n\nKT. CHỦ TỊCH\n\nPHỤ LỤC\nDANH MỤC NHIỆM VỤ\n\n")
HEADER = ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Sản phẩm",
          "Thời gian hoàn thành"]
ROWS = [
    ["I", "HOÀN THIỆN THỂ CHẾ", "", "", "", ""],
    ["1", "Xây dựng Bộ tiêu chí đánh giá mức độ chuyển đổi số doanh nghiệp", "Sở KH&CN",
     "Sở Công Thương; các sở, ban, ngành tỉnh", "Quyết định", "Quí IV-2025"],
    ["2", "Hỗ trợ doanh nghiệp kinh doanh trên môi trường số", "Sở Công Thương",
     "UBND các xã, phường", "Báo cáo", "Hằng năm"],
    ["3", "Triển khai hạ tầng 5G trong các khu công nghiệp", "Sở Khoa học và Công nghệ",
     "Ban Quản lý Khu kinh tế", "Kế hoạch", "2026-2027"],
]
WANT = [(["Sở Khoa học và Công nghệ"], ["Sở Công Thương"], date(2025, 12, 31), False),
        (["Sở Công Thương"], [], None, True),
        (["Sở Khoa học và Công nghệ"], ["Ban Quản lý Khu kinh tế"], date(2027, 12, 31), False)]


def _flattened(rows: list[list[str]]) -> str:
    """A table as a web page saved as text gives it: one cell a line, "|" lines between."""
    return "\n".join("|\n" + "\n|\n".join(row) + "\n|" for row in rows)


FORMS = {
    "pipe": "\n".join(" | ".join(r) for r in [HEADER, *ROWS]),
    "markdown": "\n".join(["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER),
                           *("| " + " | ".join(r) + " |" for r in ROWS)]),
    "tabs": "\n".join("\t".join(r) for r in [HEADER, *ROWS]),
    "flattened": _flattened([HEADER, *ROWS]),
}


def _found(text: str) -> list[tuple[list[str], list[str], date | None, bool]]:
    return [(t.lead_other or t.lead, t.partner_names or t.partners_other[:1], t.deadline,
             t.recurring) for t in extract_tasks(text, issued=D2025).proposals]


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_task_table_in_every_text_form_gives_one_task_per_row(form: str) -> None:
    tasks = extract_tasks(HEAD + FORMS[form], issued=D2025).proposals
    assert [(t.lead_other, [p for p in t.partners_other if p.startswith(("Sở", "Ban"))],
             t.deadline, t.recurring) for t in tasks] == WANT
    assert tasks[0].deliverable == "Quyết định"
    assert "HOÀN THIỆN THỂ CHẾ" in tasks[0].group


def test_a_flattened_table_without_a_chủ_trì_column_is_left_as_it_is() -> None:
    """The heading and the signature of such a page are tables too: no row of theirs is a
    task, and their text is not rearranged."""
    other = _flattened([["Số: 1/KH-UBND", "Đồng Tháp, ngày 01 tháng 12 năm 2025", "Bản chính"],
                        ["Sở KH&CN", "Quí IV-2025", "Hằng năm"]])
    assert clean_text(other) == clean_text(other.replace("|\n|", "|\n|"))
    assert " | " not in clean_text(other)
    # a header whose cells are long sentences is text, not a header
    prose = _flattened([["Cơ quan chủ trì tổ chức thực hiện " * 4, "b", "c"], ["1", "x", "y"]])
    assert " | " not in clean_text(prose)


def test_a_group_row_merged_into_one_cell_keeps_the_table_going() -> None:
    """617/KH-UBND: "I. NÂNG CAO NHẬN THỨC …" spans the whole row (one cell, so no "|"), and
    the rows under it lost their header."""
    rows = [HEADER, ["I. NÂNG CAO NHẬN THỨC"], ROWS[1], ["II. HỖ TRỢ DOANH NGHIỆP"], ROWS[2]]
    tasks = extract_tasks(HEAD + _flattened(rows), issued=D2025).proposals
    assert [t.lead_other for t in tasks] == [["Sở Khoa học và Công nghệ"], ["Sở Công Thương"]]
    assert tasks[1].group.startswith("II. HỖ TRỢ")
    # a paragraph after the table ends it: the rows after it belong to no header
    after = HEAD + _flattened([HEADER, ROWS[1]]) + "\n\nĐoạn văn kết thúc bảng, dài hơn một " \
        "dòng tiêu đề, không có dấu phân cách nào.\n" + "\n".join(["x | y | z", "1 | a | b"])
    assert len(extract_tasks(after, issued=D2025).proposals) == 1


@pytest.mark.parametrize(("words", "lead"), [
    ("Giao Sở KH&CN chủ trì triển khai.", ["Sở Khoa học và Công nghệ"]),
    ("Giao Sở GD&ĐT chủ trì triển khai.", ["Sở Giáo dục và Đào tạo"]),
    ("Giao Sở Khoa học và Công nghệ chủ trì triển khai.", ["Sở Khoa học và Công nghệ"]),
    # not a department: the ministry itself
    ("Giao Bộ KH&CN chủ trì triển khai.", []),
])
def test_a_department_written_with_its_ministry_s_short_form(words: str, lead: list[str]) -> None:
    text = HEAD.split("Nơi nhận")[0] + "1. " + words + "\n"
    task = extract_tasks(text, issued=D2025).proposals[0]
    assert task.lead_other == lead
    if not lead:
        assert task.lead == ["BKHCN"]


@pytest.mark.parametrize(("words", "due"), [
    ("Quí IV-2025", date(2025, 12, 31)),
    ("Quí II/2026", date(2026, 6, 30)),
    ("quý 2/2026", date(2026, 6, 30)),
    ("đúng qui định trong tháng 6/2026", date(2026, 6, 30)),  # "qui định" is no quarter
])
def test_the_spelling_quí_is_a_quarter(words: str, due: date) -> None:
    text = HEAD.split("Nơi nhận")[0] + f"1. Giao Bộ Tài chính chủ trì hoàn thành {words}.\n"
    assert extract_tasks(text, issued=D2025).proposals[0].deadline == due


def test_the_real_appendix_as_a_docx_table_gives_the_gold_of_its_case() -> None:
    """2597/QĐ-TTg's appendix put into a Word table (python-docx), the way a user would have
    the decision: every row is read as in the text case, lead, partners and deadline."""
    from docx import Document

    meta = yaml.safe_load((CASES / "2597-QD-TTg-2025.yaml").read_text(encoding="utf-8"))
    text = clean_text((CASES / "2597-QD-TTg-2025.txt").read_text(encoding="utf-8"))
    before, appendix = text.split("STT | Tên nhiệm vụ", 1)
    rows = [line.split(" | ") for line in ("STT | Tên nhiệm vụ" + appendix).split("\n")
            if " | " in line]
    doc = Document()
    for paragraph in before.split("\n"):
        doc.add_paragraph(paragraph)
    table = doc.add_table(rows=0, cols=len(rows[0]))
    for cells in rows:
        row = table.add_row().cells
        if cells[0].strip() in {"I", "II", "III", "IV", "V", "VI", "VII"}:
            merged = row[1].merge(row[-1])  # a group row: its title over the other columns
            row[0].text, merged.text = cells[0], cells[1]
            continue
        for cell, value in zip(row, cells, strict=False):
            cell.text = value.strip()
    data = io.BytesIO()
    doc.save(data)
    tasks = extract_bytes(data.getvalue(), "2597.docx", issued=date(2025, 11, 27)).proposals
    gold = meta["tasks"]
    assert len(tasks) == len(gold) == 25
    for task, want in zip(tasks, gold, strict=True):
        assert task.lead == want["lead"], want["quote"]
        assert task.partners == want["partners"], want["quote"]
        assert task.deadline == date.fromisoformat(want["deadline"]), want["quote"]
    assert tasks[0].group.startswith("I")
