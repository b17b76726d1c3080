"""Every pattern the extractor must read, each shown to fire and not to over-fire: who leads
and who partners, agencies in their usual forms resolved on the document's date, deadlines,
numbered structures and nested bullets, the appendix table, and text that is no task."""

from __future__ import annotations

from datetime import date

import pytest

from sodo.domain.extract.deadlines import choose_deadline, find_times
from sodo.domain.extract.rules import extract_tasks
from sodo.domain.extract.text import clean_text, fold_view, looks_vietnamese
from sodo.domain.orgunits import OrgUnitLevel, default_hierarchy

D2026 = date(2026, 1, 5)
D2021 = date(2021, 4, 29)
PROVINCES_2026 = [u.code for u in default_hierarchy().at_level(OrgUnitLevel.PROVINCE, on=D2026)]
PROVINCES_2012 = [u.code for u in default_hierarchy().at_level(OrgUnitLevel.PROVINCE,
                                                                on=date(2012, 3, 2))]


def letter(body: str, day: str = "05 tháng 01 năm 2026") -> str:
    """An official letter of the Government Office around ``body``."""
    return (f"VĂN PHÒNG CHÍNH PHỦ\nSố: 1/VPCP-KSTT\nHà Nội, ngày {day}\n\n"
            "Kính gửi: Bộ Khoa học và Công nghệ.\n\n"
            "Xét đề nghị của Bộ Khoa học và Công nghệ, Phó Thủ tướng có ý kiến như sau:\n\n"
            f"{body}\n\nVăn phòng Chính phủ thông báo để các cơ quan biết, thực hiện./.\n\n"
            "Nơi nhận:\n- Như trên;\n- Bộ Công an;\n- Lưu: VT.\n")


def only(body: str, day: date = D2026):
    tasks = extract_tasks(letter(body), issued=day).proposals
    assert len(tasks) == 1, [t.source_passage for t in tasks]
    return tasks[0]


# -- who ----------------------------------------------------------------------------------

LEADS = [
    # (body, lead, partners, partners named but no unit, lead named but no unit)
    ("Bộ Công an chủ trì, phối hợp với Bộ Tài chính, Bộ Tư pháp xây dựng Đề án.",
     ["BCA"], ["BTC", "BTP"], [], []),
    ("Giao Bộ Y tế xây dựng hồ sơ sức khỏe điện tử.", ["BYT"], [], [], []),
    ("Giao các Bộ: Công an, Tài chính, Xây dựng, Tư pháp, Nông nghiệp và Môi trường có ý kiến.",
     ["BCA", "BTC", "BXD", "BTP", "BNNMT"], [], [], []),
    # the ministries are co-assignees of the lead, not partners
    ("Giao Bộ Khoa học và Công nghệ và các bộ, ngành khẩn trương xây dựng văn bản hướng dẫn.",
     ["BKHCN"], [], [], ["các bộ, ngành"]),
    ("Bộ trưởng Bộ Công an chỉ đạo triển khai Đề án 06.", ["BCA"], [], [], []),
    ("Thống đốc Ngân hàng Nhà nước Việt Nam chỉ đạo các ngân hàng thương mại triển khai.",
     ["NHNN"], [], [], []),
    ("Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương rà soát các thủ tục.",
     PROVINCES_2026, [], [], []),
    ("Các bộ, ngành, địa phương đẩy mạnh thanh toán không dùng tiền mặt.", ["VN"], [], [], []),
    ("Bộ KH&CN chủ trì, phối hợp với BKHCN, Bộ GD&ĐT và UBND tỉnh Đồng Nai triển khai.",
     ["BKHCN"], ["BGDDT", "75"], [], []),
    ("Đài Tiếng nói Việt Nam tiếp thu, hoàn thiện Đề án.", [], [], [], ["Đài Tiếng nói Việt Nam"]),
    ("Bộ Giáo dục và Đào tạo chủ trì, phối hợp với Bộ Khoa học và Công nghệ cùng với các trường, "
     "doanh nghiệp nhanh chóng triển khai Chương trình.", ["BGDDT"], ["BKHCN"],
     ["các trường, doanh nghiệp"], []),
    ("Bộ Tài chính phối hợp với Bộ Kếhoạch và Đầu tư, đề xuất ý kiến.", ["BTC"], ["BKHDT"], [], []),
]


