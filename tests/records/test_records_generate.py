"""The synthetic-data generator: calibrated to the seeds' November 2025 figures, reproducible,
realistic in the ways the indicators need (agencies, seasons, provinces that differ)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from sodo.domain.orgunits import default_hierarchy
from sodo.domain.problems import InputError
from sodo.services.generate import generate_file, generate_table, procedure_catalogue


@pytest.fixture(scope="module")
def sample() -> duckdb.DuckDBPyRelation:
    table = generate_table("dossiers", 300_000, "2024-11", "2025-12", seed=2025)
    con = duckdb.connect()
    con.register("d", table)
    hierarchy = default_hierarchy()
    levels = pa.table({
        "code": [u.code for u in hierarchy],
        "level": [str(u.level) for u in hierarchy],
        "province": [u.code if str(u.level) == "province" else u.parent for u in hierarchy],
    })
    con.register("units", levels)
    con.execute("CREATE TABLE s AS SELECT d.*, strftime(received_at, '%Y-%m') AS month, "
                "units.level, units.province FROM d JOIN units ON d.agency_code = units.code")
    return con


def _share(con: duckdb.DuckDBPyConnection, month: str, where: str = "true") -> float:
    return con.execute(f"SELECT 100 * avg((channel = 'online_full')::int) FROM s "
                       f"WHERE month = '{month}' AND {where}").fetchall()[0][0]


def test_calibrated_to_the_seeds_figures(sample: duckdb.DuckDBPyConnection) -> None:
    national = _share(sample, "2025-11")
    ministries = _share(sample, "2025-11", "level = 'ministry'")
    provinces = _share(sample, "2025-11", "level <> 'ministry'")
    assert national == pytest.approx(51.7, abs=2.0)
    assert ministries == pytest.approx(73.35, abs=2.0)
    assert provinces == pytest.approx(21.17, abs=2.0)
    assert national - _share(sample, "2024-11") == pytest.approx(12.42, abs=2.5)


def test_agencies_are_current_units(sample: duckdb.DuckDBPyConnection) -> None:
    total = sample.execute("SELECT count(*) FROM d").fetchall()[0][0]
    assert sample.execute("SELECT count(*) FROM s").fetchall()[0][0] == total  # all known
    levels = dict(sample.execute("SELECT level, count(*) FROM s GROUP BY 1").fetchall())
    assert set(levels) == {"ministry", "province", "commune"}
    assert levels["commune"] > levels["province"]  # most provincial dossiers at communes
    day = date(2025, 11, 1)
    hierarchy = default_hierarchy()
    provinces = {u.code for u in hierarchy.at_level("province", on=day)}
    ministries = {u.code for u in hierarchy.at_level("ministry", on=day)}
    seen_provinces = {r[0] for r in sample.execute(
        "SELECT DISTINCT province FROM s WHERE level <> 'ministry'").fetchall()}
    seen_ministries = {r[0] for r in sample.execute(
        "SELECT DISTINCT agency_code FROM s WHERE level = 'ministry'").fetchall()}
    assert seen_provinces == provinces and len(provinces) == 34
    assert seen_ministries == ministries and len(ministries) == 17


def test_provinces_differ_and_keep_their_character(sample: duckdb.DuckDBPyConnection) -> None:
    shares = sample.execute(
        "SELECT province, avg((channel = 'online_full')::int) AS share FROM s "
        "WHERE level <> 'ministry' GROUP BY 1 ORDER BY 1").fetchall()
    values = [v for _, v in shares]
    assert max(values) - min(values) > 0.10
    other = generate_table("dossiers", 100_000, "2024-11", "2025-12", seed=7)
    con = duckdb.connect()
    con.register("o", other)
    con.register("p", pa.table({"province": [p for p, _ in shares], "share": values}))
    hierarchy = default_hierarchy()
    con.register("units", pa.table({
        "code": [u.code for u in hierarchy],
        "province": [u.code if str(u.level) == "province" else u.parent for u in hierarchy]}))
    correlation = con.execute(
        "SELECT corr(p.share, q.share) FROM p JOIN (SELECT units.province, "
        "avg((channel = 'online_full')::int) AS share FROM o JOIN units ON "
        "o.agency_code = units.code WHERE units.province <> 'VN' GROUP BY 1) q USING (province)"
    ).fetchall()[0][0]
    assert correlation > 0.8


def test_seasons(sample: duckdb.DuckDBPyConnection) -> None:
    volume = dict(sample.execute("SELECT month, count(*) FROM s GROUP BY 1").fetchall())
    assert volume["2025-02"] < volume["2025-01"] < volume["2025-03"]  # Tết
    assert volume["2025-12"] > volume["2025-11"] > volume["2025-10"]  # year-end rise


def test_realistic_fields(sample: duckdb.DuckDBPyConnection) -> None:
    stats = sample.execute("""
        SELECT avg((supplement_count = 0)::int), avg((supplement_count = 1)::int),
               avg((supplement_count >= 2)::int),
               bool_and(supplement_days = 0 OR supplement_count > 0),
               avg((finished_at > due_at)::int),
               count(*) FILTER (WHERE finished_at IS NULL AND month = '2025-12'),
               count(*) FILTER (WHERE finished_at IS NULL AND month < '2025-10'),
               bool_and(channel <> 'online_full' OR eligible_full_online),
               bool_and(NOT paid_online OR fee_required),
               avg((rating IS NOT NULL)::int), avg(has_feedback::int)
        FROM s""").fetchall()[0]
    none, one, more, days_ok, late, open_dec, open_old, full_ok, paid_ok, rated, fb = stats
    assert none > 0.8 and one > 0.05 and more > 0.01 and days_ok
    assert 0.02 < late < 0.3
    assert open_dec > 0 and open_old < open_dec / 100  # only long procedures stay open
    assert full_ok and paid_ok
    assert 0.1 < rated < 0.5 and 0 < fb < 0.05
    statuses = {r[0] for r in sample.execute("SELECT DISTINCT status FROM s").fetchall()}
    assert {"finished", "in_progress", "supplement_requested", "returned"} <= statuses


def test_reproducible_by_seed(tmp_path: Path) -> None:
    a = generate_table("dossiers", 5_000, "2025-01", "2025-03", seed=5)
    b = generate_table("dossiers", 5_000, "2025-01", "2025-03", seed=5)
    c = generate_table("dossiers", 5_000, "2025-01", "2025-03", seed=6)
    assert a.equals(b)
    assert not a.drop_columns(["dossier_id"]).equals(c.drop_columns(["dossier_id"]))
    catalogue = procedure_catalogue()
    assert len({p.code for p in catalogue}) == len(catalogue)


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".ndjson"])
def test_files_in_every_format(tmp_path: Path, suffix: str) -> None:
    out = generate_file("feedback", 3_000, "2025-06", "2025-07", 1, tmp_path / f"f{suffix}")
    reader = {".parquet": "read_parquet", ".csv": "read_csv", ".ndjson": "read_json"}[suffix]
    con = duckdb.connect()
    rows = con.execute(f"SELECT count(*), count(DISTINCT feedback_id), "
                       f"min(received_at)::DATE, max(received_at)::DATE "
                       f"FROM {reader}('{out}')").fetchall()[0]
    assert rows[:2] == (3_000, 3_000)
    assert date(2025, 6, 1) <= rows[2] and rows[3] <= date(2025, 7, 31)


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unsupported output"):
        generate_file("dossiers", 10, "2025-01", "2025-02", 1, tmp_path / "x.txt")
    with pytest.raises(InputError, match="before"):
        generate_table("dossiers", 10, "2025-05", "2025-02")
    with pytest.raises(InputError, match="cannot generate"):
        generate_table("procedures", 10, "2025-01", "2025-02")


def test_feedback_at_the_same_agencies() -> None:
    feedback = generate_table("feedback", 20_000, "2025-01", "2025-12", seed=3)
    hierarchy = default_hierarchy()
    levels = {str(hierarchy.get(code).level)
              for code in set(feedback["agency_code"].to_pylist())}
    assert levels == {"ministry", "province", "commune"}
    rows = feedback.to_pylist()
    assert all(r["handled_at"] is None or r["handled_at"] >= r["received_at"] for r in rows)
    assert {r["state"] for r in rows} >= {"handled", "in_progress", "rejected"}


def test_generated_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    import sodo.services.generate as generate

    monkeypatch.setattr(generate, "CHUNK_ROWS", 1_000)
    table = generate.generate_table("dossiers", 3_500, "2025-01", "2025-02", seed=8)
    assert table.num_rows == 3_500
    assert len(set(table["dossier_id"].to_pylist())) == 3_500
    assert table["dossier_id"][3_499].as_py() == "HS8-0000003499"
