"""The evaluation report's figures are the assessment's: the same as `sodo assess`, `sodo assess
tasks` and `sodo rank` print for the same as-of date (the real CLI, in a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from sodo.domain.permissions import Actor
from sodo.domain.programme import Target
from sodo.domain.reports import (
    document_number,
    number_vi,
    percent_of_plan,
    place_and_date,
    plan_value,
    year_value,
)
from sodo.domain.values import Observation
from sodo.services import catalogue
from sodo.services.context import AppContext
from sodo.services.reports.evaluation import build_evaluation, is_demo_workspace
from sodo.services.settings import Settings

AS_OF = "2026-01-15"


def sodo(*args: str) -> list | dict:
    done = subprocess.run([sys.executable, "-m", "sodo", *args], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def build(workspace, unit: str = "VN"):
    ws = Settings.open(workspace)
    with AppContext(ws) as ctx, ctx.session() as session:
        cat = catalogue.current_or_files(session, ws.programme_path())
        return build_evaluation(session, Actor.cli(), cat, year=2025, unit=unit,
                                as_of=date.fromisoformat(AS_OF), demo=is_demo_workspace(ws.root))


def test_every_target_figure_is_the_one_sodo_assess_gives(demo_workspace):
    report = build(demo_workspace)
    assessed = {row["target_id"]: row for row in sodo(
        "assess", "--as-of", AS_OF, "--format", "json", "--workspace", str(demo_workspace))}
    assert report.demo and not report.national_targets_applied
    assert {r.target_id for r in report.targets} == {
        t for t, row in assessed.items() if not row["deadline"] or int(row["deadline"][:4]) >= 2025}
    for row in report.targets:
        ref = assessed[row.target_id]
        assert (row.status, row.latest, row.latest_period, row.projected, row.five_year,
                row.deadline) == (ref["status"], ref["latest"], ref["latest_period"],
                                  ref["projected"], ref["target_value"], ref["deadline"])
        assert row.assessment == ref
        # The year's value is a point of the assessed series, and the latest is the last one.
        if row.this_year is not None:
            assert (row.this_year_period, row.this_year) in row.series
        if row.series:
            assert row.series[-1] == (ref["latest_period"], ref["latest"])


def test_tasks_and_agencies_and_the_766_rank_are_those_of_the_cli(demo_workspace):
    report = build(demo_workspace)
    tasks = sodo("assess", "tasks", "--as-of", AS_OF, "--format", "json", "--workspace",
                 str(demo_workspace))
    assert {t["task_id"]: t["status"] for t in report.tasks} == {
        t["task_id"]: t["status"] for t in tasks}
    by_lead = sodo("assess", "tasks", "--by-lead", "--as-of", AS_OF, "--format", "json",
                   "--workspace", str(demo_workspace))
    assert report.by_lead == by_lead
    ranked = sodo("rank", "--indicator", "svc766_total", "--period", "2025", "--format", "json",
                  "--workspace", str(demo_workspace))
    assert report.ranking == ranked
    hanoi = build(demo_workspace, "01")
    mine = next(r for r in ranked if r["orgunit"] == "01")
    assert (hanoi.index["rank"], hanoi.index["value"], hanoi.index["change"]) == (
        mine["rank"], mine["value"], mine["change"])
    # A province has no targets of its own: the national ones apply to its own figures.
    assert hanoi.national_targets_applied and hanoi.targets
    assert all(r.orgunit == "01" for r in hanoi.targets)
    assert hanoi.issuer.agency == "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"


def test_shortcomings_are_facts_with_numbers(demo_workspace):
    report = build(demo_workspace)
    text = "\n".join(report.shortcomings)
    bad = [r for r in report.targets if r.status in ("off_track", "deteriorating",
                                                     "not_achieved")]
    assert bad and f"{len(bad)}/{len(report.targets)} chỉ tiêu" in text
    for row in bad:
        assert row.title in text and number_vi(row.latest, row.decimals) in text
    overdue = [t for t in report.tasks if t["status"] == "overdue"]
    if overdue:
        assert f"{len(overdue)}/{len(report.tasks)} nhiệm vụ quá hạn" in text


def test_year_plan_and_percentages():
    series = [Observation("2024", 40.0), Observation("2025-11", 50.0),
              Observation("2025-12", 52.0)]
    assert year_value(series, 2025).value == 52.0 and year_value(series, 2024).value == 40.0
    assert year_value(series, 2023) is None
    target = Target(id="T", indicator="X", value=80, deadline="2027",
                    milestones=[{"period": "2026", "value": 70}])
    assert plan_value(target, 2026) == (70.0, "milestone")
    assert plan_value(target, 2027) == (80.0, "target")
    value, basis = plan_value(target, 2025, 40.0, "2024")
    assert basis == "required path" and value == pytest.approx(55.0, abs=0.1)
    assert percent_of_plan(52, 65) == pytest.approx(80.0)
    assert percent_of_plan(5, 4, sense=-1) == pytest.approx(80.0)  # rank 5 against plan 4


def test_document_conventions():
    assert document_number(5, "BC-UBND") == "Số: 05/BC-UBND"
    assert place_and_date("Hà Nội", date(2026, 1, 5)) == "Hà Nội, ngày 05 tháng 01 năm 2026"
    assert place_and_date("Huế", date(2026, 11, 20)) == "Huế, ngày 20 tháng 11 năm 2026"
    assert number_vi(1234.5, 2) == "1.234,5" and number_vi(None) == "—"
