"""The shipped programme "Kinh tế số – Xã hội số 2026–2030", checked the way a reviewer reads
it against notice 4/TB-VPCP, the press reports and the MoST slides: who leads what, by when,
which figures were reported and where each target comes from."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from sodo.domain.programme import Comparator, Programme, Target
from sodo.services.lint import has_errors, lint_programme
from sodo.services.programme import LoadedProgramme, default_programme_path, load_programme

NOTICE = "4/TB-VPCP"
PRESS = "VTC News 20/12/2025"
SLIDES = "Slide Bộ KHCN về kết quả chuyển đổi số quốc gia"


@pytest.fixture(scope="module")
def loaded() -> LoadedProgramme:
    return load_programme()  # raises InputError, listing every problem, if any


@pytest.fixture(scope="module")
def programme(loaded: LoadedProgramme) -> Programme:
    return loaded.programme


def test_loads_with_no_problems_and_lints_without_errors(loaded: LoadedProgramme) -> None:
    prog = loaded.programme
    assert prog.code == "KTS-XHS-2026-2030"
    assert prog.name == "Kinh tế số – Xã hội số 2026–2030"
    findings = lint_programme(loaded, today=date(2026, 1, 6))
    assert not has_errors(findings), [str(p) for p in findings if p.severity == "error"]


# --------------------------------------------------------------------------------------------
# Tasks: section IV of 4/TB-VPCP, item by item
# --------------------------------------------------------------------------------------------

# (task id, lead, partners, due date or None, approving authority)
TASKS = [
    ("TB4-IV-1-i", ["VN"], [], None, ""),
    ("TB4-IV-1-ii", ["VN"], [], None, ""),
    ("TB4-IV-1-iii", ["VN"], [], None, ""),
    ("TB4-IV-1-iv", ["VN"], [], None, ""),
    ("TB4-IV-1-v", ["VN"], [], None, ""),
    ("TB4-IV-2-i", ["BKHCN"], [], None, ""),
    ("TB4-IV-2-ii", ["BKHCN"], [], date(2025, 12, 31), "Thủ tướng Chính phủ"),
    ("TB4-IV-2-iii", ["BCA"], [], date(2026, 1, 31), ""),
    ("TB4-IV-2-iv", ["VN"], [], None, ""),
    ("TB4-IV-3-i", ["VN"], [], None, ""),
    ("TB4-IV-3-ii", ["BGDDT"], ["BKHCN"], None, ""),
    ("TB4-IV-3-iii", ["BGDDT"], ["BNV", "BKHCN"], date(2026, 3, 31), "Thủ tướng Chính phủ"),
    ("TB4-IV-4-i-a", ["BKHCN"], [], date(2026, 1, 31), "Thủ tướng Chính phủ"),
    ("TB4-IV-4-i-b", ["BKHCN"], [], date(2026, 3, 31), ""),
    ("TB4-IV-4-ii", ["BTC"], [], None, ""),
    ("TB4-IV-5-i", ["BCA"], [], None, ""),
    ("TB4-IV-5-ii", ["BCT"], [], None, ""),
    ("TB4-IV-6-i", ["BKHCN"], [], None, ""),
    ("TB4-IV-6-ii", ["VN"], [], None, ""),
    ("VTC-20251220-AN-NINH-MANG", ["BCA", "BQP"], [], None, ""),
    ("VTC-20251220-VAN-HOA-SO", ["VN"], [], None, ""),
]


def test_every_item_of_section_iv_is_a_task(programme: Programme) -> None:
    notice_tasks = {t.id for t in programme.tasks if t.source and t.source.document == NOTICE}
    assert notice_tasks == {row[0] for row in TASKS if row[0].startswith("TB4-")}
    # one group per numbered item IV.1 … IV.6
    groups = {t.group.split()[0] for t in programme.tasks if t.id.startswith("TB4-")}
    assert groups == {f"IV.{n}" for n in range(1, 7)}


@pytest.mark.parametrize(("task_id", "lead", "partners", "due", "authority"), TASKS)
def test_task_lead_partners_deadline_authority(
    programme: Programme, task_id: str, lead: list[str], partners: list[str], due: date | None,
    authority: str,
) -> None:
    task = programme.task(task_id)
    assert task.lead == lead
    assert task.partners == partners
    assert task.due.due == due
    assert task.authority == authority
    assert task.source is not None and task.source.passage


@pytest.mark.parametrize(
    ("task_id", "partners_other"),
    [
        ("TB4-IV-2-i", []),  # the ministries are co-assignees there, not partners
        ("TB4-IV-2-iii", ["các đơn vị liên quan"]),
        ("TB4-IV-3-ii", ["các trường, doanh nghiệp"]),
        ("TB4-IV-3-iii", ["các đơn vị liên quan"]),
        ("TB4-IV-4-ii", ["các bộ, ngành"]),
        ("TB4-IV-6-i", ["doanh nghiệp công nghệ"]),
        ("TB4-IV-5-i", []),
    ],
)
def test_partners_that_are_not_org_units(
    programme: Programme, task_id: str, partners_other: list[str]
) -> None:
    assert programme.task(task_id).partners_other == partners_other


def test_data_economy_framework_is_led_by_the_ministry_of_public_security(
    programme: Programme,
) -> None:
    task = programme.task("TB4-IV-2-iii")
    assert task.lead == ["BCA"]
    assert task.due.due == date(2026, 1, 31)
    assert task.deliverable == "Khung Kinh tế dữ liệu quốc gia và lộ trình triển khai"
    assert "Hoàn thành trong tháng 01/2026" in task.source.note


def test_ai_occupations_report_goes_to_the_prime_minister_in_quarter_one(
    programme: Programme,
) -> None:
    task = programme.task("TB4-IV-3-iii")
    assert task.lead == ["BGDDT"]
    assert set(task.partners) == {"BNV", "BKHCN"}
    assert task.due.due == date(2026, 3, 31)
    assert task.authority == "Thủ tướng Chính phủ"
    assert task.deliverable.startswith("Báo cáo tổng thể về các ngành, nghề bị ảnh hưởng")


def test_sme_scheme_and_its_action_plan_are_two_tasks(programme: Programme) -> None:
    scheme, plan = programme.task("TB4-IV-4-i-a"), programme.task("TB4-IV-4-i-b")
    assert scheme.deliverable == "Đề án hỗ trợ doanh nghiệp nhỏ và vừa chuyển đổi số"
    assert scheme.due.period is not None and scheme.due.period.id == "2026-01"
    assert plan.due.period is not None and plan.due.period.id == "2026Q1"
    assert plan.depends_on == [scheme.id]
    assert plan.deliverable.startswith("Kế hoạch hành động triển khai Đề án")


@pytest.mark.parametrize(
    ("task_id", "adverb"),
    [
        ("TB4-IV-1-i", "sớm"),
        ("TB4-IV-2-i", "khẩn trương"),
        ("TB4-IV-3-ii", "nhanh chóng"),
        ("TB4-IV-5-ii", "sớm"),
        ("TB4-IV-4-ii", "không nêu thời hạn"),
        ("TB4-IV-5-i", "không nêu thời hạn"),
        ("TB4-IV-6-i", "không nêu thời hạn"),
    ],
)
def test_undated_tasks_keep_the_notices_adverb(
    programme: Programme, task_id: str, adverb: str
) -> None:
    task = programme.task(task_id)
    assert task.deadline is None and task.due.due is None and not task.due.recurring
    assert adverb in task.deadline_note
    if adverb != "không nêu thời hạn":
        assert adverb in task.source.passage.lower()


def test_every_task_without_a_date_says_why(programme: Programme) -> None:
    for task in programme.tasks:
        if task.due.due is None:
            assert task.deadline_note, task.id


def test_binh_dan_hoc_vu_so_has_no_deadline_as_the_notice_gives_none(
        programme: Programme) -> None:
    task = programme.task("TB4-IV-6-ii")
    assert task.deadline is None and not task.due.is_set
    assert task.deadline_note == "không nêu thời hạn"
    assert "Bình dân học vụ số" in task.work
    assert task.lead == ["VN"] and task.lead_note


@pytest.mark.parametrize("task_id", [r[0] for r in TASKS if r[3] is not None])
def test_dated_deadlines_are_the_notices_words(programme: Programme, task_id: str) -> None:
    task = programme.task(task_id)
    assert task.deadline in task.source.passage


def test_press_report_adds_the_cybersecurity_task(programme: Programme) -> None:
    task = programme.task("VTC-20251220-AN-NINH-MANG")
    assert task.source.document == PRESS
    assert task.source.issued == date(2025, 12, 20)
    assert "Công ước Hà Nội" in task.work
    assert "dữ liệu cá nhân" in task.work


def test_collective_leads_are_named_in_words(programme: Programme) -> None:
    for task in programme.tasks:
        if task.lead == ["VN"]:
            assert "bộ, ngành, địa phương" in task.lead_note, task.id


def test_task_dependencies_exist(programme: Programme) -> None:
    ids = {t.id for t in programme.tasks}
    for task in programme.tasks:
        assert set(task.depends_on) <= ids


# --------------------------------------------------------------------------------------------
# Data values: the 2025 results the seeds quantify
# --------------------------------------------------------------------------------------------

# (indicator, period, category, source document, value, estimate)
VALUES = [
    ("coverage_5g_population", "2025", "", NOTICE, 59, True),
    ("coverage_5g_population", "2025", "", SLIDES, 39.52, False),
    ("stations_5g", "2025", "", SLIDES, 16.7, False),
    ("mobile_internet_speed_rank_world", "2025", "", NOTICE, 20, False),
    ("mobile_internet_speed_rank_world", "2025", "", SLIDES, 20, False),
    ("fixed_internet_speed_rank_world", "2025", "", SLIDES, 11, False),
    ("data_centres", "2025", "", SLIDES, 45, False),
    ("data_centres", "2025", "thương mại", SLIDES, 32, False),
    ("data_centres", "2025", "nội bộ", SLIDES, 13, False),
    ("digital_tech_enterprises", "2020", "", NOTICE, 58, False),
    ("digital_tech_enterprises", "2025", "", NOTICE, 80, True),
    ("digital_tech_exports", "2025", "", NOTICE, 172, True),
    ("ecommerce_revenue", "2025", "", NOTICE, 36, True),
    ("cashless_payment_value_gdp_multiple", "2025", "", NOTICE, 26, True),
    ("cashless_transactions", "2025", "", NOTICE, 20.2, True),
    ("health_facilities_chip_id_share", "2025", "", NOTICE, 100, False),
    ("social_payment_beneficiaries", "2025", "", NOTICE, 3, True),
    ("social_payment_amount", "2025", "", NOTICE, 40, False),
    ("dossier_full_online_share", "2025-11", "", SLIDES, 51.7, False),
    ("dossier_full_online_share", "2025-11", "khối bộ", SLIDES, 73.35, False),
    ("dossier_full_online_share", "2025-11", "khối tỉnh", SLIDES, 21.17, False),
]


def test_values_are_exactly_the_seed_figures(programme: Programme) -> None:
    shipped = sorted((v.indicator, v.period, v.category, v.source.document) for v in
                     programme.values)
    assert shipped == sorted(row[:4] for row in VALUES)


@pytest.mark.parametrize(("indicator", "period", "category", "document", "value", "estimate"),
                         VALUES)
def test_value(programme: Programme, indicator: str, period: str, category: str,
               document: str, value: float, estimate: bool) -> None:
    [found] = [v for v in programme.values if (v.indicator, v.period, v.category,
                                                v.source.document) ==
               (indicator, period, category, document)]
    assert found.orgunit == "VN"
    assert found.value == pytest.approx(value)
    assert found.estimate is estimate
    assert found.source.passage


def _vi_number(value: float) -> str:
    """How the Vietnamese sources write a figure: 51,7 / 73,35 / 172."""
    return f"{value:g}".replace(".", ",")


@pytest.mark.parametrize("row", VALUES)
def test_each_value_is_in_its_quoted_passage(programme: Programme, row: tuple) -> None:
    value = row[4]
    [found] = [v for v in programme.values if (v.indicator, v.period, v.category,
                                                v.source.document) == row[:4]]
    passage = found.source.passage
    assert _vi_number(value) in passage or f"{value:g}" in passage


def test_both_5g_values_are_kept_with_their_sources(programme: Programme) -> None:
    coverage = [v for v in programme.values if v.indicator == "coverage_5g_population"]
    assert {v.value for v in coverage} == {59, 39.52}
    assert len({v.source.document for v in coverage}) == 2
    notice = next(v for v in coverage if v.source.document == NOTICE)
    slides = next(v for v in coverage if v.source.document == SLIDES)
    assert notice.source.issued == date(2026, 1, 5)
    assert "39,52" in notice.note and "59" in slides.note


def test_no_november_2024_value_is_derived_from_the_slides_increase(
        programme: Programme) -> None:
    """The slide says "tăng 12,42%" (points or relative, it does not say): no 2024 value is made
    up from it; the November 2025 value says why."""
    assert not [v for v in programme.values
                if v.indicator == "dossier_full_online_share" and v.period == "2024-11"]
    [national] = [v for v in programme.values if v.indicator == "dossier_full_online_share"
                  and v.period == "2025-11" and not v.category]
    assert "tăng 12,42%" in national.note and "không được" in national.note


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------

def test_every_target_is_on_a_known_indicator_with_value_deadline_and_source(
    programme: Programme,
) -> None:
    codes = {i.code for i in programme.indicators}
    assert len(programme.targets) >= 40
    for target in programme.targets:
        assert target.indicator in codes, target.id
        assert target.orgunit == "VN"
        assert (target.value is not None) is not target.qualitative and target.deadline, target.id
        assert target.title, target.id
        src = target.source
        assert src is not None and src.document and src.issued, target.id


def _has_vietnamese_letters(text: str) -> bool:
    return any(ord(c) > 127 and c.isalpha() for c in text)


def test_a_passage_holds_the_documents_own_words_or_nothing(programme: Programme) -> None:
    """The seeds are Vietnamese: a passage is Vietnamese, never the team's English notes or a
    table row; targets known only from public summaries carry no passage."""
    quoted = [t for t in programme.targets if t.source.passage]
    assert len(quoted) >= 13
    for target in programme.targets:
        passage = target.source.passage
        assert not passage or (_has_vietnamese_letters(passage) and "|" not in passage), target.id
        if target.source.document in ("03/NQ-CP", "411/QĐ-TTg"):
            assert not passage and "Ghi chép của nhóm" in target.note, target.id


def test_ranking_targets_record_that_the_slide_gives_no_stage(programme: Programme) -> None:
    ranking = [t for t in programme.targets if t.id.startswith("QD2629-") and "EGOV" in t.id]
    assert len(ranking) == 4
    for target in ranking:
        assert "không nêu giai đoạn" in target.note, target.id
        assert ("(Theo LHQ)" in target.title) is (target.deadline == "2027"), target.id


def test_qualitative_cybersecurity_target_and_the_decisions_structure(
        programme: Programme) -> None:
    [cyber] = [t for t in programme.targets if t.qualitative]
    assert cyber.title == "Việt Nam là trung tâm An ninh mạng hàng đầu Châu Á"
    assert cyber.value is None and cyber.source.passage == cyber.title
    [decision] = [s for s in programme.sources if s.document == "2629/QĐ-TTg"]
    for words in ("22 chỉ tiêu", "10 cho giai đoạn 2025–2027", "12 cho giai đoạn", "9 nhóm",
                  "7 quan điểm", "3 trong 10", "5 trong 12"):
        assert words in decision.note, words
    [resolution] = [s for s in programme.sources if s.document == "57-NQ/TW"]
    assert "55%-60%" in resolution.note


def test_satisfaction_and_digitisation_targets_name_what_measures_them(
        programme: Programme) -> None:
    for target_id in ("QD2629-2027-HAI-LONG", "QD2629-2030-HAI-LONG"):
        note = programme_target(programme, target_id).note
        assert "không phải chỉ số 5.4" in note
    assert "không phải chỉ số 5.4" in programme.indicator("dossier_satisfaction_rate").method
    assert "4.2" in programme.indicator("dossier_digitized_rate").method
    assert "giải quyết" in programme.indicator("dossier_full_online_share").name
    baseline = programme_target(programme, "NQ03-2030-PHU-SONG-5G").baseline
    assert baseline is not None and baseline.value == 59 and baseline.estimate


def programme_target(programme: Programme, target_id: str) -> Target:
    return next(t for t in programme.targets if t.id == target_id)


# (target id, indicator, value, comparator, deadline, stage)
TARGETS_2629 = [
    ("QD2629-2027-DVCTT-TOAN-TRINH", "full_online_service_share", 100, ">=", "2027", "2025..2027"),
    ("QD2629-2027-CUNG-CAP-MOT-LAN", "once_only_information_share", 100, ">=", "2027",
     "2025..2027"),
    ("QD2629-2027-HAI-LONG", "dossier_satisfaction_rate", 95, ">=", "2027", "2025..2027"),
    ("QD2629-2030-HAI-LONG", "dossier_satisfaction_rate", 99, ">=", "2030", "2028..2030"),
    ("QD2629-2030-AI-CA-THE-HOA", "ai_personalised_service_share", 50, ">=", "2030",
     "2028..2030"),
    ("QD2629-2030-DU-LIEU-MO", "open_data_standard_share", 100, ">=", "2030", "2028..2030"),
    ("QD2629-2030-SO-HOA-HO-SO", "dossier_digitized_rate", 100, ">=", "2030", "2028..2030"),
    ("QD2629-2030-TAI-SU-DUNG", "dossier_reuse_rate", 80, ">=", "2030", "2028..2030"),
    ("QD2629-2027-EGOV-ASEAN", "egov_rank_asean", 4, "<=", "2027", "2025..2027"),
    ("QD2629-2027-EGOV-THE-GIOI", "egov_rank_world", 60, "<=", "2027", "2025..2027"),
    ("QD2629-2030-EGOV-ASEAN", "egov_rank_asean", 3, "<=", "2030", "2028..2030"),
    ("QD2629-2030-EGOV-THE-GIOI", "egov_rank_world", 50, "<=", "2030", "2028..2030"),
]


@pytest.mark.parametrize(("target_id", "indicator", "value", "comparator", "deadline", "stage"),
                         TARGETS_2629)
def test_decision_2629_targets_named_in_the_seeds(
    programme: Programme, target_id: str, indicator: str, value: float, comparator: str,
    deadline: str, stage: str,
) -> None:
    [target] = [t for t in programme.targets if t.id == target_id]
    assert (target.indicator, target.value, target.comparator, target.deadline, target.stage) == (
        indicator, value, Comparator(comparator), deadline, stage)
    assert target.source.document == "2629/QĐ-TTg"
    assert target.source.issued == date(2025, 12, 1)
    assert _vi_number(value) in target.source.passage


def test_rankings_are_lower_is_better(programme: Programme) -> None:
    for target in programme.targets:
        indicator = programme.indicator(target.indicator)
        if indicator.value_type == "rank":
            assert indicator.direction == "lower"
            assert target.comparator == Comparator.LE, target.id


def test_public_summary_and_transcription_targets_carry_their_caveats(
    programme: Programme,
) -> None:
    by_doc: dict[str, list] = {}
    for target in programme.targets:
        by_doc.setdefault(target.source.document, []).append(target)
    summary_2629 = [t for t in by_doc["2629/QĐ-TTg"] if "tóm tắt công khai" in t.source.note]
    assert {t.indicator for t in summary_2629} == {
        "shared_platforms_deployed_share", "electronic_work_files_share",
        "digitised_reporting_regime_share", "government_tasks_tracked_online_share"}
    assert len(by_doc["03/NQ-CP"]) == 19
    for target in by_doc["03/NQ-CP"]:
        assert target.deadline == "2030"
        assert "dự thảo" in target.source.note and "71/NQ-CP" in target.source.note
    assert {t.deadline for t in by_doc["411/QĐ-TTg"]} == {"2025", "2030"}
    assert len(by_doc["411/QĐ-TTg"]) == 16


def test_conflicting_targets_are_both_kept(programme: Programme) -> None:
    full_online = {(t.source.document, t.deadline, t.value) for t in programme.targets
                   if t.indicator == "full_online_service_share"}
    assert full_online == {("2629/QĐ-TTg", "2027", 100), ("03/NQ-CP", "2030", 90)}
    usage_2030 = {(t.source.document, t.value, t.comparator) for t in programme.targets
                  if t.indicator == "online_public_service_usage_rate" and t.deadline == "2030"}
    assert usage_2030 == {("03/NQ-CP", 80, Comparator.GE), ("411/QĐ-TTg", 70, Comparator.GT)}


def test_5g_target_has_the_2025_baseline_from_the_notice(programme: Programme) -> None:
    [target] = [t for t in programme.targets if t.id == "NQ03-2030-PHU-SONG-5G"]
    assert target.value == 99 and target.deadline == "2030"
    assert target.baseline is not None
    assert (target.baseline.period, target.baseline.value) == ("2025", 59)
    assert target.baseline.source.document == NOTICE
    assert "39,52" in target.baseline.source.note


# --------------------------------------------------------------------------------------------
# Indicators, sources, text
# --------------------------------------------------------------------------------------------

COMPUTED = ["dossier_full_online_share", "dossier_online_share", "dossier_online_payment_rate",
            "dossier_digitized_rate", "dossier_reuse_rate", "dossier_satisfaction_rate"]


@pytest.mark.parametrize("code", COMPUTED)
def test_computed_dossier_ratios(programme: Programme, code: str) -> None:
    indicator = programme.indicator(code)
    assert indicator.obtained == "computed"
    assert indicator.unit == "%"
    assert (indicator.aggregation_time, indicator.aggregation_hierarchy) == ("ratio", "ratio")


def test_computed_count_and_index_score(programme: Programme) -> None:
    count, score = programme.indicator("dossier_count"), programme.indicator("svc766_total")
    assert (count.value_type, count.aggregation_time, count.aggregation_hierarchy) == (
        "count", "sum", "sum")
    assert (score.value_type, score.aggregation_time, score.aggregation_hierarchy) == (
        "score", "none", "none")
    assert score.name == "Điểm Bộ chỉ số 766"
    assert programme.indicator("dossier_full_online_share").name == (
        "Tỷ lệ hồ sơ trực tuyến toàn trình trên tổng hồ sơ giải quyết")


def test_every_indicator_is_described_and_used(programme: Programme) -> None:
    used = {t.indicator for t in programme.targets} | {v.indicator for v in programme.values}
    for indicator in programme.indicators:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", indicator.code), indicator.code
        assert indicator.name and indicator.name_en and indicator.unit and indicator.method
        assert indicator.area, indicator.code
        assert indicator.code in used or indicator.obtained == "computed", indicator.code


def test_programme_lists_every_cited_document(programme: Programme) -> None:
    listed = {s.document for s in programme.sources}
    cited = ({t.source.document for t in programme.targets}
             | {v.source.document for v in programme.values}
             | {t.source.document for t in programme.tasks}
             | {i.source.document for i in programme.indicators if i.source})
    assert cited <= listed, cited - listed


@pytest.mark.parametrize("path", sorted(default_programme_path().glob("*.yaml")),
                         ids=lambda p: p.name)
def test_programme_files_are_nfc(path: Path) -> None:
    # The loader normalises what it reads, so check the files themselves.
    text = path.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)
    assert "\ufffd" not in text


def test_766_configuration_adds_up_and_carries_the_feedback_time_limits() -> None:
    from sodo.services.engine.definitions import load_engine_config
    from sodo.services.programme import default_programme_path

    config = load_engine_config(default_programme_path())
    index = config.index
    assert index is not None
    g4 = sum(i.max for i in index.indicators if i.group == "G4" and not i.display)
    assert g4 == 18  # 4.5a (catalogue) is not computable from dossiers
    assert sum(i.max for i in index.indicators if not i.display) == 80
    assert index.by_id("5.2").deadlines == {"rejection": 2, "supplement_request": 5,
                                             "handling": 15, "publication": 2}
    # one definition of "dossiers digitised": the computed rate is 4.2's rate
    digitised = next(c for c in config.indicators if c.code == "dossier_digitized_rate")
    rate = index.by_id("4.2").rate_indicator()
    assert (digitised.numerator, digitised.denominator) == (rate.numerator, rate.denominator)


def test_every_indicator_has_names_unit_definition_and_source() -> None:
    """Every value a user can see belongs to an indicator the API serves with names (vi, en),
    unit, definition and source: the programme's own and those the 766 index produces
    (components' rates and points, groups, total, rank)."""
    from sodo.services.catalogue import for_files

    cat = for_files(default_programme_path())
    codes = {i.code for i in cat.programme.indicators}
    assert {"svc766_2_1", "svc766_2_1_score", "svc766_g1", "svc766_total",
            "svc766_rank"} <= codes
    missing = {}
    for ind in cat.programme.indicators:
        gaps = [f for f in ("name", "name_en", "unit") if not getattr(ind, f)]
        if not (ind.method or ind.description):
            gaps.append("definition")
        if ind.source is None or not ind.source.document:
            gaps.append("source")
        if gaps:
            missing[ind.code] = gaps
    assert missing == {}, missing
    # a rate is a percentage, its points are points
    assert cat.indicator("svc766_2_1").unit == "%"
    assert cat.indicator("svc766_2_1_score").unit == "điểm"
