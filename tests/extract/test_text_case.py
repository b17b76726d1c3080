"""The joins of ``clean_text`` read a letter's case by Unicode (NFC), so Vietnamese capitals
(Đ, Ơ, Ư, Ạ, Ấ …) start a line as A–Z do; a PDF's sentence ending where the layout wrapped
its line goes on in the same paragraph; a sentence of what was done ending in "cụ thể như
sau:" does not open the operative part. Each rule shown to fire and, beside it, a near text
where it must not."""

from __future__ import annotations

from datetime import date

import pytest

from sodo.domain.extract.rules import extract_tasks
from sodo.domain.extract.text import clean_text

# A wrapped paragraph of a PDF: lines of about 78 characters.
FILLER = ("Các cơ quan, đơn vị tiếp tục quán triệt và thực hiện nghiêm các quy định về quản\n"
          "lý, bảo vệ tài nguyên nước, bảo đảm khai thác hợp lý, tiết kiệm và hiệu quả của\n") * 12


@pytest.mark.parametrize(("raw", "joined"), [
    # lower case goes on, whatever the script
    ("Sở Y tế chủ trì, phối hợp với\nđơn vị liên quan.", True),
    ("Sở Y tế chủ trì, phối hợp với\nứng dụng liên quan.", True),
    ("Sở Y tế chủ trì, phối hợp với\nưu tiên liên quan.", True),
    # a capital does not: Đ U+0110, Ư, Ơ, Ạ, Ấ, Ủ lie inside the range "à-ỹ" but are capitals
    ("Sở Y tế chủ trì thực hiện.\nĐơn vị chủ trì: Sở Y tế", False),
    ("Sở Y tế chủ trì thực hiện.\nƯu tiên nguồn nước cho sinh hoạt.", False),
    ("Sở Y tế chủ trì thực hiện.\nỦy ban nhân dân tỉnh chỉ đạo.", False),
    ("Sở Y tế chủ trì thực hiện.\nẤn định thời hạn.", False),
    ("Sở Y tế chủ trì thực hiện.\nƠn nghĩa.", False),
    ("Sở Y tế chủ trì thực hiện.\nẠ.", False),
])
def test_case_of_the_next_line_by_unicode(raw: str, joined: bool) -> None:
    first, second = raw.split("\n")
    assert (clean_text(raw) == first + " " + second) is joined
    assert (clean_text(raw.replace("\n", "\n\n")) == first + " " + second) is joined


LONG = "bảo đảm hài hòa quyền, lợi ích hợp pháp của các tổ chức, cá nhân có liên quan."


@pytest.mark.parametrize(("before", "line", "joined"), [
    # a full line ending a sentence: the next sentence is in the same paragraph
    (LONG, "Ưu tiên nguồn nước dưới đất cho việc cấp nước sinh hoạt, cấp nước phục vụ", True),
    (LONG, "Đồng thời, thực hiện ngay các biện pháp hỗ trợ cho các đối tượng, doanh nghiệp", True),
    # after ";" the clauses go on
    ("3. Các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ;",
     "Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương khẩn trương triển khai", True),
    # a short last line ends its paragraph
    ("giới hành chính còn chậm.", "Để bảo đảm cắt giảm thực chất, hiệu quả TTHC, ĐKKD", False),
    # an item, the closing formula and the turn to what is next open their own line
    (LONG, "2. Sở Tài chính chủ trì, phối hợp với các sở, ngành hướng dẫn thực hiện ngay", False),
    (LONG, "Văn phòng Chính phủ thông báo để các cơ quan liên quan biết, thực hiện./.", False),
    (LONG, "Trong thời gian tới, Tỉnh tổ chức thực hiện nghiêm các chỉ đạo của Trung ương", False),
    (LONG, "NƠI NHẬN CÁC CƠ QUAN", False),
])
def test_a_sentence_ending_at_the_page_width_goes_on(before: str, line: str, joined: bool) -> None:
    text = clean_text(FILLER + before + "\n" + line + "\n" + FILLER)
    assert (before + " " + line in text) is joined
    # the same lines in a text not wrapped at a page width (one paragraph a line) stay apart
    # (only ";" lines are joined there neither)
    unwrapped = clean_text("Đoạn một.\n" + before + "\n" + line + "\nĐoạn hai.")
    assert before + " " + line not in unwrapped


def test_a_sentence_of_what_was_done_does_not_open_the_operative_part() -> None:
    text = ("THỦ TƯỚNG CHÍNH PHỦ\nSố: 1/CĐ-TTg\nHà Nội, ngày 18 tháng 11 năm 2025\n\nCÔNG ĐIỆN\n\n"
            "Thủ tướng Chính phủ đã phê duyệt Phương án cắt giảm thủ tục hành chính; cụ thể như sau:\n"
            "(1) Cắt giảm 2.269 điều kiện kinh doanh.\n"
            "Để bảo đảm cắt giảm thực chất, Thủ tướng Chính phủ yêu cầu các Bộ trưởng tập trung hoàn "
            "thành ngay một số nhiệm vụ như sau:\n"
            "1. Bộ Tư pháp rà soát các văn bản quy phạm pháp luật trước ngày 30/11/2025.\n")
    found = extract_tasks(text, issued=date(2025, 11, 18)).proposals
    assert [p.work[:21] for p in found] == ["Bộ Tư pháp rà soát cá"]
    # a sentence that directs ("… đã giao …, yêu cầu … như sau:") still opens it
    directed = text.replace("Thủ tướng Chính phủ đã phê duyệt Phương án cắt giảm thủ tục hành chính",
                            "Thủ tướng Chính phủ đã giao các bộ rà soát, yêu cầu các bộ")
    found = extract_tasks(directed, issued=date(2025, 11, 18)).proposals
    assert any("Cắt giảm 2.269" in p.source_passage for p in found)
