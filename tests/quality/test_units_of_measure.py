"""Thống nhất, units of measure: a reported value whose unit conflicts with its indicator's
declared unit (a percentage given as a fraction, a count or rank with decimals) is flagged as a
warning; values in the declared unit pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from quality_helpers import ADMIN, FORM, TODAY, build_scored_workspace

from sodo.domain.forms import ValueInput
from sodo.domain.quality import CHECKS, unit_conflict
from sodo.services import quality, reporting
from sodo.services.context import AppContext
from sodo.services.settings import Settings


@pytest.mark.parametrize(("value_type", "unit", "value", "flagged"), [
    ("percent", "%", 0.85, True), ("percent", "%", 85.0, False), ("percent", "%", 0.0, False),
    ("percent", "%", 1.0, False), ("percent", "%", 100.0, False), ("number", "%", 0.4, True),
    ("count", "hồ sơ", 12.5, True), ("count", "hồ sơ", 12.0, False),
    ("rank", "hạng", 3.2, True), ("rank", "hạng", 3.0, False),
    ("number", "tỷ USD", 0.85, False), ("ratio", "", 0.85, False),
])
def test_unit_conflict(value_type: str, unit: str, value: float, flagged: bool) -> None:
    assert (unit_conflict(value_type, unit, value) is not None) is flagged


def test_a_share_reported_as_a_fraction_is_flagged(tmp_path: Path) -> None:
    root = build_scored_workspace(tmp_path / "ws")
    settings = replace(Settings.open(root), today=TODAY)
    with AppContext(settings) as ctx:
        with ctx.session() as session:
            values = [ValueInput("electronic_work_files_share", 50),
                      ValueInput("online_public_service_usage_rate", 35),
                      ValueInput("electronic_result_share", 30),
                      ValueInput("households_fibre_share", 0.85)]  # 85 % written as 0.85
            sub = reporting.save_draft(session, ADMIN, FORM, "22", "2025Q3", values,
                                       today=date(2025, 9, 15))
            reporting.submit(session, ADMIN, sub.id, today=date(2025, 9, 16))
            reporting.approve(session, ADMIN, sub.id)
            session.commit()
        rows = {(r["unit"], r["principle"]): r
                for r in quality.compute(ctx, ADMIN, dataset=FORM, period="2025Q3")}
    assert CHECKS["thong_nhat.units"].severity == "warning"
    bad = rows[("22", "thong_nhat")]
    [check] = [c for c in bad["checks"] if c["code"] == "thong_nhat.units"]
    assert (bad["checked"], check["failed"], check["severity"]) == (4, 1, "warning")
    [example] = check["examples"]
    assert (example["field"], example["value"], example["agency"]) == \
        ("households_fibre_share", "0.85", "22")
    assert "fraction" in example["rule"] and bad["score"] == 75.0
    for unit in ("01", "79", "04"):  # values in percent: quiet
        clean = rows[(unit, "thong_nhat")]
        assert (clean["checked"], clean["failed"], clean["score"]) == (4, 0, 100.0)
    assert rows[("VN", "thong_nhat")]["failed"] == 1
