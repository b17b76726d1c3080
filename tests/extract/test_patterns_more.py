"""Patterns added in the third round (from the documents held out in the second, now tuned):
each shown to fire and, beside it, a near text where it must not."""

from __future__ import annotations

from datetime import date

import pytest

from sodo.domain.extract.rules import extract_tasks
from sodo.domain.extract.text import clean_text
from sodo.domain.orgunits import OrgUnitLevel, default_hierarchy

D2025 = date(2025, 11, 20)
PROVINCES = [u.code for u in default_hierarchy().at_level(OrgUnitLevel.PROVINCE, on=D2025)]


def letter(body: str) -> str:
    return ("VĂN PHÒNG CHÍNH PHỦ\nSố: 1/VPCP-KSTT\nHà Nội, ngày 20 tháng 11 năm 2025\n\n"
            "Xét đề nghị của Bộ Tài chính, Phó Thủ tướng có ý kiến như sau:\n\n"
            f"{body}\n\nVăn phòng Chính phủ thông báo để các cơ quan biết, thực hiện./.\n\n"
            "Nơi nhận:\n- Như trên;\n- Lưu: VT.\n")


def tasks(body: str):
    return extract_tasks(letter(body), issued=D2025).proposals


LEADS = [
    # (body, lead, lead named but no unit, partners)
    ("Bộ trưởng các Bộ, Thủ trưởng cơ quan ngang bộ, Chủ tịch Ủy ban nhân dân các tỉnh, "
     "thành phố trực thuộc Trung ương khẩn trương rà soát các quy định.",
     PROVINCES, ["Bộ trưởng các Bộ, Thủ trưởng cơ quan ngang bộ"], []),
    ("Đồng chí Bộ trưởng Bộ Y tế, Thứ trưởng Bộ Y tế phụ trách lĩnh vực tiếp tục bám sát tình "
     "hình thực tế.", ["BYT"], [], []),
    ("Chánh Văn phòng Ban Chỉ đạo phòng thủ dân sự quốc gia phối hợp với cơ quan chức năng của "
     "Bộ Nông nghiệp và Môi trường theo dõi sát diễn biến.",
     [], ["Văn phòng Ban Chỉ đạo phòng thủ dân sự quốc gia"], ["BNNMT"]),
    ("Bộ Công an tiếp tục chủ động phối hợp, hướng dẫn Bộ Y tế thực hiện các phương án.",
     ["BCA"], [], ["BYT"]),
    ("Bộ Y tế chỉ đạo các đơn vị phối hợp chặt chẽ với các cơ quan liên quan thuộc Bộ Xây dựng, "
     "Bộ Quốc phòng hoàn thiện hồ sơ.", ["BYT"], [], ["BXD", "BQP"]),
    ("Đề nghị Ủy ban Kinh tế và Tài chính của Quốc hội phối hợp thẩm tra hồ sơ.",
     [], ["Ủy ban Kinh tế và Tài chính của Quốc hội"], []),
    ("Sau khi được Quốc hội thông qua, các Bộ, cơ quan, địa phương tập trung tổ chức thực hiện.",
     ["VN"], [], []),
    ("Phân công Phó Thủ tướng Lê Minh Khái sớm tổ chức cuộc họp về dự thảo Nghị định.",
     [], ["Phó Thủ tướng Lê Minh Khái"], []),
]


@pytest.mark.parametrize(("body", "lead", "bodies", "partners"), LEADS,
                         ids=[b[:40] for b, *_ in LEADS])
def test_who_leads_and_who_partners(body: str, lead: list[str], bodies: list[str],
                                    partners: list[str]) -> None:
    [task] = tasks(body)
    assert task.lead == lead
    assert task.lead_other == bodies
    assert task.partners == partners


NOT_TASKS = [
    "Chính phủ sẽ phân công nhiệm vụ các bộ, cơ quan xây dựng kế hoạch.",  # who approves
    "Các Bộ, cơ quan thống nhất chỉ có một cơ quan chủ trì.",  # agreement, not work
    "Bộ trưởng Bộ Công an chịu trách nhiệm trước Thủ tướng Chính phủ về kết quả.",
    # "các cơ quan liên quan" alone is no unit, nor is a place "thuộc" one
    "Về việc sử dụng đất: Các Bộ, cơ quan đã thống nhất phương án.",
]


