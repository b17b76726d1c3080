"""Patterns added after round 13 (308, 172, 141/KH-UBND, 010/CT-UBND, 624/TB-VPCP, scored held
out first): each shown to fire and, beside it, a near text where it must not."""

from __future__ import annotations

from datetime import date

import pytest

from sodo.domain.extract.deadlines import RECURRING, find_times
from sodo.domain.extract.rules import extract_tasks
from sodo.domain.extract.text import clean_text, fold_view

D2025 = date(2025, 11, 20)
PLAN = ("ỦY BAN NHÂN DÂN TỈNH BẮC NINH\nSố: 1/KH-UBND\nBắc Ninh, ngày 20 tháng 11 năm 2025\n\n"
        "KẾ HOẠCH\n\nỦy ban nhân dân tỉnh ban hành Kế hoạch với các nội dung sau:\n\n"
        "II. NHIỆM VỤ, GIẢI PHÁP\n\n")
NOTICE = ("VĂN PHÒNG CHÍNH PHỦ\nSố: 1/TB-VPCP\nHà Nội, ngày 16 tháng 11 năm 2025\n\nTHÔNG BÁO\n\n"
          "Ban Chỉ đạo thống nhất kết luận như sau:\n\n")


def plan(body: str):
    return extract_tasks(PLAN + body, issued=D2025).proposals


def notice(body: str):
    return extract_tasks(NOTICE + body, issued=D2025).proposals


def who(p) -> list[str]:
    return p.lead_other or p.lead


def test_each_run_of_bullets_with_its_own_labelled_lines_is_a_task() -> None:
    found = plan("7. Đẩy mạnh chuyển đổi số\n"
                 "- Tăng cường ứng dụng công nghệ số.\n"
                 "Đơn vị chủ trì tham mưu thực hiện: Sở Khoa học và Công nghệ.\n"
                 "Đơn vị phối hợp thực hiện: Sở Tư pháp.\n"
                 "Thời gian thực hiện: Thường xuyên.\n"
                 "- Ra mắt AI pháp luật hỗ trợ cán bộ.\n"
                 "Đơn vị chủ trì thực hiện: Sở Tư pháp.\n"
                 "Thời gian thực hiện: Tháng 12/2025.\n")
    assert [(who(p), p.partners_other, p.deadline, p.recurring) for p in found] == [
        (["Sở Khoa học và Công nghệ"], ["Sở Tư pháp"], None, True),
        (["Sở Tư pháp"], [], date(2025, 12, 31), False)]


def test_bullets_before_one_set_of_lines_share_it() -> None:
    # near: two bullets, then one set of lines — one task
    found = plan("4. Nâng cao phẩm chất cán bộ\n"
                 "- Tăng cường công tác giáo dục chính trị.\n"
                 "- Nâng cao ý thức trách nhiệm của cán bộ.\n"
                 "Đơn vị thực hiện: Sở Nội vụ.\n"
                 "Thời gian thực hiện: Thường xuyên.\n")
    assert [(who(p), p.recurring) for p in found] == [(["Sở Nội vụ"], True)]


@pytest.mark.parametrize(("lines", "lead", "partners"), [
    # "b) Cơ quan thực hiện:" over the lines that say who leads and who partners
    ("b) Cơ quan thực hiện:\n- Đơn vị chủ trì: Sở Khoa học và Công nghệ.\n"
     "- Đơn vị phối hợp: Sở Tài chính.\n", ["Sở Khoa học và Công nghệ"], ["Sở Tài chính"]),
    # near: the lead on the line itself
    ("b) Cơ quan thực hiện: Sở Khoa học và Công nghệ.\n", ["Sở Khoa học và Công nghệ"], []),
])
def test_labelled_lines_nested_under_a_label(lines: str, lead: list[str],
                                             partners: list[str]) -> None:
    found = plan("1.1. Xây dựng Chiến lược dữ liệu của tỉnh:\n"
                 "a) Nhiệm vụ: Rà soát, hoàn thiện Chiến lược dữ liệu.\n" + lines +
                 "c) Thời gian thực hiện: Hoàn thành trong năm 2025.\n")
    assert [(who(p), p.partners_other, p.deadline) for p in found] == [
        (lead, partners, date(2025, 12, 31))]