@pytest.mark.parametrize(("body", "lead", "partners", "others", "bodies"), LEADS,
                         ids=[b[:40] for b, *_ in LEADS])
def test_who_leads_and_who_partners(body: str, lead: list[str], partners: list[str],
                                    others: list[str], bodies: list[str]) -> None:
    day = D2021 if "Kếhoạch" in body else D2026
    task = only(body, day)
    assert task.lead == lead
    assert task.partners == partners
    assert task.partners_other == others
    assert task.lead_other == bodies
    # a collective ("các bộ, ngành") is no body to resolve
    assert task.unresolved == [b for b in bodies if not b.startswith("các ")]


def test_a_2021_letter_means_the_ministry_of_that_day_and_names_its_successor() -> None:
    task = only("Giao Bộ Thông tin và Truyền thông chủ trì xây dựng Chiến lược.", D2021)
    assert task.lead == ["BTTTT"] and task.lead_names == ["Bộ Thông tin và Truyền thông"]
    assert any("BKHCN" in n and "BTTTT" in n for n in task.notes)
    # the same words in 2026 name no ministry in force: nothing is invented
    later = extract_tasks(letter("Giao Bộ Thông tin và Truyền thông chủ trì xây dựng Chiến lược."),
                          issued=D2026).proposals
    assert all(t.lead != ["BTTTT"] for t in later)


def test_provinces_resolve_on_the_document_date() -> None:
    body = "Ủy ban nhân dân tỉnh Tuyên Quang chủ trì triển khai."
    assert only(body, date(2021, 4, 29)).lead == ["P63-08"]
    assert only(body, D2026).lead == ["08"]
    assert extract_tasks(letter("Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương "
                                "rà soát."), issued=date(2012, 3, 2)).proposals[0].lead == \
        PROVINCES_2012


def test_a_place_or_a_report_recipient_is_no_partner() -> None:
    task = only("Bộ Xây dựng chủ trì rà soát quy hoạch tại tỉnh Đồng Nai, báo cáo Thủ tướng "
                "Chính phủ và gửi Bộ Tài chính trong quý III năm 2026.")
    assert task.lead == ["BXD"] and task.partners == [] and task.authority == "Thủ tướng Chính phủ"


# -- when ------------------------------------------------------------------------------------

DEADLINES = [
    ("trong tháng 12/2025", date(2025, 12, 31), False),
    ("Hoàn thành trong tháng 01/2026", date(2026, 1, 31), False),
    ("trước ngày 20 tháng 10 năm 2024", date(2024, 10, 20), False),
    ("trong Quý I/2026", date(2026, 3, 31), False),
    ("quý 2/2025", date(2025, 6, 30), False),
    ("hoàn thành trong 6/2025", date(2025, 6, 30), False),
    ("trong năm 2025", date(2025, 12, 31), False),
    ("trong quý III năm 2012", date(2012, 9, 30), False),
    ("chậm nhất đến ngày 01 tháng 7 năm 2028", date(2028, 7, 1), False),
    ("trước ngày 30/10", date(2026, 10, 30), False),
    ("Thường xuyên", None, True),
    ("hằng năm", None, True),
]


@pytest.mark.parametrize(("words", "due", "recurring"), DEADLINES, ids=[d[0] for d in DEADLINES])
def test_deadlines(words: str, due: date | None, recurring: bool) -> None:
    task = only(f"Bộ Nội vụ chủ trì xây dựng Đề án, {words}.")
    assert task.deadline == due
    assert task.recurring is recurring
    assert task.deadline_text.lower().endswith(words.lower().split()[-1])


