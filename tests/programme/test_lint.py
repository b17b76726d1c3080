"""Each lint rule shown to fire on a task or target that breaks it, and to stay quiet on one
that keeps it."""

from datetime import date

import pytest

from sodo.domain.orgunits import default_hierarchy
from sodo.domain.programme import Indicator, Programme, Source, Target, Task
from sodo.services.lint import target_findings, task_findings

GOOD_TASK = dict(
    id="NV", title="Xây dựng Khung Kinh tế dữ liệu quốc gia", lead=["BCA"],
    responsible="Thứ trưởng phụ trách", deadline="trong tháng 01/2026",
    authority="Thủ tướng Chính phủ", deliverable="Quyết định ban hành Khung",
    source=Source(document="4/TB-VPCP", issued=date(2026, 1, 5)),
)


def rules(findings) -> dict[str, str]:
    return {rule: str(sev) for sev, rule, _ in findings}


def test_a_task_with_all_six_clear_has_no_findings():
    assert task_findings(Task(**GOOD_TASK), default_hierarchy()) == []


@pytest.mark.parametrize(
    ("change", "rule", "severity"),
    [
        ({"lead": []}, "rõ người", "error"),
        ({"lead": ["VN"], "lead_note": "Các bộ, ngành, địa phương"}, "rõ người", "warning"),
        ({"lead": ["BCA", "BQP"]}, "rõ người", "warning"),
        ({"lead": ["BTTTT"]}, "rõ người", "warning"),
        ({"title": "", "work": ""}, "rõ việc", "error"),
        ({"deadline": None}, "rõ thời gian", "error"),
        ({"deadline": None, "deadline_note": "khẩn trương"}, "rõ thời gian", "warning"),
        ({"deadline": "trong tháng 12/2025"}, "rõ thời gian", "warning"),
        ({"responsible": ""}, "rõ trách nhiệm", "warning"),
        ({"authority": ""}, "rõ thẩm quyền", "warning"),
        ({"deliverable": ""}, "rõ kết quả", "warning"),
        ({"source": None}, "nguồn", "warning"),
    ],
)
def test_each_six_clear_rule_fires(change, rule, severity):
    findings = task_findings(Task(**{**GOOD_TASK, **change}), default_hierarchy())
    assert rules(findings) == {rule: severity}, findings


def test_a_ceased_lead_names_its_successor():
    findings = task_findings(Task(**{**GOOD_TASK, "lead": ["BTTTT"]}), default_hierarchy())
    assert "BKHCN" in findings[0][2]


def test_recurring_task_needs_no_date():
    task = Task(**{**GOOD_TASK, "deadline": "Thường xuyên"})
    assert task_findings(task, default_hierarchy()) == []


INDICATOR = Indicator(code="dvc", name="Tỷ lệ DVC toàn trình", unit="%", value_type="percent",
                      method="Hồ sơ toàn trình / tổng hồ sơ")
GOOD_TARGET = dict(id="T", indicator="dvc", value=80, deadline="2030",
                   baseline={"period": "2025", "value": 51.7},
                   source=Source(document="2629/QĐ-TTg"))


def target_rules(change=None, indicator=INDICATOR):
    prog = Programme(code="P", name="P", indicators=[indicator])
    target = Target(**{**GOOD_TARGET, **(change or {})})
    return rules(target_findings(target, prog, date(2026, 1, 1)))


def test_a_clear_quantified_target_has_no_findings():
    assert target_rules() == {}


@pytest.mark.parametrize(
    ("change", "rule", "severity"),
    [
        ({"value": None}, "định lượng", "error"),
        ({"value": 120}, "định lượng", "error"),
        ({"deadline": None}, "rõ ràng", "error"),
        ({"comparator": "<="}, "rõ ràng", "warning"),
        ({"baseline": None}, "đường cơ sở", "warning"),
        ({"baseline": {"period": "2031", "value": 1}}, "đường cơ sở", "error"),
        ({"milestones": [{"period": "2029", "value": 70}, {"period": "2027", "value": 60}]},
         "mốc", "warning"),
        ({"source": None}, "nguồn", "warning"),
    ],
)
def test_each_target_rule_fires(change, rule, severity):
    assert target_rules(change) == {rule: severity}


def test_indicator_without_unit_or_method_is_unclear():
    vague = Indicator(code="dvc", name="x", value_type="percent")
    found = target_findings(Target(**GOOD_TARGET),
                            Programme(code="P", name="P", indicators=[vague]), date(2026, 1, 1))
    assert [(r, m.split(" has ")[1]) for _, r, m in found] == [
        ("rõ ràng", "no unit"), ("rõ ràng", "no measurement method")]


def test_ordered_milestones_inside_the_span_are_fine():
    change = {"milestones": [{"period": "2027", "value": 60}, {"period": "2029", "value": 70}]}
    assert target_rules(change) == {}