def test_a_title_over_labelled_lines_is_their_task() -> None:
    found = plan("9. Tổ chức học tập kinh nghiệm\n"
                 "Tham mưu, đề xuất tổ chức Đoàn của tỉnh đi học tập kinh nghiệm.\n"
                 "- Đơn vị chủ trì: Sở Tư pháp.\n- Đơn vị phối hợp: Văn phòng UBND tỉnh.\n"
                 "- Thời gian thực hiện: Hằng năm.\n")
    assert [(who(p), p.partners_other, p.recurring) for p in found] == [
        (["Sở Tư pháp"], ["Văn phòng Ủy ban nhân dân tỉnh"], True)]


@pytest.mark.parametrize(("raw", "clean"), [
    ("*Đơn vị phối hợp: *Sở Tư pháp.", "Đơn vị phối hợp: Sở Tư pháp."),
    ("*Đơn vị chủ trì tham mưu thực\nhiện: *Sở Nội vụ.", "Đơn vị chủ trì tham mưu thực hiện: Sở Nội vụ."),
    ("Đơn vị phối hợp thực hiện: Sở\nTư pháp.", "Đơn vị phối hợp thực hiện: Sở Tư pháp."),
    ("- Nâng cao kiến thức.\nĐơn vị chủ trì: Sở Nội vụ.", "- Nâng cao kiến thức.\nĐơn vị chủ trì: Sở Nội vụ."),
    # near: italics that close on a word, a name head before a new item
    ("một *lưu ý* nhỏ", "một lưu ý nhỏ"),
    ("phối hợp với Sở\na) Khám bệnh", "phối hợp với Sở\na) Khám bệnh"),
])
def test_labels_in_italics_and_values_wrapped_after_a_name_head(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_numbered_clauses_with_points_inside_one_of_them() -> None:
    found = notice("4. Đẩy mạnh cắt giảm thủ tục hành chính: (1) Các bộ, ngành khẩn trương rà "
                   "soát quy trình, hoàn thành trong tháng 11 năm 2025; (2) Bộ Công an hướng dẫn "
                   "rà soát cơ sở dữ liệu; (3) các bộ, ngành, địa phương tập trung: (i) Sửa đổi, "
                   "bổ sung 322 văn bản; (ii) Rà soát, sửa đổi các quy định không phù hợp.\n")
    assert [(p.lead, p.deadline) for p in found] == [
        (["VN"], date(2025, 11, 30)), (["BCA"], None), (["VN"], None), (["VN"], None)]


def test_points_alone_stay_points() -> None:
    # near: "(i) … (ii) …" with no numbered clauses around them (round 6's rule)
    found = notice("1. Bộ Công an phát triển VNeID với các chức năng: (i) Lưu trữ dữ liệu số; "
                   "(ii) Định danh xác thực điện tử.\n")
    assert [p.lead for p in found] == [["BCA"]]


@pytest.mark.parametrize(("body", "lead"), [
    ("5. UBND các xã, phường tăng cường công tác xây dựng pháp luật.", ["VN"]),
    ("4. Các Sở, ngành, đơn vị liên quan kiện toàn đội ngũ pháp chế.", ["VN"]),
    ("3. Sở, ban, ngành thuộc Ủy ban nhân dân Thành phố có trách nhiệm rà soát văn bản.", ["VN"]),
    # near: a department named is no collective
    ("3. Sở Tư pháp có trách nhiệm rà soát văn bản.", ["Sở Tư pháp"]),
])
def test_communes_and_departments_as_collectives(body: str, lead: list[str]) -> None:
    assert [who(p) for p in plan(body + "\n")] == [lead]


@pytest.mark.parametrize(("name", "body"), [
    ("Bảo hiểm xã hội Thành phố", "Bảo hiểm xã hội Thành phố"),
    ("Trung tâm Dịch vụ việc làm tỉnh", "Trung tâm Dịch vụ việc làm tỉnh"),
    ("Chi nhánh Ngân hàng Chính sách xã hội tỉnh", "Chi nhánh Ngân hàng Chính sách xã hội tỉnh"),
])
def test_a_provinces_bodies(name: str, body: str) -> None:
    found = plan(f"1. Sở Nội vụ chủ trì, phối hợp với {body} tổ chức tập huấn.\n")
    assert [p.partners_other for p in found] == [[name]]


@pytest.mark.parametrize(("words", "recurring"), [
    ("bố trí kinh phí chi thường xuyên cho các cơ quan", False),
    ("chi tiết nguồn vốn đầu tư, chi thường xuyên", False),
    # near: work done often
    ("kiểm tra thường xuyên việc chấp hành", True),
])
def test_recurrent_spending_is_no_recurrence(words: str, recurring: bool) -> None:
    found = find_times(words, fold_view(words), issued=D2025)
    assert any(t.kind == RECURRING for t in found) is recurring


@pytest.mark.parametrize(("body", "count"), [
    ("4. Cơ quan phối hợp có trách nhiệm trả lời bằng văn bản đúng thời gian quy định.", 1),
    ("d) Trường hợp các đơn vị có ý kiến khác nhau, cơ quan chủ trì có trách nhiệm phối hợp "
     "với các đơn vị để làm rõ.", 1),
    # near: a role described, no duty
    ("4. Cơ quan phối hợp là các sở, ngành liên quan.", 0),
])
def test_a_role_given_a_duty_is_a_task(body: str, count: int) -> None:
    assert len(plan(body + "\n")) == count


@pytest.mark.parametrize(("body", "count"), [
    ("1. Thủ trưởng các Sở, ban, ngành có trách nhiệm triển khai thực hiện; trong quá trình "
     "thực hiện, nếu có khó khăn, vướng mắc, kịp thời báo cáo UBND tỉnh.", 1),
    # near: the closing formula alone
    ("Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị các sở kịp thời phản ánh "
     "về UBND tỉnh.", 0),
])
def test_the_formula_about_difficulties_after_a_task(body: str, count: int) -> None:
    assert len(plan(body + "\n")) == count


@pytest.mark.parametrize(("tail", "expected"), [
    ("; Các bộ, ngành, địa phương căn cứ hướng dẫn tổ chức rà soát, gửi kết quả trước ngày 10 "
     "tháng 12 năm 2025.", [(["BCA"], date(2025, 11, 25)), (["VN"], date(2025, 12, 10))]),
    # near: the closing call on the heads of every ministry is no task of its own
    (". Thủ tướng Chính phủ đề nghị các đồng chí Bộ trưởng quan tâm chỉ đạo.",
     [(["BCA"], date(2025, 11, 25))]),
])
def test_a_clause_handed_from_a_unit_to_a_collective(tail: str, expected: list) -> None:
    found = notice("3. Bộ Công an chủ trì ban hành hướng dẫn trước ngày 25 tháng 11 năm 2025"
                   + tail + "\n")
    assert [(p.lead, p.deadline) for p in found] == expected


@pytest.mark.parametrize(("body", "due"), [
    ("đ) Bộ Xây dựng: Khẩn trương thành lập đoàn công tác, hoàn thành trong tháng 12 năm 2025, "
     "triển khai thực hiện trong năm 2026.", date(2025, 12, 31)),
    # near: no date said to finish the work: the last one announced
    ("đ) Bộ Xây dựng trình Đề án trong tháng 12 năm 2025, ban hành trong năm 2026.",
     date(2026, 12, 31)),
])
def test_the_date_to_finish_the_work_is_its_deadline(body: str, due: date) -> None:
    assert [p.deadline for p in notice(body + "\n")] == [due]


@pytest.mark.parametrize(("body", "starts"), [
    # a titled item with one paragraph: the task's passage begins at the title
    ("3. Xây dựng văn bản quy phạm pháp luật\n\nSở Tư pháp có trách nhiệm rà soát, tham mưu "
     "ban hành văn bản.\n", ["3. Xây dựng"]),
    # near: two paragraphs under the title, each its own
    ("3. Xây dựng văn bản quy phạm pháp luật\n\nSở Tư pháp có trách nhiệm rà soát văn bản.\n\n"
     "Sở Nội vụ có trách nhiệm bố trí biên chế.\n", ["Sở Tư pháp", "Sở Nội vụ"]),
])
def test_a_title_over_one_paragraph_begins_its_task(body: str, starts: list[str]) -> None:
    text = PLAN + body
    found = extract_tasks(text, issued=D2025)
    assert [found.text[p.span[0]:p.span[0] + len(s)] for p, s in zip(found.proposals, starts,
                                                                       strict=True)] == starts