@pytest.mark.parametrize("adverbs", ["khẩn trương", "sớm", "khẩn trương; sớm"])
def test_no_date_keeps_the_adverb(adverbs: str) -> None:
    words = " ".join(f"{a} làm" for a in adverbs.split("; "))
    task = only(f"Bộ Nội vụ chủ trì {words} rõ Đề án.")
    assert task.deadline is None and not task.recurring
    assert task.deadline_text == adverbs


@pytest.mark.parametrize("text", [
    "Quyết định số 749/QĐ-TTg ngày 03/6/2020 phê duyệt Chương trình",
    "Nghị định số 29/2008/NĐ-CP ngày 14 tháng 3 năm 2008 của Chính phủ",
    "Chương trình chuyển đổi số quốc gia đến năm 2025, định hướng đến năm 2030",
    "giai đoạn 2026-2030", "Kế hoạch số 105/2009", "ngày làm việc", "3/4 số tỉnh",
])
def test_dates_that_are_no_deadline(text: str) -> None:
    assert choose_deadline(find_times(text, fold_view(text), issued=D2026)) is None


def test_a_deadline_in_a_separate_sentence_belongs_to_the_task() -> None:
    task = only("Giao Bộ Thông tin và Truyền thông chủ trì xây dựng Chiến lược quốc gia về "
                "phát triển kinh tế số và xã hội số. Hoàn thành trong tháng 8 năm 2021.", D2021)
    assert task.deadline == date(2021, 8, 31)
    assert task.deliverable == "Chiến lược quốc gia về phát triển kinh tế số và xã hội số"


def test_a_deadline_on_its_own_line_belongs_to_the_task_before_it() -> None:
    tasks = extract_tasks(letter("Bộ Công an chủ trì xây dựng Khung Kinh tế dữ liệu.\n"
                                 "Hoàn thành trong tháng 01/2026."), issued=D2026).proposals
    assert len(tasks) == 1 and tasks[0].deadline == date(2026, 1, 31)


def test_the_parent_bullet_gives_its_deadline_and_lead_to_its_sub_bullets() -> None:
    body = ("1. Bộ Tài chính chủ trì, phối hợp với Bộ Công Thương triển khai trong quý II năm "
            "2026 các nội dung sau:\n- Rà soát các cơ chế ưu đãi thuế.\n"
            "- Xây dựng cơ chế thử nghiệm.\n2. Bộ Xây dựng:\na) Rà soát quy hoạch xây dựng, "
            "báo cáo Thủ tướng Chính phủ trong tháng 6/2026.\nb) Hướng dẫn các địa phương.")
    tasks = extract_tasks(letter(body), issued=D2026).proposals
    assert [(t.lead, t.partners, t.deadline) for t in tasks] == [
        (["BTC"], ["BCT"], date(2026, 6, 30)), (["BTC"], ["BCT"], date(2026, 6, 30)),
        (["BXD"], [], date(2026, 6, 30)), (["BXD"], [], None)]
    assert tasks[0].group.startswith("1. Bộ Tài chính")


# -- structure -----------------------------------------------------------------------------------

def test_numbered_structures_inline_and_nested() -> None:
    body = ("I. NHIỆM VỤ TRỌNG TÂM\n1. Về thể chế: (i) Bộ Tư pháp chủ trì rà soát văn bản; "
            "(ii) Bộ Nội vụ xây dựng Đề án vị trí việc làm trong Quý I/2026; (iii) Đẩy mạnh "
            "cải cách hành chính.\n2. Về hạ tầng:\na) Bộ Công an vận hành Trung tâm dữ liệu.\n"
            "b) Bộ Quốc phòng bảo đảm an ninh mạng.")
    tasks = extract_tasks(letter(body), issued=D2026).proposals
    assert [t.lead for t in tasks] == [["BTP"], ["BNV"], ["VN"], ["BCA"], ["BQP"]]
    assert tasks[1].deadline == date(2026, 3, 31)
    assert tasks[1].source_passage.startswith("(ii) Bộ Nội vụ")


