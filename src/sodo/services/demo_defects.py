"""Labelled data-quality defects the demo injects into a few agencies' synthetic dossiers, so
the scorecard shows a believable, mixed picture (clean agencies score high).

Every defect is one the intake accepts (a refused file would load nothing): it is the kind of
fault that reaches a real store and that only the quality checks find. Each is labelled in
``inputs/defects.json`` with its agency, the check that must find it and its principle.

- Cao Bằng (04): its feed stops mid-month two months before the last (Sống:
  ``song.freshness``);
- Quảng Ninh (22): a few of its dossiers carry procedure codes that are not in the
  procedure catalogue (Thống nhất: ``thong_nhat.code_lists``; the shipped catalogue stands in
  for the national one and holds the generator's codes);
- Tuyên Quang (08): a share of its dossiers after 2025-07-01 still carry the pre-merger code of
  Hà Giang, ``P63-02`` (Thống nhất: ``thong_nhat.orgunit_in_force``);
- Điện Biên (11): a share of its dossiers loaded a second time under new keys (Sạch:
  ``sach.duplicate_content``);
- Lai Châu (12): paid online although the procedure has no fee (Đúng: ``dung.cross_field``);
- Bộ Tư pháp (BTP): a few dossiers sent again under a second key of their own (Sạch:
  ``sach.duplicate_content``). Keys that differ only by case or invisible characters
  (``sach.duplicate_key``) never get this far: intake folds the case, so a key re-sent in
  lower case replaces its record, and refuses invisible characters, naming the row; that
  check is for stores loaded before, or written by other means.

Late and missing reports and reported values that disagree with the records are not injected:
the demo has no agency reports yet (its reported figures are national, labelled synthetic).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from sodo.domain.periods import Period

RECENT_MONTHS = 6  # record defects touch a share of the agency's dossiers of these months
DEFECTS: list[dict[str, Any]] = [
    {"agency": "04", "kind": "stale_feed", "check": "song.freshness", "principle": "song"},
    {"agency": "22", "kind": "unknown_procedure_code", "check": "thong_nhat.code_lists",
     "principle": "thong_nhat"},
    {"agency": "08", "kind": "pre_merger_code", "check": "thong_nhat.orgunit_in_force",
     "principle": "thong_nhat", "code": "P63-02"},
    {"agency": "11", "kind": "duplicate_under_new_key", "check": "sach.duplicate_content",
     "principle": "sach"},
    {"agency": "12", "kind": "paid_online_without_fee", "check": "dung.cross_field",
     "principle": "dung"},
    {"agency": "BTP", "kind": "resent_under_second_key", "check": "sach.duplicate_content",
     "principle": "sach"},
]


def _subtree_sql(code: str) -> str:
    """SQL: agency_code is ``code`` or one of its communes."""
    from sodo.domain.orgunits import default_hierarchy

    codes = [code, *(u.code for u in default_hierarchy().descendants(code))]
    return "agency_code IN (" + ", ".join(f"'{c}'" for c in codes) + ")"


def inject(path: Path, last_month: str, seed: int = 2026) -> list[dict[str, Any]]:
    """Rewrite the dossiers Parquet file at ``path`` with the defects; return their labels
    (with how many records each touched)."""
    # the feed stops in the middle of the month two before the last one (inside the quarter
    # that the scorecard scores by default)
    last = Period.parse(last_month)
    stale_from = last.previous().previous().start.replace(day=15).isoformat()
    merger = date(2025, 7, 1).isoformat()
    first = last
    for _ in range(RECENT_MONTHS - 1):
        first = first.previous()
    # a share of the agency's recent dossiers (the months a demo scorecard looks at)
    def pick(share: float) -> str:
        return (f"(hash(dossier_id || '{seed}') % 1000) < {int(share * 1000)} "
                f"AND received_at >= TIMESTAMP '{first.start.isoformat()}'")

    con = duckdb.connect()
    try:
        con.execute(f"CREATE TABLE d AS SELECT * FROM read_parquet('{path}')")
        counts: dict[str, int] = {}

        def run(kind: str, sql: str) -> None:
            counts[kind] = int(con.execute(sql).fetchall()[0][0])

        run("stale_feed", f"SELECT count(*) FROM d WHERE {_subtree_sql('04')} "
                          f"AND received_at >= TIMESTAMP '{stale_from}'")
        con.execute(f"DELETE FROM d WHERE {_subtree_sql('04')} "
                    f"AND received_at >= TIMESTAMP '{stale_from}'")
        # codes of the national pattern that the catalogue does not hold (9.xxxxxx)
        where = f"{_subtree_sql('22')} AND {pick(0.02)}"
        run("unknown_procedure_code", f"SELECT count(*) FROM d WHERE {where}")
        con.execute("UPDATE d SET procedure_code = '9.' || lpad(CAST(hash(dossier_id) % "
                    f"1000000 AS VARCHAR), 6, '0') WHERE {where}")
        where = f"agency_code = '08' AND received_at >= TIMESTAMP '{merger}' AND {pick(0.1)}"
        run("pre_merger_code", f"SELECT count(*) FROM d WHERE {where}")
        con.execute(f"UPDATE d SET agency_code = 'P63-02' WHERE {where}")
        where = f"{_subtree_sql('11')} AND {pick(0.25)}"
        run("duplicate_under_new_key", f"SELECT count(*) FROM d WHERE {where}")
        con.execute("INSERT INTO d SELECT * REPLACE (dossier_id || '-R' AS dossier_id) "
                    f"FROM d WHERE {where}")
        where = f"{_subtree_sql('12')} AND paid_online AND {pick(0.5)}"
        run("paid_online_without_fee", f"SELECT count(*) FROM d WHERE {where}")
        con.execute(f"UPDATE d SET fee_required = false WHERE {where}")
        where = f"agency_code = 'BTP' AND {pick(0.03)}"
        run("resent_under_second_key", f"SELECT count(*) FROM d WHERE {where}")
        con.execute("INSERT INTO d SELECT * REPLACE ('BS-' || dossier_id AS dossier_id) "
                    f"FROM d WHERE {where}")
        con.execute(f"COPY (SELECT * FROM d) TO '{path}' (FORMAT parquet)")
    finally:
        con.close()
    return [{**d, "records": counts.get(d["kind"], 0)} for d in DEFECTS]


def write_labels(labels: list[dict[str, Any]], path: Path) -> None:
    path.write_text(json.dumps(labels, ensure_ascii=False, indent=2), encoding="utf-8")
