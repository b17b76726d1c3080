"""The scale benchmark's checks (benchmarks/bench_scale.py), on small real engine output: a
month-partitioned Parquet set made by its generator step, computed on DuckDB, compared with
itself and with a tampered copy. Not timed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from benchmarks import bench_scale


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    data = tmp_path_factory.mktemp("scale")
    info = bench_scale.generate(data, 3000, 1000, "512MB", jobs=1)
    assert info["rows"] == 3000 and len([p for p in info["parts"]
                                         if p["dataset"] == "dossiers"]) == 3
    return data, bench_scale.compute_duckdb(data, "512MB", 1)


def test_generated_set_is_month_partitioned_and_reused(small: tuple[Path, pd.DataFrame]) -> None:
    data, _ = small
    months = sorted(p.name for p in (data / "dossiers").iterdir())
    assert months[0] == "month=2024-01" and months[-1] == "month=2025-12"
    # three parts with their own seeds: ids never collide
    ids = pd.read_parquet(data / "dossiers", columns=["dossier_id"])["dossier_id"]
    assert len(ids) == 3000 and ids.is_unique
    assert bench_scale.generate(data, 3000, 1000, "512MB", jobs=1)["reused"] is True


def test_totals_agree_with_the_generated_rows(small: tuple[Path, pd.DataFrame]) -> None:
    _, values = small
    assert bench_scale.expected_count(values, 3000) == []
    assert bench_scale.expected_count(values, 3001) != []
    sums = bench_scale.totals(values)
    assert sums.at["dossier_count", "numerator"] == 3000
    assert bench_scale.compare_results(values, values.copy(), ("a", "b")) == []
    assert bench_scale.compare_totals(sums, bench_scale.totals(values.copy()), ("a", "b")) == []


def test_a_changed_value_or_a_missing_row_is_reported(small: tuple[Path, pd.DataFrame]) -> None:
    _, values = small
    changed = values.copy()
    pick = (changed["indicator"] == "svc766_2_1") & (changed["orgunit"] == "VN") & (
        changed["period"] == "2025")
    changed.loc[pick, "numerator"] += 1
    problems = bench_scale.compare_results(values, changed, ("duckdb", "spark"))
    assert any(p.startswith("numerator: 1 differ") for p in problems), problems
    assert any("svc766_2_1 numerator" in p for p in bench_scale.compare_totals(
        bench_scale.totals(values), bench_scale.totals(changed), ("duckdb", "spark")))
    shorter = values.drop(index=values.index[:5])
    assert "lacks 5 values" in bench_scale.compare_results(values, shorter, ("a", "b"))[0]