def test_two_dated_clauses_of_one_item_are_two_tasks_undated_ones_are_one() -> None:
    two = extract_tasks(letter("(i) Bộ Khoa học và Công nghệ chủ trì hoàn thiện Đề án, trình "
                               "Thủ tướng Chính phủ trong tháng 01/2026; xây dựng Kế hoạch "
                               "hành động trong Quý I/2026."), issued=D2026).proposals
    assert [(t.lead, t.deadline) for t in two] == [(["BKHCN"], date(2026, 1, 31)),
                                                   (["BKHCN"], date(2026, 3, 31))]
    one = only("Giao Bộ Tài chính khẩn trương xây dựng văn bản. Sớm nghiên cứu khung pháp lý.")
    assert one.deadline_text == "khẩn trương; sớm"


def test_the_task_appendix_table_gives_one_task_per_row() -> None:
    table = ("PHỤ LỤC\nDANH MỤC NHIỆM VỤ\n"
             "TT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Sản phẩm | Thời gian hoàn thành\n"
             "I | Hoàn thiện thể chế | | | |\n"
             "1 | Xây dựng Nghị định về dữ liệu mở | Bộ Công an | Bộ Tư pháp, Bộ Tài chính | "
             "Nghị định | Quý II/2026\n"
             "2 | Hướng dẫn chuyển đổi số cấp xã | Bộ Khoa học và Công nghệ | Các bộ, ngành, "
             "địa phương | Văn bản hướng dẫn | 2026\n"
             "3 | Tổ chức tập huấn kỹ năng số | UBND các tỉnh, thành phố | | Kế hoạch | Hằng năm\n")
    tasks = extract_tasks(f"QUYẾT ĐỊNH\nSố: 5/QĐ-TTg\nHà Nội, ngày 05 tháng 01 năm 2026\n"
                          f"QUYẾT ĐỊNH:\nĐiều 1. Ban hành kèm theo Quyết định này Kế hoạch.\n"
                          f"\n{table}", issued=D2026).proposals
    assert [(t.lead[:1], t.partners, t.deadline, t.recurring) for t in tasks] == [
        (["BCA"], ["BTP", "BTC"], date(2026, 6, 30), False),
        (["BKHCN"], [], date(2026, 12, 31), False),
        ([PROVINCES_2026[0]], [], None, True)]
    assert tasks[0].deliverable == "Nghị định" and tasks[1].partners_other == [
        "Các bộ, ngành, địa phương"]
    assert tasks[0].group.startswith("I | Hoàn thiện thể chế")


NOT_TASKS = [
    "I. VỀ KẾT QUẢ ĐẠT ĐƯỢC\n1. Bộ Khoa học và Công nghệ đã hoàn thành 100% nhiệm vụ.",
    "III. QUAN ĐIỂM\nPhát triển kinh tế số bằng những đột phá; lấy người dân làm trung tâm.",
    "1. Đồng ý về nguyên tắc với đề nghị của Bộ Tài chính.",
    "2. Bộ Kế hoạch và Đầu tư cần rút kinh nghiệm trong việc xây dựng Đề án.",
    "Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký.",
]


@pytest.mark.parametrize("body", NOT_TASKS, ids=[b[:30] for b in NOT_TASKS])
def test_text_that_is_no_task_yields_nothing(body: str) -> None:
    assert extract_tasks(letter(body), issued=D2026).proposals == []


