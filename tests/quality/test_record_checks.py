"""Golden tests of the record checks on small hand-made dossiers, on DuckDB and PostgreSQL:
each check fires on its defect and stays quiet on clean records; injecting one defect kind
into one agency lowers exactly that principle for it and leaves the clean agencies unchanged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from quality_helpers import clean_dossier, put_records

from sodo.domain.orgunits import default_hierarchy
from sodo.domain.periods import Period
from sodo.domain.quality import CHECKS, Scope
from sodo.services.quality import NOT_CONFIGURED, build_rows, load_config, with_code_lists
from sodo.services.quality.compiled import run_record_checks
from sodo.services.quality.records import Tallies
from sodo.stores.records.base import RecordStore

PERIOD = Period.parse("2025Q3")
TODAY = date(2026, 1, 5)
UNITS = ["VN", "01", "79", "08"]
CLEAN_AGENCIES = ("01", "79")
BAD = "08"  # the agency that receives the defects (08 carries on P63-02, Hà Giang)
Rows = list[dict[str, Any]]


def clean_rows() -> Rows:
    """Six dossiers per agency spread over the quarter, the last a day before its end."""
    rows = []
    for agency in (*CLEAN_AGENCIES, BAD):
        for i in range(6):
            received = datetime(2025, 7, 3, 8) + timedelta(days=17 * i, minutes=int(agency))
            rows.append(clean_dossier(f"HS-{agency}-{i:04d}", agency, received))
    return rows


def _bad(rows: Rows) -> list[dict[str, Any]]:
    return [r for r in rows if r["agency_code"] == BAD]


def _set(rows: Rows, **changes: Any) -> Rows:
    _bad(rows)[0].update(changes)
    return rows


def _set_row(rows: Rows, index: int, **changes: Any) -> Rows:
    """Like :func:`_set` on another of the agency's records (row 0 is taken by other defects;
    the stale feed drops rows after July, so all defects at once do not clash)."""
    _bad(rows)[index].update(changes)
    return rows


def _copy(rows: Rows, key: str, **changes: Any) -> Rows:
    return [*rows, {**_bad(rows)[1], "dossier_id": key, **changes}]


def _stale(rows: Rows) -> Rows:
    """The feed of the agency stopped at the end of July."""
    return [r for r in rows if r["agency_code"] != BAD or r["received_at"] < datetime(2025, 8, 1)]


#: defect kind → (the check that must fire, the principle it lowers, how to inject it)
DEFECTS: dict[str, tuple[str, str, Callable[[Rows], Rows]]] = {
    "status not allowed": ("dung.allowed_values", "dung", lambda r: _set(r, status="closed")),
    "negative supplement days": ("dung.range", "dung", lambda r: _set(r, supplement_days=-2.0)),
    "finished before received": ("dung.cross_field", "dung", lambda r: _set(
        r, finished_at=_bad(r)[0]["received_at"] - timedelta(days=2))),
    "paid online without fee": ("dung.cross_field", "dung", lambda r: _set(
        r, paid_online=True, fee_required=False)),
    "finished without finished_at": ("dung.cross_field", "dung", lambda r: _set(
        r, finished_at=None)),
    "required field missing": ("du.required", "du", lambda r: _set(r, procedure_code=None)),
    "same content under a new key": ("sach.duplicate_content", "sach",
                                     lambda r: _copy(r, "HS-NEW-0001")),
    "key differing only by case": ("sach.duplicate_key", "sach", lambda r: _copy(
        r, _bad(r)[1]["dossier_id"].lower(), channel="offline")),
    "key with an invisible character": ("sach.malformed", "sach", lambda r: _copy(
        r, "HS-08-9999\u200b", channel="offline")),
    "stale feed": ("song.freshness", "song", _stale),
    "pre-merger province code after July 2025": ("thong_nhat.orgunit_in_force", "thong_nhat",
                                                  lambda r: _copy(r, "HS-OLD-0001",
                                                                  agency_code="P63-02")),
    "procedure code not in the catalogue": ("thong_nhat.code_lists", "thong_nhat",
                                            lambda r: _set_row(r, 1, procedure_code="9.999999")),
}


def record_checks(dataset: str = "dossiers") -> list:
    """The shipped programme's record checks, its code lists read (the procedures)."""
    return with_code_lists([c for c in load_config(None).resolved("dataset", dataset)
                            if c.scope is Scope.RECORDS], None)


