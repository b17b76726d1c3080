"""Patterns added after round 14 (the task appendix of 980/KH-UBND, scored held out first):
each shown to fire and, beside it, a near text where it must not."""

from __future__ import annotations

from datetime import date

import pytest

from sodo.domain.extract.rules import extract_tasks
from sodo.domain.extract.text import clean_text

D2025 = date(2025, 11, 18)
HEAD = ("ỦY BAN NHÂN DÂN TỈNH NGHỆ AN\nSố: 1/KH-UBND\nNghệ An, ngày 18 tháng 11 năm 2025\n\n"
        "KẾ HOẠCH\n\nỦy ban nhân dân tỉnh ban hành Kế hoạch như sau:\n\n")
HEADER = ["**TT**", "**Nội dung thực\nhiện**", "**Cơ quan chủ trì**", "**Cơ quan phối hợp**",
          "**Thời gian hoàn\nthành**"]


def _flattened(rows: list[list[str]]) -> str:
    """A table as a web page saved as text gives it: one cell a line, "|" lines between."""
    return "\n".join("|\n" + "\n|\n".join(row) + "\n|" for row in rows)


SIGNATURE = "|\n**TM. ỦY BAN NHÂN DÂN**\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nNguyễn Văn A\n|\n** **\n"
APPENDIX = ("**PHỤ LỤC**\nDANH MỤC NHIỆM VỤ\n*(Kèm theo Kế hoạch số 1/KH-UBND)*\n"
            + _flattened([HEADER,
                          ["1", "Tổ chức lại Ban Chỉ huy Phòng thủ dân sự cấp tỉnh",
                           "Bộ CHQS tỉnh; UBND cấp xã", "Sở Tài chính", "Trước ngày 30/11/2025"],
                          ["2", "Rà soát danh mục các công trình phòng thủ dân sự",
                           "Ban Chỉ huy Phòng thủ dân sự cấp tỉnh, cấp xã", "Cơ quan có liên quan",
                           "Tháng 12 hằng năm"]]))


def test_a_task_table_right_after_the_signature_is_read() -> None:
    """The signature's cells run on into the appendix with no blank line: the table begins at
    its "TT" row."""
    found = extract_tasks(HEAD + "1. Sở Y tế tổ chức thực hiện.\n\n" + SIGNATURE + APPENDIX,
                          issued=D2025).proposals
    rows = [(p.lead_other, p.deadline, p.recurring) for p in found[1:]]
    assert rows == [(["Bộ Chỉ huy Quân sự tỉnh"], date(2025, 11, 30), False),
                    (["Ban Chỉ huy Phòng thủ dân sự cấp tỉnh"], date(2025, 12, 31), True)]


def test_a_signature_table_alone_is_left_as_it_is() -> None:
    # near: no "TT" row after the signature — nothing rearranged
    text = HEAD + SIGNATURE + "**PHỤ LỤC**\nDanh sách kèm theo.\n"
    assert " | " not in clean_text(text)


@pytest.mark.parametrize(("time", "due", "recurring"), [
    ("Tháng 12 hằng năm", date(2025, 12, 31), True),
    # near: a date alone, and a recurrence alone
    ("Tháng 12/2025", date(2025, 12, 31), False),
    ("Hằng năm", None, True),
])
def test_a_rows_time_that_comes_back_every_year(time: str, due: date | None,
                                                recurring: bool) -> None:
    text = HEAD + _flattened([HEADER, ["1", "Rà soát danh mục công trình", "Sở Xây dựng",
                                       "Sở Tài chính", time]])
    found = extract_tasks(text, issued=D2025).proposals
    assert [(p.deadline, p.recurring) for p in found] == [(due, recurring)]


@pytest.mark.parametrize(("body", "lead"), [
    ("2. Bộ CHQS tỉnh có trách nhiệm tham mưu Ủy ban nhân dân tỉnh theo dõi, đôn đốc.",
     ["Bộ Chỉ huy Quân sự tỉnh"]),
    ("2. Ban Chỉ huy Phòng thủ dân sự tỉnh tổ chức diễn tập.", ["Ban Chỉ huy Phòng thủ dân sự tỉnh"]),
    # near: the ministry, not a province's command
    ("2. Bộ Quốc phòng hướng dẫn diễn tập.", []),
])
def test_a_provinces_military_and_civil_defence_commands(body: str, lead: list[str]) -> None:
    assert [p.lead_other for p in extract_tasks(HEAD + body + "\n", issued=D2025).proposals] \
        == [lead]


@pytest.mark.parametrize(("body", "count"), [
    # grounds before a collective: a task of the collective
    ("3. Căn cứ nội dung Kế hoạch, các sở, ban, ngành xây dựng Kế hoạch triển khai.", 1),
    # near: grounds alone
    ("3. Căn cứ Luật Phòng thủ dân sự năm 2023.", 0),
])
def test_grounds_before_a_collective(body: str, count: int) -> None:
    assert len(extract_tasks(HEAD + body + "\n", issued=D2025).proposals) == count


@pytest.mark.parametrize(("body", "count"), [
    ("Yêu cầu các sở, ban, ngành, Ủy ban nhân dân các xã, phường thực hiện nghiêm túc./.", 0),
    # near: a demand with work in it
    ("Yêu cầu các sở, ban, ngành rà soát các công trình trước ngày 30/12/2025.", 1),
])
def test_the_last_words_of_the_document_are_no_task(body: str, count: int) -> None:
    assert len(extract_tasks(HEAD + "1. Sở Y tế tổ chức thực hiện.\n\n" + body + "\n",
                             issued=D2025).proposals) == 1 + count