def test_the_address_block_and_nơi_nhận_yield_nothing() -> None:
    text = ("VĂN PHÒNG CHÍNH PHỦ\nSố: 2/VPCP-KTTH\nHà Nội, ngày 26 tháng 05 năm 2014\n"
            "Kính gửi:\n- Các Bộ: Kế hoạch và Đầu tư, Tài chính;\n- Ủy ban nhân dân các tỉnh: "
            "Quảng Ngãi, Hà Giang.\nXét đề nghị của Ủy ban nhân dân tỉnh Quảng Ngãi, Phó Thủ "
            "tướng giao các Bộ: Kế hoạch và Đầu tư, Tài chính xem xét xử lý.\n"
            "Văn phòng Chính phủ xin thông báo để các cơ quan biết.\nNơi nhận:\n- Bộ Công an "
            "chủ trì;\n- Lưu: VT.")
    tasks = extract_tasks(text).proposals
    assert [t.lead for t in tasks] == [["BKHDT", "BTC"]]


# -- text ---------------------------------------------------------------------------------------

def test_clean_text_joins_page_breaks_and_drops_transcription_marks() -> None:
    raw = "**(ii)** Bộ Công an *chủ trì* xây dựng thanh\n\ntoán số;\r\nHoàn thành trong tháng 1/2026"
    assert clean_text(raw) == ("(ii) Bộ Công an chủ trì xây dựng thanh toán số;\n"
                               "Hoàn thành trong tháng 1/2026")
    assert clean_text("a\tb\tc") == "a | b | c"


@pytest.mark.parametrize(("text", "vietnamese"), [
    ("Giao Bộ Công an chủ trì xây dựng Đề án phát triển dữ liệu.", True),
    ("Giao Bo Cong an chu tri, phoi hop voi cac bo, nganh trien khai cac nhiem vu duoc giao "
     "trong nam, thuc hien va bao cao Thu tuong Chinh phu.", True),
    ("The Ministry of Public Security shall lead the development of the national data "
     "framework and report to the Prime Minister.", False),
    ("Le ministère de la Sécurité publique est chargé de la coordination du cadre national "
     "des données.", False),
])
def test_looks_vietnamese(text: str, vietnamese: bool) -> None:
    assert looks_vietnamese(text) is vietnamese


def test_fold_view_keeps_offsets() -> None:
    text = "Bộ Văn hoá, Thể thao và Du lịch – “Đề án”"
    folded = fold_view(text)
    assert len(folded) == len(text) and folded.startswith("bo van hoa, the thao va du lich - ")


# -- text laid out by a PDF and saved as text, OCR artefacts ------------------------------

def test_printed_lines_of_a_paragraph_are_joined_headings_items_and_rows_are_not() -> None:
    wrapped = ("b) Bộ Tài chính chủ trì, phối hợp với Bộ Kế hoạch và Đầu tư, Bộ Công\n"
               "Thương và các cơ quan liên quan rà soát, báo cáo Thủ tướng Chính phủ trước ngày 15 tháng\n"
               "3 năm 2026.\n- Bộ Công an triển khai.\nTHÔNG BÁO\nKết luận của Phó Thủ tướng\n"
               "1 | Xây dựng Nghị định về dữ liệu mở | Bộ Công an | Bộ Tư pháp | Nghị định\n"
               "2 | Hướng dẫn chuyển đổi số cấp xã | Bộ Khoa học và Công nghệ | | Văn bản")
    lines = clean_text(wrapped).split("\n")
    assert lines[0].endswith("trước ngày 15 tháng 3 năm 2026.")
    assert lines[1:4] == ["- Bộ Công an triển khai.", "THÔNG BÁO", "Kết luận của Phó Thủ tướng"]
    assert lines[4].startswith("1 | ") and lines[5].startswith("2 | ")
    # a short line (a title) is no wrapped line
    assert clean_text("b) Bộ Tài chính\nTrình Chính phủ ban hành Nghị định.").count("\n") == 1


def test_a_page_break_with_its_page_number_inside_a_sentence_is_a_space() -> None:
    text = ("Bộ Y tế khẩn trương đề xuất chính sách, báo cáo Thủ tướng\n\n2\n\n\n"
            "--- PAGE BREAK ---\n\nChính phủ trong tháng 3 năm 2026.\n\n3\n\f\n- Bộ Công an triển khai.")
    assert clean_text(text) == ("Bộ Y tế khẩn trương đề xuất chính sách, báo cáo Thủ tướng Chính "
                                "phủ trong tháng 3 năm 2026.\n\n- Bộ Công an triển khai.")
    task = only("Bộ Y tế khẩn trương đề xuất chính sách, báo cáo Thủ tướng\n\n2\n\n\n"
                "--- PAGE BREAK ---\n\nChính phủ trong tháng 3 năm 2026.")
    assert (task.lead, task.deadline) == (["BYT"], date(2026, 3, 31))