def tallies_for(store: RecordStore, rows: Rows, dataset: str = "dossiers") -> Tallies:
    put_records(store, "dossiers", rows)
    return run_record_checks(store.table(dataset), store.dataset(dataset),
                             record_checks(dataset), PERIOD, default_hierarchy(), UNITS, TODAY,
                             store.table)


def scores(tallies: Tallies) -> dict[tuple[str, str], float | None]:
    rows = build_rows("dossiers", PERIOD.id, UNITS, record_checks(), tallies)
    return {(r["unit"], r["principle"]): r["score"] for r in rows}


def test_clean_records_pass_every_check(make_store: Callable[[], RecordStore]) -> None:
    tallies = tallies_for(make_store(), clean_rows())
    for unit in UNITS[1:]:
        for check in record_checks():
            if check.code == "sach.outlier_volume":
                continue  # needs two years of history
            tally = tallies[(unit, check.code)]
            assert tally.checked > 0 and tally.failed == 0, (unit, check.code, tally)
    assert tallies[("VN", "du.required")].checked == 18
    assert {s for (_, p), s in scores(tallies).items()} == {100.0}


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_each_defect_fires_its_check_and_lowers_only_its_principle(
        make_store: Callable[[], RecordStore], defect: str) -> None:
    code, principle, inject = DEFECTS[defect]
    clean = scores(tallies_for(make_store(), clean_rows()))
    tallies = tallies_for(make_store(), inject(clean_rows()))
    hit = tallies[(BAD, code)]
    assert hit.failed >= 1 and hit.examples, hit
    example = hit.examples[0]
    assert set(example) == {"key", "field", "value", "rule", "agency"}
    assert tallies[("VN", code)].failed == hit.failed
    for other in CHECKS:
        if other != code and (BAD, other) in tallies:
            assert tallies[(BAD, other)].failed == 0, (defect, other, tallies[(BAD, other)])
    after = scores(tallies)
    assert after[(BAD, principle)] < 100.0
    for (unit, p), score in clean.items():
        if unit in CLEAN_AGENCIES or (unit == BAD and p not in (principle, "overall")):
            assert after[(unit, p)] == score, (defect, unit, p)
    assert after[(BAD, "overall")] < clean[(BAD, "overall")]


def test_procedure_codes_against_the_catalogue(make_store: Callable[[], RecordStore]) -> None:
    """A code outside the shipped catalogue fails (its value shown), the catalogue's codes
    pass; without a list for the field the check says "not configured" and scores nothing."""
    rows = clean_rows()
    _bad(rows)[2]["procedure_code"] = "1.999999"
    _bad(rows)[4]["procedure_code"] = "1.999999"
    tallies = tallies_for(make_store(), rows)
    hit = tallies[(BAD, "thong_nhat.code_lists")]
    assert (hit.checked, hit.failed) == (6, 2)
    assert [(e["key"], e["field"], e["value"]) for e in hit.examples] == [
        ("HS-08-0002", "procedure_code", "1.999999"), ("HS-08-0004", "procedure_code",
                                                        "1.999999")]
    assert tallies[("01", "thong_nhat.code_lists")].failed == 0
    assert tallies[("VN", "thong_nhat.code_lists")].failed == 2

    unset = [c.model_copy(update={"params": {**c.params, "lists": {}}})
             if c.code == "thong_nhat.code_lists" else c
             for c in load_config(None).resolved("dataset", "dossiers") if c.scope is Scope.RECORDS]
    unset = with_code_lists(unset, Path("/nonexistent-programme"))
    store = make_store()
    put_records(store, "dossiers", rows)
    quiet = run_record_checks(store.table("dossiers"), store.dataset("dossiers"), unset,
                              PERIOD, default_hierarchy(), UNITS, TODAY, store.table)
    assert (BAD, "thong_nhat.code_lists") not in quiet
    row = next(r for r in build_rows("dossiers", PERIOD.id, UNITS, unset, quiet)
               if r["unit"] == BAD and r["principle"] == "thong_nhat")
    note = next(c for c in row["checks"] if c["code"] == "thong_nhat.code_lists")
    assert note == {"code": "thong_nhat.code_lists", "severity": "info", "failed": 0,
                    "examples": [], "note": NOT_CONFIGURED}
    assert row["score"] == 100.0  # not configured is not a failure


