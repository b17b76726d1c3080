"""The CLI as a process writes what the web writes: the official names of Decision 19/2025
("Thanh Hóa", "Khánh Hòa", "TP. Hồ Chí Minh"), figures without binary float noise in JSON and
CSV, one number of decimals per column of a table, and times with their zone."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from sodo.domain.orgunits import default_hierarchy
from sodo.services.settings import Settings
from sodo.stores.operational.tables import compute_run, indicator_value, make_engine

SODO = [sys.executable, "-m", "sodo"]
# a stored float as arithmetic leaves it: 63.64 cannot be written in binary
NOISY = 63.63999999999999
OFFICIAL = {"38": "Thanh Hóa", "56": "Khánh Hòa", "79": "TP. Hồ Chí Minh"}


def run(workspace: Path, *args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "SODO_WORKSPACE": str(workspace), "COLUMNS": "200"}
    done = subprocess.run([*SODO, *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=120, check=False)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-format") / "ws"
    subprocess.run([*SODO, "init", str(root)], check=True, capture_output=True, timeout=120)
    engine = make_engine(Settings.open(root).database_url)
    codes = [u.code for u in default_hierarchy().at_level("province", on=date(2026, 11, 27))]
    # naive times, as SQLite hands them back
    at = datetime(2026, 11, 20, 8, 30)
    with engine.begin() as conn:
        conn.execute(insert(compute_run), [{"id": 1, "backend": "duckdb", "status": "done",
                                            "record_count": 10, "finished_at": at}])
        conn.execute(insert(indicator_value), [
            {"indicator": "svc766_2_1", "orgunit": code, "period": period,
             "period_type": "quarter", "category": "", "value": value + i * 0.1,
             "numerator": (value + i * 0.1) * 3, "denominator": 300.0, "origin": "computed",
             "state": "approved", "run_id": 1, "updated_at": at}
            for i, code in enumerate(codes)
            for period, value in (("2026Q3", NOISY), ("2026Q2", 60.1))])
    engine.dispose()
    run(root, "user", "add", "khanhhoa.viewer", "--role", "viewer", "--orgunit", "56",
        "--password-stdin", stdin="ngua-xanh-qua-cau-tre-89\n")
    return root


NOISE = re.compile(r"\d\.\d*(?:0{5,}|9{5,})\d")  # 63.63999999999999, 62.300000000000004


def test_rank_names_provinces_as_decision_19_does_in_every_format(workspace: Path) -> None:
    rows = json.loads(run(workspace, "rank", "-i", "svc766_2_1", "-p", "2026Q3", "-f", "json"))
    names = {r["orgunit"]: r["name"] for r in rows}
    assert {c: names[c] for c in OFFICIAL} == OFFICIAL
    text = run(workspace, "rank", "-i", "svc766_2_1", "-p", "2026Q3", "-f", "csv")
    for name in OFFICIAL.values():
        assert name in text
    for wrong in ("Thanh Hoá", "Khánh Hoà", "Thành phố Hồ Chí Minh"):
        assert wrong not in text
    table = run(workspace, "rank", "-i", "svc766_2_1", "-p", "2026Q3")
    assert "Khánh Hòa" in table and "TP. Hồ Chí Minh" in table


def test_json_and_csv_carry_no_float_noise(workspace: Path) -> None:
    for args in (("rank", "-i", "svc766_2_1", "-p", "2026Q3"),
                 ("values", "-i", "svc766_2_1", "-p", "2026Q2", "-p", "2026Q3")):
        as_json = run(workspace, *args, "-f", "json")
        assert not NOISE.search(as_json), NOISE.search(as_json)
        as_csv = run(workspace, *args, "-f", "csv")
        assert not NOISE.search(as_csv), NOISE.search(as_csv)
        rows = json.loads(as_json)
        assert rows
        by_csv = list(csv.DictReader(io.StringIO(as_csv)))
        assert len(by_csv) == len(rows)
    first = json.loads(run(workspace, "values", "-i", "svc766_2_1", "-p", "2026Q3", "-o", "01",
                           "-f", "json"))[0]
    assert first["value"] == pytest.approx(NOISY) and repr(first["value"]) == "63.64"


def test_a_table_column_has_one_number_of_decimals(workspace: Path) -> None:
    table = run(workspace, "rank", "-i", "svc766_2_1", "-p", "2026Q3")
    header = next(line for line in table.splitlines() if "rank" in line and "value" in line)
    columns = [c.strip() for c in re.split(r"[┃│]", header)[1:-1]]
    places: dict[str, set[int]] = {c: set() for c in columns}
    for line in table.splitlines():
        cells = [c.strip() for c in re.split(r"[┃│]", line)[1:-1]]
        if len(cells) != len(columns) or not re.fullmatch(r"\d+", cells[0] or "x"):
            continue
        for name, cell in zip(columns, cells, strict=True):
            if re.fullmatch(r"-?\d+(\.\d+)?", cell):
                places[name].add(len(cell.split(".")[1]) if "." in cell else 0)
    assert places["value"] == {2}, places
    assert places["rank"] == {0}, places
    # 60.1 + i × 0.2 stored as 60.300000000000004 and so on: one decimal for all, not 15
    assert len(places["previous_value"]) == 1, places


def test_times_in_json_carry_their_zone(workspace: Path) -> None:
    users = json.loads(run(workspace, "user", "list", "-f", "json"))
    stamp = next(u["created_at"] for u in users if u["username"] == "khanhhoa.viewer")
    assert datetime.fromisoformat(stamp).tzinfo is not None, stamp


def test_the_shipped_map_names_provinces_as_the_hierarchy_does() -> None:
    """The boundaries file's names (the web map, open data) are the Decision 19/2025 short
    names, not the source dataset's "Khánh Hoà" / "Thanh Hoá"."""
    from importlib import resources

    geo = json.loads(resources.files("sodo.data").joinpath("vn-provinces-34.geojson")
                     .read_text("utf-8"))
    hierarchy = default_hierarchy()
    names = {f["id"]: f["properties"]["name"] for f in geo["features"]}
    assert {c: names[c] for c in OFFICIAL} == OFFICIAL
    assert {c: n for c, n in names.items() if n != hierarchy.get(c).short_name} == {}