def test_a_list_item_after_a_blank_line_is_not_joined_to_the_line_before() -> None:
    text = clean_text("2. Rà soát, cắt giảm thủ tục hành chính, chi phí cho doanh nghiệp\n\n"
                      "a) Bộ Giao thông vận tải chủ trì hướng dẫn.")
    assert text.split("\n\n")[1].startswith("a) Bộ Giao thông vận tải")


@pytest.mark.parametrize("body, lead", [
    ("a) Ngân hàng Nhà nước Việt Nam:\n\n- Có biện pháp hỗ trợ khách hàng gặp khó khăn.", ["NHNN"]),
    ("a) Bộ Tài chính:\n\n- Thường xuyên kiểm tra tình hình giải ngân.", ["BTC"]),
    ("d) Các bộ, ngành, địa phương:\n\n- Chưa thực hiện điều chỉnh tăng giá các mặt hàng.", ["VN"]),
    ("d) Các bộ, ngành, địa phương:\n\n- Trong phạm vi và lĩnh vực quản lý, rà soát để giảm phí.",
     ["VN"]),
    ("©) Bộ Xây dựng chủ trì có các giải pháp cụ thể cho ngành hàng không.", ["BXD"]),
    ("Văn phòng Chính phủ theo chức năng, nhiệm vụ được giao, theo dõi, đôn đốc việc thực hiện.",
     ["VPCP"]),
    ("d) Chủ tịch Hội đồng thành viên, Tổng Giám đốc các tập đoàn, tổng công ty nhà nước chủ "
     "động thực hiện các giải pháp.", ["VN"]),
])
def test_bullets_that_open_with_a_manner_a_ban_or_a_scope_are_tasks(body, lead) -> None:
    assert only(body).lead == lead


def test_a_numbered_title_over_a_paragraph_is_no_task_and_accountability_is_none() -> None:
    tasks = extract_tasks(letter(
        "6. Tập trung xử lý vướng mắc về lao động\n\n"
        "Bộ Lao động - Thương binh và Xã hội chủ trì giải quyết các vướng mắc về lao động.\n\n"
        "Bộ trưởng, Thủ trưởng cơ quan ngang Bộ chịu trách nhiệm trực tiếp trước Thủ tướng "
        "Chính phủ về kết quả thực hiện."), issued=D2021).proposals
    assert [t.lead for t in tasks] == [["BLDTBXH"]]
    assert tasks[0].group.startswith("6. Tập trung xử lý")
    # a numbered line with its deadline on the next line is still one task
    due = extract_tasks(letter("1. Bộ Y tế xây dựng Đề án phòng dịch\n\nHoàn thành trong "
                               "tháng 8 năm 2026."), issued=D2026).proposals
    assert [(t.lead, t.deadline) for t in due] == [(["BYT"], date(2026, 8, 31))]


def test_a_report_on_the_matters_listed_below_is_one_task() -> None:
    tasks = extract_tasks(letter(
        "Bộ Y tế chủ trì, phối hợp với các địa phương báo cáo Thủ tướng Chính phủ trong tháng 3 "
        "năm 2026 các vấn đề sau:\n\n- Tình hình nhân lực y tế.\n\n- Giải pháp bảo đảm thuốc."),
        issued=D2026).proposals
    assert [(t.lead, t.deadline) for t in tasks] == [(["BYT"], date(2026, 3, 31))]
    # a list of tasks ("thực hiện các nội dung sau:") stays a list
    listed = extract_tasks(letter("Bộ Y tế thực hiện các nội dung sau:\n\n- Xây dựng Đề án.\n\n"
                                  "- Ban hành Thông tư."), issued=D2026).proposals
    assert len(listed) == 2


