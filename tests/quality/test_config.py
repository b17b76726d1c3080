"""The check definitions, the shipped configuration and its overrides, the scores."""

from __future__ import annotations

from pathlib import Path

import pytest

from sodo.domain.problems import InputError
from sodo.domain.quality import (
    CHECKS,
    PRINCIPLE_NAMES,
    Principle,
    QualityConfig,
    Severity,
    modified_z_scores,
    overall_score,
    principle_score,
)
from sodo.services.quality import explain, load_config


def test_every_principle_has_checks_with_definitions_in_both_languages() -> None:
    assert [str(p) for p in Principle] == ["dung", "du", "sach", "song", "thong_nhat",
                                           "dong_bo", "ket_noi", "dung_chung"]
    assert {c.principle for c in CHECKS.values()} == set(Principle)
    for check in CHECKS.values():
        assert check.code.split(".")[0] == str(check.principle)
        assert check.severity in set(Severity)
        assert check.name and check.name_en and check.definition and check.definition_en
    assert PRINCIPLE_NAMES[Principle.THONG_NHAT] == ("Thống nhất", "Unified")


def test_shipped_configuration_tunes_the_default_programme() -> None:
    config = load_config(None)
    dossiers = {c.code: c for c in config.resolved("dataset", "dossiers")}
    rules = [r["rule"] for r in dossiers["dung.cross_field"].params["rules"]]
    assert rules == ["finished_after_received", "due_after_received", "paid_online_needs_fee",
                     "finished_has_finished_at"]
    assert dossiers["song.freshness"].params["max_age_days"] == 7
    assert "du.reporting_rate" not in dossiers  # a report check, not a record check
    form = {c.code: c for c in config.resolved("form", "BC-CDS-TINH-QUY")}
    assert form["dong_bo.reported_vs_computed"].params["pairs"][0]["tolerance"] == 5
    assert "dung.cross_field" not in form


def test_overrides_per_programme_dataset_and_form(tmp_path: Path) -> None:
    config = QualityConfig.model_validate({
        "checks": {"sach.duplicate_key": {"severity": "info", "weight": 2}},
        "datasets": {"feedback": {"sach.duplicate_key": {"enabled": False},
                                  "song.freshness": {"params": {"max_age_days": 3}}}},
        "forms": {"F1": {"song.on_time": {"severity": "error"}}},
    })
    dossiers = {c.code: c for c in config.resolved("dataset", "dossiers")}
    assert dossiers["sach.duplicate_key"].severity is Severity.INFO
    assert dossiers["sach.duplicate_key"].weight == 2
    feedback = {c.code: c for c in config.resolved("dataset", "feedback")}
    assert "sach.duplicate_key" not in feedback
    assert feedback["song.freshness"].params == {"max_age_days": 3, "by_level": {}}
    assert {c.code: c for c in config.resolved("form", "F1")}["song.on_time"].severity \
        is Severity.ERROR
    (tmp_path / "quality.yaml").write_text(
        "quality:\n  checks:\n    sach.nonsense: {weight: 1}\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown check"):
        load_config(tmp_path)
    (tmp_path / "quality.yaml").write_text(
        "quality:\n  checks:\n    sach.duplicate_key: {severity: fatal}\n", encoding="utf-8")
    with pytest.raises(InputError, match="invalid quality configuration"):
        load_config(tmp_path)


def test_explain_and_scores() -> None:
    info = explain("thong_nhat.orgunit_in_force")
    assert info["principle_name"] == "Thống nhất" and "2025-07-01" in info["definition_en"]
    with pytest.raises(InputError, match="unknown check"):
        explain("nope.nope")
    assert principle_score([(1, 10, 0), (1, 10, 5)]) == 75.0
    assert principle_score([(3, 10, 0), (1, 10, 10)]) == 75.0
    assert principle_score([(1, 0, 0)]) is None
    assert overall_score([100.0, 50.0, None]) == 75.0
    z = modified_z_scores([10, 11, 9, 10, 10, 40])
    assert abs(z[-1]) > 3.5 and all(abs(v) < 3.5 for v in z[:-1])
    assert modified_z_scores([5, 5, 5]) == [0.0, 0.0, 0.0]
