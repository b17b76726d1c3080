"""Assessment thresholds as configuration: defaults, overrides from sodo.toml, bad settings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sodo.domain.assessment.config import AssessmentConfig
from sodo.domain.problems import InputError
from sodo.domain.programme import Programme
from sodo.services.assessment import assess_targets, assess_tasks
from sodo.services.settings import Settings


def write_toml(root: Path, assess: str) -> Path:
    (root / "sodo.toml").write_text(f'[workspace]\nprogramme = "programme"\n\n[assess]\n{assess}',
                                    encoding="utf-8")
    return root


def test_documented_defaults() -> None:
    config = AssessmentConfig()
    assert (config.on_track_ratio, config.acceleration_ratio, config.deterioration_ratio) \
        == (0.95, 0.5, -0.1)
    assert (config.full_percent_from, config.full_percent_tolerance) == (99.0, 0.5)
    assert (config.projection_method, config.due_soon_days, config.min_points) \
        == ("linear", 14, 2)
    assert Settings.from_config(None, {}).assess == config


def test_overrides_from_the_workspace(tmp_path: Path, programme: Programme) -> None:
    write_toml(tmp_path, 'projection_method = "cagr"\ndue_soon_days = 40\n')
    config = Settings.open(tmp_path).assess
    assert config.projection_method == "cagr" and config.due_soon_days == 40
    # T1 is due 31/01/2026: 40 days before it counts as due soon only with the override.
    tasks = {t.task_id: t for t in assess_tasks(None, programme, date(2025, 12, 22), config)}
    assert str(tasks["T1"].status) == "due_soon"
    # The seed-only 5G target is judged by the CAGR ratio: 20 → 59 in a year is far ahead.
    g5 = next(a for a in assess_targets(None, programme, date(2026, 3, 1), config)
              if a.target_id == "G5-2026")
    assert g5.method == "cagr"


@pytest.mark.parametrize(("text", "message"), [
    ("on_track = 0.9\n", "unknown setting 'on_track'"),
    ("due_soon_days = \"two weeks\"\n", "due_soon_days = 'two weeks' is not a whole number"),
    ("on_track_ratio = 0.4\n", "must satisfy"),
    ('projection_method = "spline"\n', "linear or cagr"),
])
def test_bad_settings_are_input_errors(tmp_path: Path, text: str, message: str) -> None:
    write_toml(tmp_path, text)
    with pytest.raises(InputError) as caught:
        Settings.open(tmp_path)
    assert message in str(caught.value)
    assert str(tmp_path / "sodo.toml") in str(caught.value)
