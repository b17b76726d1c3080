"""Patterns added after round 15 (2629/QĐ-TTg and three letters of the Government Office,
scored held out first): each shown to fire and, beside it, a near text where it must not."""

from __future__ import annotations

from datetime import date

import pytest

from sodo.domain.extract.rules import extract_tasks

D2025 = date(2025, 12, 1)
LETTER = "Phó Thủ tướng Chính phủ Trần Hồng Hà có ý kiến như sau:\n\n"


def _tasks(text: str) -> list:
    return extract_tasks(text, issued=D2025).proposals


@pytest.mark.parametrize(("line", "deadline", "recurring"), [
    # a point opening with its own recurrence does not take the date of the item above
    ("(iii) Thường xuyên theo dõi, đôn đốc các cơ quan, đơn vị triển khai thực hiện;", None, True),
    ("(ii) Định kỳ hằng tháng báo cáo tiến độ thực hiện dự án;", None, True),
    # a point without a time takes it
    ("(iii) Bổ sung nguồn lực tài chính, tăng cường máy móc thiết bị;", date(2025, 12, 19), False),
    # "thường xuyên" inside the work is no recurrence of the point
    ("(iii) Xử lý lỗi thường xuyên trên Cổng Thông tin một cửa quốc gia;", date(2025, 12, 19), False),
])
def test_a_points_own_recurrence_beats_the_date_above(line: str, deadline: date | None,
                                                       recurring: bool) -> None:
    text = (LETTER + "(3) Về tổ chức thi công: Yêu cầu các cơ quan, đơn vị cần xác định việc hoàn "
            "thành tuyến chính của dự án vào ngày 19 tháng 12 năm 2025 là nhiệm vụ chính trị hàng "
            "đầu để nỗ lực triển khai thực hiện các nội dung sau:\n\n- Bộ Xây dựng:\n\n"
            "(i) Chỉ đạo các nhà thầu tổ chức thi công 3 ca, 4 kíp;\n\n" + line + "\n")
    found = _tasks(text)
    last = found[-1]
    assert (last.lead, last.deadline, last.recurring) == (["BXD"], deadline, recurring)


@pytest.mark.parametrize(("line", "deadline", "recurring"), [
    # a day without a year in the clause of a recurring word comes back with it
    ("5. Các bộ, ngành, địa phương định kỳ hằng năm gửi báo cáo Bộ Khoa học và Công nghệ tình hình "
     "triển khai Chương trình trước ngày 15 tháng 12 để tổng hợp.", date(2025, 12, 15), True),
    # a date with its year is due once, though the clause is recurring work
    ("5. Các bộ, ngành, địa phương định kỳ hằng năm gửi báo cáo Bộ Khoa học và Công nghệ tình hình "
     "triển khai Chương trình trước ngày 15 tháng 12 năm 2026.", date(2026, 12, 15), False),
    # the recurring word in another clause does not reach the date
    ("5. Các bộ, ngành, địa phương định kỳ hằng năm rà soát Chương trình; gửi báo cáo Bộ Khoa học và "
     "Công nghệ trước ngày 15 tháng 12.", date(2025, 12, 15), False),
])
def test_a_day_without_a_year_recurs_with_its_clause(line: str, deadline: date,
                                                     recurring: bool) -> None:
    found = _tasks("Điều 1. Phê duyệt Chương trình với những nội dung sau:\n" + line + "\n")
    dated = [(p.deadline, p.recurring) for p in found if p.deadline is not None]
    assert dated == [(deadline, recurring)]