# -- the plan a decision issues: items with labelled lines ---------------------------------

PLAN = ("QUYẾT ĐỊNH\nSố: 7/QĐ-TTg\nHà Nội, ngày 05 tháng 01 năm 2026\n"
        "QUYẾT ĐỊNH:\nĐiều 1. Ban hành kèm theo Quyết định này Kế hoạch.\n"
        "Điều 2. Quyết định này có hiệu lực thi hành từ ngày ký.\n\n"
        "Nơi nhận:\n- Như Điều 2;\n- Lưu: VT.\n\nTHỦ TƯỚNG\n\nKẾ HOẠCH\nTRIỂN KHAI THI HÀNH LUẬT\n"
        "*(Kèm theo Quyết định số 7/QĐ-TTg ngày 05 tháng 01 năm 2026 của Thủ tướng Chính phủ)*\n\n"
        "I. MỤC ĐÍCH, YÊU CẦU\n\n- Xác định cụ thể nội dung công việc.\n\nII. NỘI DUNG\n\n"
        "1. Tổ chức tập huấn chuyên\nsâu về bảo vệ dữ liệu\n"
        "- Cơ quan chủ trì: Bộ Công\nan.\n"
        "- Cơ quan phối hợp: các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ và Ủy ban nhân "
        "dân các tỉnh, thành phố trực thuộc trung ương.\n"
        "- Thời gian thực hiện: năm\n2026 và các năm tiếp theo.\n"
        "2. Xây dựng Nghị định của\nChính phủ\n"
        "- Nghị định quy định chi tiết\n+ Cơ quan chủ trì: Bộ Tư pháp.\n"
        "+ Cơ quan phối hợp: Văn phòng Chính phủ.\n+ Thời hạn ban hành: trước ngày 01 tháng 7 năm 2026.\n"
        "3. Xây dựng Cổng thông tin\n- Cơ quan thực hiện: Bộ Công an.\n"
        "- Thời gian thực hiện: năm 2026 - 2027.\n"
        "4. Rà soát văn bản\n- Cơ quan thực hiện: Bộ Công an.\n- Thời gian thực hiện:\n"
        "+ Các bộ, cơ quan ngang bộ, Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương "
        "gửi kết quả về Bộ Công an trước ngày 15 tháng 3 năm 2026.\n"
        "+ Bộ Công an tổng hợp, báo cáo Thủ tướng Chính phủ trước ngày 31 tháng 3 năm 2026.\n\n"
        "III. TỔ CHỨC THỰC HIỆN\n\n"
        "1. Bộ trưởng, Chủ tịch Ủy ban nhân dân các tỉnh chịu trách nhiệm thực hiện Kế hoạch này.\n\n"
        "2. Căn cứ nội dung Kế hoạch này, các bộ và Ủy ban nhân dân các tỉnh, thành phố trực "
        "thuộc trung ương xây dựng kế hoạch chi tiết.\n\n"
        "3. Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị các bộ phản ánh về "
        "Bộ Công an.\n")


def test_an_item_of_a_plan_with_labelled_lines_is_one_task_with_its_fields() -> None:
    tasks = extract_tasks(PLAN, issued=D2026).proposals
    got = [(t.lead[:1] if len(t.lead) < 20 else ["ALL"], t.partners[:1] if len(t.partners) < 20
            else ["ALL"], t.deadline, t.recurring) for t in tasks]
    assert got == [
        (["BCA"], ["ALL"], None, True),                         # "năm 2026 và các năm tiếp theo"
        (["BTP"], ["VPCP"], date(2026, 7, 1), False),           # "+" lines under "- Nghị định …"
        (["BCA"], [], date(2027, 12, 31), False),               # "năm 2026 - 2027"
        (["ALL"], [], date(2026, 3, 15), False),                # a time line naming its own lead
        (["BCA"], [], date(2026, 3, 31), False),
        (["ALL"], [], None, False),                             # "Căn cứ …, các bộ và UBND …"
    ]
    assert tasks[0].source_passage.startswith("1. Tổ chức tập huấn chuyên sâu")
    assert tasks[0].partners_other == ["các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ"]
    # the aims, the accountability formula and "nếu có khó khăn, vướng mắc" yield nothing
    assert not any("Xác định cụ thể" in t.source_passage or "chịu trách nhiệm" in t.source_passage
                   or "vướng mắc" in t.source_passage for t in tasks)