@pytest.mark.parametrize("body", NOT_TASKS, ids=[b[:30] for b in NOT_TASKS])
def test_no_task(body: str) -> None:
    assert tasks(body) == []


def test_a_topic_then_an_assignment_is_one_task_read_from_the_item() -> None:
    [task] = tasks("(1) Về việc phê duyệt Chương trình: Các Bộ, cơ quan thống nhất chỉ có một "
                   "cơ quan chủ trì; giao Bộ Nông nghiệp và Môi trường làm chủ Chương trình, "
                   "hoàn thiện hồ sơ.")
    assert task.lead == ["BNNMT"] and task.source_passage.startswith("(1) Về việc")


def test_sub_items_naming_their_own_unit_are_tasks_with_the_deadline_above() -> None:
    found = tasks("b) Các Bộ: Tài chính, Y tế khẩn trương khắc phục các bất cập của hệ thống "
                  "thuộc phạm vi quản lý, hoàn thành trong tháng 11 năm 2025, cụ thể:\n"
                  "(1) Bộ Tài chính kết nối hệ thống thuế.\n(2) Bộ Y tế hoàn thành nâng cấp "
                  "hệ thống.")
    assert [(t.lead, t.deadline) for t in found] == [(["BTC"], date(2025, 11, 30)),
                                                     (["BYT"], date(2025, 11, 30))]
    # points without a unit of their own stay one task
    [one] = tasks("b) Bộ Tài chính rà soát các quy định, cụ thể:\n- Quy định về thuế.\n"
                  "- Quy định về phí.")
    assert one.lead == ["BTC"]


def test_inline_points_of_one_unit_are_one_task() -> None:
    [task] = tasks("(1) Bộ Tài chính giải quyết 03 vấn đề tồn đọng: (i) Tích hợp dịch vụ thanh "
                   "toán; (ii) Kết nối cơ sở dữ liệu; (iii) Xử lý lỗi trên Cổng thông tin.")
    assert task.lead == ["BTC"] and "(iii)" in task.source_passage
    # a topic with points that name their own units: one task each
    assert [t.lead for t in tasks("1. Về thể chế: (i) Bộ Tư pháp chủ trì rà soát văn bản; (ii) "
                                  "Bộ Nội vụ xây dựng Đề án.")] == [["BTP"], ["BNV"]]


def test_a_whole_sentence_over_bullets_is_a_task_and_keeps_its_deadline() -> None:
    found = tasks("(1) Bộ Y tế chỉ đạo Ban Quản lý dự án tập trung nguồn lực, hoàn thành việc "
                  "xây dựng trước ngày 30 tháng 11 năm 2025 và tổ chức nghiệm thu theo quy "
                  "định.\n- Chỉ đạo hai bệnh viện chuẩn bị phương án nhân lực.\n"
                  "- Chủ trì, phối hợp với Bộ Tài chính hoàn thiện hồ sơ.")
    assert [(t.lead, t.partners, t.deadline) for t in found] == [
        (["BYT"], [], date(2025, 11, 30)), (["BYT"], [], None), (["BYT"], ["BTC"], None)]


def test_the_date_of_an_aim_is_no_deadline_of_the_items_under_it() -> None:
    found = tasks("2. Để hoàn thành xây dựng trước ngày 30 tháng 11 năm 2025, yêu cầu các cơ "
                  "quan lưu ý một số nội dung trọng tâm như sau:\n(1) Bộ Công an hướng dẫn "
                  "thẩm định thiết kế.\n(2) Bộ Xây dựng chỉ đạo thẩm định dự toán.")
    assert [(t.lead, t.deadline) for t in found] == [(["BCA"], None), (["BXD"], None)]
    # without "Để …" the date is the items' deadline
    found = tasks("2. Các Bộ hoàn thành trước ngày 30 tháng 11 năm 2025 các nội dung sau:\n"
                  "(1) Bộ Công an hướng dẫn thẩm định.\n(2) Bộ Xây dựng thẩm định dự toán.")
    assert [t.deadline for t in found] == [date(2025, 11, 30)] * 2


def test_accountability_with_work_in_it_is_a_task() -> None:
    [task] = tasks("1. Giao Bộ trưởng các Bộ, Thủ trưởng cơ quan ngang bộ chịu trách nhiệm trước "
                   "Chính phủ về kết quả cắt giảm thủ tục, báo cáo Chính phủ kết quả thực hiện.")
    assert task.lead == ["VN"] and task.authority == "Chính phủ"