@pytest.mark.parametrize(("text", "lead_other"), [
    ("Yêu cầu Ủy ban nhân dân thành phố Hà Nội, Bộ Tư lệnh Bảo vệ Lăng Chủ tịch Hồ Chí Minh theo "
     "chức năng, nhiệm vụ được giao khẩn trương thực hiện, hoàn thành trước ngày 15/8/2025.",
     ["Bộ Tư lệnh Bảo vệ Lăng Chủ tịch Hồ Chí Minh"]),
    ("Yêu cầu Ủy ban nhân dân thành phố Hà Nội theo chức năng, nhiệm vụ được giao khẩn trương thực "
     "hiện, hoàn thành trước ngày 15/8/2025.", []),
])
def test_a_command_of_the_army_is_a_body_by_name(text: str, lead_other: list[str]) -> None:
    found = _tasks(LETTER + text + "\n")
    assert [(p.lead, p.lead_other) for p in found] == [(["01"], lead_other)]


@pytest.mark.parametrize(("bullet", "is_task"), [
    ("- Làm đầu mối tổng hợp tình hình thực hiện Chương trình.", True),
    ("- Là cơ quan thường trực của Chương trình.", False),
])
def test_the_focal_point_is_a_task(bullet: str, is_task: bool) -> None:
    text = ("Điều 1. Phê duyệt Chương trình với những nội dung sau:\nIV. TỔ CHỨC THỰC HIỆN\n"
            "1. Bộ Khoa học và Công nghệ\n" + bullet + "\n- Chủ trì tổ chức thực hiện Chương trình.\n")
    found = _tasks(text)
    assert len(found) == (2 if is_task else 1)
    assert all(p.lead == ["BKHCN"] for p in found)


@pytest.mark.parametrize(("bullet", "is_task"), [
    # the grounds, then the work after "để", under a unit
    ("- Căn cứ mục tiêu, nhiệm vụ nêu trong Chương trình để xây dựng dự toán kinh phí cụ thể.", True),
    # grounds with no work after them are no task
    ("- Căn cứ Nghị quyết số 57-NQ/TW ngày 22 tháng 12 năm 2024 của Bộ Chính trị.", False),
    ("- Căn cứ kết quả đánh giá để tổng hợp, báo cáo Thủ tướng Chính phủ.", True),
])
def test_the_work_after_the_grounds_is_a_task(bullet: str, is_task: bool) -> None:
    text = ("Điều 1. Phê duyệt Chương trình với những nội dung sau:\nIV. TỔ CHỨC THỰC HIỆN\n"
            "2. Bộ Tài chính có trách nhiệm:\n- Chủ trì tổ chức thực hiện Chương trình.\n" + bullet + "\n")
    found = _tasks(text)
    assert len(found) == (2 if is_task else 1)
    assert all(p.lead == ["BTC"] for p in found)


def test_grounds_at_the_top_without_a_unit_above_are_no_task() -> None:
    text = ("Điều 1. Phê duyệt Chương trình với những nội dung sau:\n"
            "Căn cứ mục tiêu của Chương trình để xây dựng kế hoạch hằng năm.\n")
    assert _tasks(text) == []


@pytest.mark.parametrize(("paragraph", "tasks"), [
    # a list element going on in a paragraph of its own: one task with it
    ("Đẩy nhanh việc sản xuất và tập kết cấu kiện đúc sẵn, hệ thống an toàn giao thông;", 2),
    # a paragraph that ends the sentence is a task of its own
    ("Đẩy nhanh việc sản xuất và tập kết cấu kiện đúc sẵn, hệ thống an toàn giao thông.", 3),
])
def test_a_list_element_goes_on_in_a_paragraph(paragraph: str, tasks: int) -> None:
    text = (LETTER + "- Bộ Xây dựng:\n\n"
            "(i) Chỉ đạo Chủ đầu tư, các nhà thầu tổ chức thi công 3 ca, 4 kíp, đảm bảo tiến độ;\n\n"
            + paragraph + "\n\n(ii) Thường xuyên theo dõi, đôn đốc các nhà thầu triển khai thực hiện;\n")
    found = _tasks(text)
    assert len(found) == tasks
    assert all(p.lead == ["BXD"] for p in found)
    assert ("Đẩy nhanh việc sản xuất" in found[0].source_passage) is (tasks == 2)