def test_labelled_lines_without_a_lead_or_a_time_are_no_plan_item() -> None:
    body = ("1. Bộ Y tế xây dựng Đề án:\n- Nội dung: khám sức khỏe định kỳ.\n"
            "- Xây dựng Thông tư hướng dẫn.\n")
    assert [t.lead for t in extract_tasks(letter(body), issued=D2026).proposals] == [["BYT"]]


def test_the_provinces_listed_after_a_colon_lead_and_only_they() -> None:
    day = date(2025, 11, 23)
    hierarchy = default_hierarchy()
    codes = [hierarchy.resolve(n, on=day).code for n in ("Đắk Lắk", "Khánh Hòa", "Gia Lai")]
    tasks = extract_tasks(letter(
        "1. Bí thư tỉnh ủy và Chủ tịch Ủy ban nhân dân các tỉnh: Đắk Lắk, Khánh Hòa và Gia Lai "
        "tập trung một số nhiệm vụ sau:\n\n(1) Huy động các lực lượng tiếp cận các hộ dân.\n\n"
        "(2) Bố trí chỗ ở tạm, hoàn thành trước ngày 30/11/2025; xây mới nhà cho các hộ, hoàn "
        "thành trước ngày 31/01/2026.", day="23 tháng 11 năm 2025"), issued=day).proposals
    assert [(t.lead, t.deadline) for t in tasks] == [
        (codes, None), (codes, date(2025, 11, 30)), (codes, date(2026, 1, 31))]
    # "các tỉnh, thành phố trực thuộc Trung ương" without a list is every province
    every = only("Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương huy động lực lượng.",
                 day=day)
    assert len(every.lead) > 30


def test_partners_after_every_cue_a_named_deputy_pm_and_bodies_with_a_dash() -> None:
    two = only("Bộ Xây dựng chủ trì, phối hợp với Văn phòng Chính phủ, Bộ Tài chính rà soát danh mục; "
               "phối hợp với Đài Truyền hình Việt Nam xây dựng kịch bản.")
    assert two.partners == ["VPCP", "BTC"] and "Đài Truyền hình Việt Nam" in two.partners_other
    assert only("Bộ Tài chính chủ trì cùng Bộ Xây dựng rà soát, đánh giá.").partners == ["BXD"]
    pm = only("Giao Phó Thủ tướng Chính phủ Trần Hồng Hà trực tiếp chỉ đạo công tác chuẩn bị.")
    assert pm.lead_other == ["Phó Thủ tướng Chính phủ Trần Hồng Hà"]
    groups = only("Tập đoàn Công nghiệp - Viễn thông Quân đội,\nTập đoàn Bưu chính Viễn thông Việt "
                  "Nam chủ trì chuẩn bị điều kiện kỹ thuật.")
    assert groups.lead_other == ["Tập đoàn Công nghiệp - Viễn thông Quân đội",
                                 "Tập đoàn Bưu chính Viễn thông Việt Nam"]


def test_a_line_going_on_with_a_quotation_or_after_a_colon_is_joined() -> None:
    text = clean_text("kêu gọi phát huy tinh thần *làm việc\n“3 ca, 4 kíp”* để hoàn thành; gửi "
                      "báo cáo, trong đó: thống kê các dự án:\ntên, loại hình, quy mô.")
    assert "\n" not in text