def test_require_as_the_work_and_ocr_dashes_under_a_unit_heading() -> None:
    found = tasks("1. Bộ Tài chính chủ trì, phối hợp với các bộ, địa phương liên quan:\n"
                  "a) Yêu cầu và đôn đốc các doanh nghiệp bảo hiểm chi trả kịp thời.\n"
                  "đ) Bộ Khoa học và Công nghệ:\n_ Tiếp tục nâng cấp nền tảng dữ liệu.\n"
                  "~ Chủ trì rà soát nhân lực chuyển đổi số.")
    assert [t.lead for t in found] == [["BTC"], ["BKHCN"], ["BKHCN"]]


def test_a_year_range_broken_over_two_lines_is_one_line() -> None:
    text = clean_text("(3) Về nguồn lực thực hiện Chương trình giai đoạn\n2026-2030: Thống nhất "
                      "với đề xuất chuyển kinh phí của giai đoạn 2021\n- 2025 sang thực hiện.")
    assert "\n" not in text
    # a list item after a year is kept apart
    assert "\n- Bộ Công an" in clean_text("Thực hiện trong năm 2025:\n- Bộ Công an rà soát.")


def notice(title: str, body: str) -> str:
    return ("VĂN PHÒNG CHÍNH PHỦ\nSố: 2/TB-VPCP\nHà Nội, ngày 20 tháng 11 năm 2025\n"
            f"THÔNG BÁO\n{title}\nPhó Thủ tướng Chính phủ kết luận như sau:\n{body}\n"
            "Văn phòng Chính phủ thông báo để các cơ quan biết, thực hiện./.\n")


def test_the_province_of_a_working_session_stands_for_tỉnh_and_thành_phố() -> None:
    text = notice("KẾT LUẬN TẠI BUỔI LÀM VIỆC VỚI LÃNH ĐẠO TỈNH THANH HÓA",
                  "1. Ủy ban nhân dân Tỉnh khẩn trương rà soát quy hoạch.\n"
                  "2. Bộ Xây dựng phối hợp chặt chẽ với Tỉnh hoàn thiện hồ sơ.")
    found = extract_tasks(text, issued=D2025).proposals
    assert [(t.lead, t.partners) for t in found] == [(["38"], []), (["BXD"], ["38"])]
    # without a working session named, "Tỉnh" is nobody
    other = notice("KẾT LUẬN VỀ QUY HOẠCH", "1. Bộ Xây dựng phối hợp chặt chẽ với Tỉnh "
                   "hoàn thiện hồ sơ.")
    assert extract_tasks(other, issued=D2025).proposals[0].partners == []


def test_departments_of_a_province_and_state_groups_are_bodies_by_name() -> None:
    [dept] = tasks("Sở Nông nghiệp và Môi trường chủ trì rà soát diện tích rừng.")
    assert dept.lead_other == ["Sở Nông nghiệp và Môi trường"]
    [groups] = tasks("Đề nghị các Tập đoàn: Bưu chính Viễn thông Việt Nam, Công nghiệp - Viễn "
                     "thông Quân đội tổ chức triển khai phủ sóng.")
    assert groups.lead_other == ["Tập đoàn Bưu chính Viễn thông Việt Nam",
                                 "Tập đoàn Công nghiệp - Viễn thông Quân đội"]
    # a heading's name does not run over its line break into the bullet below
    found = tasks("3. Sở Tài chính\n\n- Cân đối kinh phí bảo vệ rừng.")
    assert [t.lead_other for t in found] == [["Sở Tài chính"]]


def test_addressees_separated_by_semicolons_and_a_closing_deadline_for_every_task() -> None:
    [task] = tasks("Các bộ, cơ quan ngang bộ; Ủy ban nhân dân các tỉnh, thành phố trực thuộc "
                   "Trung ương khẩn trương triển khai các nhiệm vụ nêu trên.")
    assert task.lead == PROVINCES
    found = tasks("2. Bộ Tài chính khẩn trương cập nhật các dự án. Ủy ban nhân dân thành phố "
                  "Đà Nẵng khẩn trương rà soát các dự án. Thời hạn hoàn thành: trước ngày "
                  "30/11/2025.")
    assert [(t.lead, t.deadline) for t in found] == [(["BTC"], date(2025, 11, 30)),
                                                     (["48"], date(2025, 11, 30))]
