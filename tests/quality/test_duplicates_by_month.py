"""The duplicate checks as the scorecard runs them on DuckDB: ``sach.duplicate_key`` lowers a
plain key without the regular expression (only keys holding a character it removes go through
it), and a scan of many months runs each duplicate check month by month; both give what the
one regular expression over one query of every month gives."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from quality_helpers import clean_dossier, put_records
from test_record_checks import PERIOD, TODAY, record_checks

from sodo.domain.orgunits import default_hierarchy
from sodo.services.quality import partitions, scan
from sodo.services.quality.compiled import run_record_checks
from sodo.services.quality.records import INVISIBLE
from sodo.stores.records.base import RecordStore

JULY = datetime(2025, 7, 10, 9)

#: what the normalisation removes: the ASCII characters of ``\\s`` as RE2 reads it, the invisible
REMOVED = f"\t\n\f\r {INVISIBLE}"


def _with(char: str, i: int) -> str:
    """Key ``K-1<i>`` with ``char`` at its start, in it or at its end."""
    key = f"K-1{i:03d}"
    return (char + key, key[:3] + char + key[3:], key + char)[i % 3]


#: pairs of keys that are one key for sach.duplicate_key: by case, and by each character
#: the normalisation removes
SAME = [("K-0001", "k-0001"), ("Đ-0002", "đ-0002"),
        *((f"K-1{i:03d}", _with(c, i)) for i, c in enumerate(REMOVED))]
#: characters the normalisation keeps (not in DuckDB's ``\\s`` nor invisible)
KEPT = [("K-0007", "K-0007\u000b"), ("K-0008", "K-0008\u3000")]


def _rows(pairs: list[tuple[str, str]], month: datetime = JULY) -> list[dict[str, Any]]:
    rows = []
    for i, pair in enumerate(pairs):
        for j, key in enumerate(pair):
            # contents differ, so that only the key can make a duplicate
            rows.append(clean_dossier(key, "08", month + timedelta(hours=i, minutes=j),
                                      supplement_count=j))
    return rows


def _reference(keys: list[str]) -> int:
    """Copies by the regular expression in Python (``\\s`` as RE2 reads it)."""
    removed = re.compile(f"[{REMOVED}]")
    return len(keys) - len({removed.sub("", k.lower()) for k in keys})


def test_keys_differing_by_case_spaces_or_invisible_characters_are_one_key(
        make_store: Callable[[], RecordStore]) -> None:
    store = make_store()
    pairs = SAME + (KEPT if store.backend_name == "duckdb" else [])
    rows = _rows(pairs)
    put_records(store, "dossiers", rows)
    tallies = run_record_checks(store.table("dossiers"), store.dataset("dossiers"),
                                record_checks(), PERIOD, default_hierarchy(), ["08"], TODAY,
                                store.table)
    found = tallies[("08", "sach.duplicate_key")]
    assert found.failed == len(SAME) == _reference([r["dossier_id"] for r in rows])
    assert found.checked == len(rows)


def _partitions(store: RecordStore, root: Path) -> partitions.Partitions:
    ds = store.dataset("dossiers")
    parts, _ = partitions.current(partitions.PartitionCache(root), store, ds, record_checks(),
                                  default_hierarchy(), "test", full=True)
    return parts


def _sorted(table: pa.Table) -> list[dict[str, Any]]:
    return sorted(table.to_pylist(), key=lambda r: sorted((k, str(v)) for k, v in r.items()))


def test_a_scan_of_many_months_finds_the_same_duplicates_month_by_month(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a DuckDB store of its own (not the make_store fixture): the month-by-month path is
    # DuckDB's; "conftest" is not importable by name (another folder's may be loaded)
    from sodo.services.datasets import load_datasets
    from sodo.stores.records.registry import open_store

    store = open_store(f"duckdb:///{tmp_path}/records.duckdb", load_datasets(None))
    try:
        rows = []
        for n, month in enumerate((datetime(2025, 5, 3), datetime(2025, 7, 9),
                                   datetime(2025, 8, 20))):
            rows += _rows([(f"M{n}-{a}", f"m{n}-{b}") for a, b in SAME[:2 + n]], month)
            # the same content under another key, within the month
            rows.append({**rows[-1], "dossier_id": f"COPY-{n}"})
        # a key repeated across months is no duplicate (each month on its own)
        rows.append(clean_dossier("M0-K-0001", "08", datetime(2025, 9, 1)))
        put_records(store, "dossiers", rows)

        whole = _partitions(store, tmp_path / "whole")
        restricted: list[list[int]] = []
        real = scan.CachedRunner.restricted

        def spy(self: scan.CachedRunner, months: list[int]) -> scan.CachedRunner:
            restricted.append(list(months))
            return real(self, months)

        monkeypatch.setattr(scan.CachedRunner, "restricted", spy)
        monkeypatch.setattr(scan, "DUPLICATE_CHUNK_ROWS", 1)
        by_month = _partitions(store, tmp_path / "by_month")
        # a table of an earlier version (arrival order): each month's query would read it
        # whole, so it is scanned in one query
        assert len(restricted) == 8
        store.con.execute("DELETE FROM _layout")  # type: ignore[attr-defined]
        assert _sorted(_partitions(store, tmp_path / "unclustered").counts) == _sorted(
            whole.counts)
    finally:
        store.close()
    # each duplicate check ran once per month (and not on the unclustered table)
    assert restricted == [[202505], [202507], [202508], [202509]] * 2
    assert whole.codes == by_month.codes
    assert _sorted(whole.counts) == _sorted(by_month.counts)
    assert _sorted(whole.examples) == _sorted(by_month.examples)
    counts = {r["ym"]: r for r in whole.counts.to_pylist()}
    assert [counts[m]["f_sach__duplicate_key"] for m in (202505, 202507, 202508, 202509)] == [
        2, 3, 4, 0]
    assert [counts[m]["f_sach__duplicate_content"] for m in (202505, 202507, 202508)] == [
        1, 1, 1]


def test_malformed_values_are_found_with_or_without_the_regular_expression(
        make_store: Callable[[], RecordStore]) -> None:
    """``sach.malformed`` (padding, invisible characters) on keys the plain-ASCII path skips
    and keys it leaves to the regular expression: as many as Python's pattern finds."""
    from sodo.services.quality.records import MALFORMED_PATTERN

    # ``\\s`` as RE2 reads it (Python's also takes the vertical tab)
    pattern = re.compile(MALFORMED_PATTERN.replace("\\s", "\t\n\f\r "))

    keys = ["K-2000 ", "\tK-2001", "K 2002", "K-2003\u00a0", "K-20\u200b04", "\ufeffK-2005",
            "Đ-2006", "K-2007\r", "K-2008\n", " K-2009", "K-2010\f", "K-2011"]
    store = make_store()
    if store.backend_name == "duckdb":
        keys += ["K-2012\u000b", "K-2013\u3000"]  # not ``\\s`` for RE2 (PostgreSQL differs)
    rows = [clean_dossier(k, "08", JULY + timedelta(hours=i)) for i, k in enumerate(keys)]
    put_records(store, "dossiers", rows)
    tallies = run_record_checks(store.table("dossiers"), store.dataset("dossiers"),
                                record_checks(), PERIOD, default_hierarchy(), ["08"], TODAY,
                                store.table)
    found = tallies[("08", "sach.malformed")]
    assert found.failed == sum(bool(pattern.search(k)) for k in keys) == 9
