"""Plan quality: "khả thi" (feasible) and "đột phá" (breakthrough), with hand-worked numbers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from sodo.domain.assessment.plan_quality import (
    RULE_BREAKTHROUGH,
    RULE_FEASIBLE,
    plan_quality_problems,
    yearly_values,
)
from sodo.domain.problems import Severity
from sodo.domain.programme import Programme
from sodo.services.assessment import plan_history
from sodo.services.programme import load_programme

from .conftest import add_values

# Online dossiers: 2022 = 30, 2023 = 38, 2024 = 43, 2025 = 50.
# Yearly paces: +8 (2022→2023), +5, +7 → best +8.
# Trend over t = 2023..2026: mean t 2024.5, mean x 40.25; sxy = 1.5·9.75 + 0.5·2.75 + 0.5·2.25
# + 1.5·10.25 = 32.5, sxx = 5, slope 6.5; at the end of 2027 (t = 2028): 40.25 + 6.5·3.5 = 63.
HISTORY = [("2022", 30.0), ("2023", 38.0), ("2024", 43.0), ("2025", 50.0)]


def programme(targets: list[dict], values: list[dict] | None = None) -> Programme:
    return Programme.model_validate({
        "code": "Q", "name": "Chất lượng kế hoạch",
        "indicators": [
            {"code": "DVC", "name": "Hồ sơ trực tuyến", "unit": "%", "value_type": "percent"},
            {"code": "DAYS", "name": "Thời gian giải quyết", "unit": "ngày",
             "direction": "lower"},
        ],
        "targets": targets,
        "values": values or [],
    })


def rules(problems: list) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for problem in problems:
        out.setdefault(problem.object, set()).add(problem.rule)
    return out


def test_feasible_and_breakthrough_against_history() -> None:
    prog = programme([
        # needs (90 − 50)/2 = 20/year > 8 → not feasible; 90 > 63 → a breakthrough.
        {"id": "A", "indicator": "DVC", "value": 90, "deadline": "2027"},
        # needs (60 − 50)/2 = 5/year ≤ 8 → feasible; 60 < 63 → not a breakthrough.
        {"id": "B", "indicator": "DVC", "value": 60, "deadline": "2027"},
        # needs 7/year ≤ 8 and 64 ≥ 63: both.
        {"id": "D", "indicator": "DVC", "value": 64, "deadline": "2027"},
    ])
    problems = plan_quality_problems(prog, {"DVC": HISTORY})
    assert rules(problems) == {"A": {RULE_FEASIBLE}, "B": {RULE_BREAKTHROUGH}}
    assert all(p.severity is Severity.WARNING for p in problems)
    feasible = next(p for p in problems if p.object == "A")
    assert "+20 %/year" in feasible.message and "+8 %/year (2022→2023)" in feasible.message
    breakthrough = next(p for p in problems if p.object == "B")
    assert "(63," in breakthrough.message


def test_lower_is_better() -> None:
    # 2023 = 20, 2024 = 18, 2025 = 15 days: paces 2 and 3 days/year better → best 3.
    # 5 days by 2026 needs (15 − 5)/1 = 10 days/year → not feasible.
    # Trend: slope −2.5/year, mean 17.667 at t = 2025; at t = 2027: 17.667 − 5 = 12.667;
    # 5 < 12.667 is more ambitious than the trend → a breakthrough.
    prog = programme([{"id": "L", "indicator": "DAYS", "value": 5, "deadline": "2026"}])
    problems = plan_quality_problems(prog, {("DAYS", "VN"): [("2023", 20), ("2024", 18),
                                                              ("2025", 15)]})
    assert rules(problems) == {"L": {RULE_FEASIBLE}}
    assert "-10 ngày/year" in problems[0].message
    # 14 days by 2026 needs 1 day/year (feasible) but the trend reaches 12.667: no breakthrough.
    easy = programme([{"id": "E", "indicator": "DAYS", "value": 14, "deadline": "2026"}])
    assert rules(plan_quality_problems(easy, {"DAYS": [("2023", 20), ("2024", 18),
                                                       ("2025", 15)]})) == {"E": {RULE_BREAKTHROUGH}}


def test_percent_projection_is_capped_at_100() -> None:
    # 90, 95, 99 trend past 100 by 2030; a 100 % target is as far as a percentage goes.
    prog = programme([{"id": "F", "indicator": "DVC", "value": 100, "deadline": "2030"}])
    assert plan_quality_problems(prog, {"DVC": [("2023", 90), ("2024", 95), ("2025", 99)]}) == []


def test_monthly_history_counts_by_year_and_baseline_adds_a_point() -> None:
    months = [(f"2025-{m:02d}", 40 + m) for m in range(1, 13)]
    assert yearly_values([*months, ("2024", 30)])[-1][:1] == ("2025-12",)
    assert [x for _, _, x in yearly_values([*months, ("2024", 30)])] == [30, 52]
    # One year of history plus the target's own baseline: paces can be measured.
    prog = programme([{"id": "M", "indicator": "DVC", "value": 99, "deadline": "2026",
                       "baseline": {"period": "2024", "value": 30}}])
    # 30 → 52 is +22/year; 99 by 2026 needs 47/year → not feasible.
    assert rules(plan_quality_problems(prog, {"DVC": months})) == {"M": {RULE_FEASIBLE}}


def test_too_little_history_says_nothing() -> None:
    prog = programme([{"id": "A", "indicator": "DVC", "value": 90, "deadline": "2027"}])
    assert plan_quality_problems(prog, {"DVC": [("2025", 50)]}) == []
    assert plan_quality_problems(prog, {}) == []


def test_default_history_is_the_programme_values_and_the_store(store: Engine) -> None:
    prog = programme([{"id": "A", "indicator": "DVC", "value": 90, "deadline": "2027"}],
                     values=[{"indicator": "DVC", "period": p, "value": v} for p, v in HISTORY])
    assert rules(plan_quality_problems(prog, plan_history(None, prog))) == {"A": {RULE_FEASIBLE}}
    # A stored 2026 value of 85 (newer data) makes the remaining 5 points in a year feasible.
    add_values(store, [{"indicator": "DVC", "orgunit": "VN", "period": "2026",
                        "period_type": "year", "value": 85.0}])
    # Not while 2026 is under way; once it is over.
    assert plan_history(store, prog, date(2026, 6, 1))[("DVC", "VN")][-1][0] == "2025"
    history = plan_history(store, prog, date(2027, 1, 15))
    assert history[("DVC", "VN")][-1] == ("2026", 85.0)
    assert RULE_FEASIBLE not in rules(plan_quality_problems(prog, history)).get("A", set())


def test_problems_name_the_file_and_line(tmp_path: Path) -> None:
    doc = {"programme": {"code": "Q", "name": "Chất lượng"},
           "indicators": [{"code": "DVC", "name": "Hồ sơ trực tuyến", "unit": "%",
                           "value_type": "percent"}],
           "targets": [{"id": "A", "indicator": "DVC", "value": 90, "deadline": "2027"}]}
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    (tmp_path / "programme.yaml").write_text(text, encoding="utf-8")
    loaded = load_programme(tmp_path)
    problems = plan_quality_problems(loaded.programme, {"DVC": HISTORY}, loaded)
    assert problems and problems[0].file.endswith("programme.yaml")
    target_line = text.splitlines().index(next(line for line in text.splitlines()
                                               if '"id": "A"' in line)) + 1
    assert problems[0].line is not None and abs(problems[0].line - target_line) <= 1