def test_missing_agency_lowers_coverage(make_store: Callable[[], RecordStore]) -> None:
    rows = [r for r in clean_rows() if r["agency_code"] != BAD]
    tallies = tallies_for(make_store(), rows)
    assert tallies[(BAD, "du.agency_coverage")].failed == 1
    assert tallies[("VN", "du.agency_coverage")].checked == 3
    assert tallies[("01", "du.agency_coverage")].failed == 0


def test_references_resolve_across_datasets(make_store: Callable[[], RecordStore]) -> None:
    store = make_store()
    put_records(store, "dossiers", clean_rows())
    day = datetime(2025, 8, 1, 9)
    complaints = [{"complaint_id": "KN-1", "agency_code": BAD, "received_at": day,
                   "dossier_id": "HS-08-0001"},
                  {"complaint_id": "KN-2", "agency_code": BAD, "received_at": day,
                   "dossier_id": "HS-DOES-NOT-EXIST"},
                  {"complaint_id": "KN-3", "agency_code": "01", "received_at": day,
                   "dossier_id": None}]
    put_records(store, "complaints", complaints)
    checks = [c for c in record_checks("complaints") if c.code == "ket_noi.references"]
    tallies = run_record_checks(store.table("complaints"), store.dataset("complaints"), checks,
                                PERIOD, default_hierarchy(), UNITS, TODAY, store.table)
    assert (tallies[(BAD, "ket_noi.references")].checked,
            tallies[(BAD, "ket_noi.references")].failed) == (2, 1)
    assert tallies[(BAD, "ket_noi.references")].examples[0]["value"] == "HS-DOES-NOT-EXIST"
    assert tallies[("01", "ket_noi.references")].failed == 0


def test_outlying_monthly_volume(make_store: Callable[[], RecordStore]) -> None:
    """Two years of steady monthly volumes, then a month with three times as many records."""
    rows = []
    n = 0
    for month in range(27):
        year, m = 2023 + (month + 6) // 12, (month + 6) % 12 + 1
        for agency in ("01", BAD):
            count = 4 + (month % 2)
            if agency == BAD and (year, m) == (2025, 8):
                count *= 3
            for i in range(count):
                n += 1
                rows.append(clean_dossier(f"HS-{n:05d}", agency,
                                          datetime(year, m, 2 + i, 9, month)))
    checks = [c for c in record_checks() if c.code == "sach.outlier_volume"]
    store = make_store()
    put_records(store, "dossiers", rows)
    tallies = run_record_checks(store.table("dossiers"), store.dataset("dossiers"), checks,
                                PERIOD, default_hierarchy(), UNITS, TODAY)
    assert tallies[(BAD, "sach.outlier_volume")].checked == 3
    assert tallies[(BAD, "sach.outlier_volume")].failed == 1
    assert tallies[(BAD, "sach.outlier_volume")].examples[0]["key"] == "08/2025-08"
    assert tallies[("01", "sach.outlier_volume")].failed == 0


@pytest.mark.spark
def test_record_checks_on_spark(tmp_path: Path) -> None:
    """The same compiled checks on PySpark (local mode) over Parquet: every defect injected at
    once into one agency is found there, the clean agencies stay clean."""
    import pyarrow.parquet as pq
    from quality_helpers import dossiers_table

    from sodo.services.datasets import load_datasets
    from sodo.stores.records.spark_reader import spark_backend

    rows = clean_rows()
    for name in sorted(DEFECTS):
        rows = DEFECTS[name][2](rows)
    folder = tmp_path / "dossiers"
    folder.mkdir()
    pq.write_table(dossiers_table(rows), folder / "part-0.parquet")
    table = spark_backend().read_parquet(str(folder), table_name="sodo_quality_dossiers")
    tallies = run_record_checks(table, load_datasets(None)["dossiers"], record_checks(), PERIOD,
                                default_hierarchy(), UNITS, TODAY)
    for code, _, _ in DEFECTS.values():
        assert tallies[(BAD, code)].failed >= 1, code
    for unit in CLEAN_AGENCIES:
        assert all(tallies[(unit, c.code)].failed == 0 for c in record_checks()
                   if (unit, c.code) in tallies), unit
