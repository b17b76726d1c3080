"""Patterns added after round 10 (627/TB-VPCP, part III, scored held out first): each shown to
fire and, beside it, a near text where it must not."""

from __future__ import annotations

from datetime import date

import pytest

from sodo.domain.extract.rules import extract_tasks
from sodo.domain.extract.text import clean_text

D2025 = date(2025, 11, 18)
HEAD = ("VĂN PHÒNG CHÍNH PHỦ\nSố: 1/TB-VPCP\nHà Nội, ngày 18 tháng 11 năm 2025\n\nTHÔNG BÁO\n\n"
        "Thủ tướng Chính phủ kết luận như sau:\n\n")


def tasks(body: str):
    return extract_tasks(HEAD + body, issued=D2025).proposals


@pytest.mark.parametrize(("opening", "due"), [
    # the account a demand follows from gives no date to the items below
    ("Từ nay đến hết năm 2025 chỉ còn gần 2 tháng, khối lượng còn lớn; do vậy, yêu cầu các "
     "bộ, ngành:", None),
    # a date that bounds the demand itself does
    ("Trong năm 2025, yêu cầu các bộ, ngành:", date(2025, 12, 31)),
])
def test_the_account_before_do_vậy_yêu_cầu_gives_no_deadline(opening: str, due: date | None) -> None:
    found = tasks(f"{opening}\n\na) Bộ Xây dựng rà soát các dự án.\n")
    assert [(t.lead, t.deadline) for t in found] == [(["BXD"], due)]


@pytest.mark.parametrize(("title", "due"), [
    ("1. Hoàn thành mục tiêu đưa vào khai thác 3.000 km đường bộ cao tốc trong năm 2025",
     date(2025, 12, 31)),
    # a sentence of its own is no title: its date is its own
    ("1. Bộ Tài chính hoàn thành việc bố trí vốn trong năm 2025.", None),
])
def test_a_title_without_subject_gives_its_date_to_its_sub_items(title: str,
                                                                 due: date | None) -> None:
    found = tasks(f"{title}\n\na) Bộ Xây dựng rà soát các dự án.\n\nb) Bộ Công an bảo đảm an ninh.\n")
    assert [(t.lead, t.deadline) for t in found if t.lead != ["BTC"]] == [
        (["BXD"], due), (["BCA"], due)]


@pytest.mark.parametrize(("body", "lead"), [
    ("a) Các tỉnh Nghệ An, Quảng Ngãi, Cao Bằng khẩn trương hoàn thiện Báo cáo.",
     ["40", "51", "04"]),
    ("b) Thành phố Hà Nội và các tỉnh Bắc Ninh, Gia Lai đẩy nhanh tiến độ.", ["01", "24", "52"]),
    ("b) Bộ Xây dựng, Bộ Quốc phòng các tỉnh Ninh Bình, Hưng Yên đôn đốc chủ đầu tư.",
     ["BXD", "BQP", "37", "33"]),
    # near: provinces that are the place of the work, not its assignees; a region, no name
    ("b) Bộ Xây dựng hướng dẫn các tỉnh Ninh Bình, Hưng Yên đôn đốc chủ đầu tư.", ["BXD"]),
    ("a) Các tỉnh miền núi khẩn trương hoàn thiện Báo cáo.", None),
])
def test_a_list_of_bare_province_names(body: str, lead: list[str] | None) -> None:
    found = [t.lead for t in tasks(body + "\n")]
    if lead is None:  # a region is no list of provinces
        assert not any(code[:1].isdigit() for leads in found for code in leads)
    else:
        assert found == [lead]


@pytest.mark.parametrize(("body", "count"), [
    ("Các bộ, cơ quan liên quan chịu trách nhiệm trước Đảng, Chính phủ và Nhân dân về tiến độ "
     "triển khai Dự án.", 0),
    ("Các bộ, cơ quan liên quan chịu trách nhiệm trước Đảng, Chính phủ về tiến độ; kịp thời "
     "báo cáo Thủ tướng Chính phủ kết quả thực hiện.", 1),
])
def test_accountability_before_the_party_is_a_formula(body: str, count: int) -> None:
    assert len(tasks(f"1. Về dự án cảng hàng không\n\n{body}\n")) == count


def test_a_line_wrapped_after_a_closing_quote_goes_on() -> None:
    assert clean_text("c) Bộ Quốc phòng phát huy “Bộ đội Cụ Hồ”\nvới tinh thần đoàn kết.") == \
        "c) Bộ Quốc phòng phát huy “Bộ đội Cụ Hồ” với tinh thần đoàn kết."
    assert clean_text("Phẩm chất “Bộ đội Cụ Hồ”\nVới tinh thần đoàn kết.").count("\n") == 1
    found = tasks("c) Bộ Quốc phòng phát huy phẩm chất “Bộ đội Cụ Hồ”\nvới tinh thần đoàn kết, "
                  "chỉ đạo các quân khu hỗ trợ xe máy.\n")
    assert [t.lead for t in found] == [["BQP"]] and "quân khu" in found[0].source_passage


@pytest.mark.parametrize(("body", "lead_other"), [
    ("b) Giao Bộ Xây dựng chỉ đạo kiểm tra. Yêu cầu Nhà đầu tư (Tập đoàn Đèo Cả) rà soát kế "
     "hoạch thi công.", [[], ["Tập đoàn Đèo Cả"]]),
    # near: the body in brackets after the work is no assignee
    ("b) Giao Bộ Xây dựng chỉ đạo nhà đầu tư rà soát kế hoạch thi công (Tập đoàn Đèo Cả).",
     [[]]),
])
def test_a_party_named_by_its_role_with_the_body_in_brackets(body: str,
                                                              lead_other: list[list[str]]) -> None:
    assert [t.lead_other for t in tasks(body + "\n")] == lead_other


@pytest.mark.parametrize(("body", "count"), [
    ("b) Dứt khoát phải khánh thành Cảng hàng không vào ngày 19 tháng 12 năm 2025.", 1),
    ("b) Rứt khoát phải khánh thành Cảng hàng không vào ngày 19 tháng 12 năm 2025.", 1),
    ("b) Cảng hàng không là công trình trọng điểm của cả nước.", 0),
])
def test_dứt_khoát_phải_opens_an_instruction(body: str, count: int) -> None:
    found = tasks(f"2. Đối với dự án cảng hàng không\n\n{body}\n")
    assert len(found) == count
    if count:
        assert found[0].lead == ["VN"] and found[0].deadline == date(2025, 12, 19)


@pytest.mark.parametrize(("body", "count"), [
    ("a) Hiện nay khối lượng còn lại rất lớn. Với vai trò của Dự án, yêu cầu các bộ, ngành "
     "khẩn trương có giải pháp đẩy nhanh tiến độ.", 1),
    ("a) Hiện nay khối lượng còn lại rất lớn. Các bộ, ngành đã đề nghị bổ sung vốn cho Dự án.", 0),
])
def test_a_demand_in_a_later_sentence_of_an_account(body: str, count: int) -> None:
    found = tasks(f"2. Đối với dự án cảng hàng không\n\n{body}\n")
    assert len(found) == count
    if count:
        assert found[0].lead == ["VN"]
