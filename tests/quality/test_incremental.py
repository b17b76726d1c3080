"""The scorecard is incremental for real: after a batch, only the months it touched are
rescanned (the kept partitions give the others) and the result equals a full rescan — for the
period scored, for a quarter and a year that contain the month, and when a replaced record
moves to another month. ``sodo compute`` refreshes the stored periods the same way."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from sodo.domain.permissions import Actor
from sodo.services import quality, records
from sodo.services.context import AppContext
from sodo.services.generate import generate_table
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace
from sodo.stores.operational.models import AuditEntry

TODAY = date(2026, 1, 20)
ADMIN = Actor.system("test")


def _ctx(root: Path) -> AppContext:
    return AppContext(replace(Settings.open(root), today=TODAY))


def _last_rescan(ctx: AppContext) -> dict:
    with ctx.session() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "quality.compute").order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    return entry.after["rescanned"]


def _comparable(rows: list[dict]) -> list[tuple]:
    return sorted((r["dataset"], r["unit"], r["period"], r["principle"], r["score"],
                   r["checked"], r["failed"],
                   tuple((c["code"], c["failed"], tuple(e["key"] for e in c["examples"]))
                         for c in r["checks"])) for r in rows)


def test_a_batch_rescans_its_months_only_and_equals_a_full_run(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root)
    base = generate_table("dossiers", 6_000, "2025-01", "2025-12", seed=3)
    pq.write_table(base, tmp_path / "base.parquet")
    with _ctx(root) as ctx:
        records.ingest(ctx, ADMIN, "dossiers", [tmp_path / "base.parquet"])
        first = quality.compute(ctx, ADMIN, dataset="dossiers", period="2025Q4")
        assert _last_rescan(ctx)["dossiers"]["mode"] == "full"
        again = quality.compute(ctx, ADMIN, dataset="dossiers", period="2025Q4")
        assert _last_rescan(ctx)["dossiers"] == {"mode": "cached", "months": []}
        assert _comparable(again) == _comparable(first)

        # a batch in December: paid online without a fee, a dossier sent again under a
        # second key, and a November dossier corrected into December (its old month is
        # touched too)
        rows = base.to_pylist()
        december = [r for r in rows if r["received_at"].month == 12][:40]
        november = next(r for r in rows if r["received_at"].month == 11
                        and r["received_at"].day < 28)
        batch = [{**r, "dossier_id": r["dossier_id"] + "-B", "paid_online": True,
                  "fee_required": False} for r in december[:20]]
        batch.append({**december[30], "dossier_id": "BS-" + december[30]["dossier_id"]})
        batch.append({**november, **{f: november[f] + timedelta(days=30) for f in
                                     ("received_at", "due_at", "finished_at") if november[f]}})
        pq.write_table(pa.Table.from_pylist(batch, schema=base.schema), tmp_path / "b.parquet")
        records.ingest(ctx, ADMIN, "dossiers", [tmp_path / "b.parquet"])

        incremental = quality.compute(ctx, ADMIN, dataset="dossiers", period="2025Q4")
        assert _last_rescan(ctx)["dossiers"] == {"mode": "incremental",
                                                 "months": [202511, 202512]}
        full = quality.compute(ctx, ADMIN, dataset="dossiers", period="2025Q4", full=True)
        assert _last_rescan(ctx)["dossiers"]["mode"] == "full"
        assert _comparable(incremental) == _comparable(full)
        assert _comparable(incremental) != _comparable(first)  # the batch is seen
        dung = {r["unit"]: r for r in incremental if r["principle"] == "dung"}
        cross = next(c for c in dung["VN"]["checks"] if c["code"] == "dung.cross_field")
        before = next(c for c in next(r for r in first if r["unit"] == "VN"
                                      and r["principle"] == "dung")["checks"]
                      if c["code"] == "dung.cross_field")
        assert cross["failed"] == before["failed"] + 20
        def duplicates(rows: list[dict]) -> int:
            sach = next(r for r in rows if r["unit"] == "VN" and r["principle"] == "sach")
            return next(c for c in sach["checks"]
                        if c["code"] == "sach.duplicate_content")["failed"]

        # the copy under a second key, and the 20 "-B" ones: they differ from their
        # originals only in fields the check does not compare (quality.yaml)
        assert duplicates(incremental) == duplicates(first) + 21

        # the partitions serve any period: the year equals its full rescan too
        year = quality.compute(ctx, ADMIN, dataset="dossiers", period="2025")
        assert _last_rescan(ctx)["dossiers"]["mode"] == "cached"
        year_full = quality.compute(ctx, ADMIN, dataset="dossiers", period="2025", full=True)
        assert _comparable(year) == _comparable(year_full)


def test_compute_refreshes_the_stored_periods_incrementally(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root)
    pq.write_table(generate_table("dossiers", 3_000, "2025-01", "2025-12", seed=5),
                   tmp_path / "base.parquet")
    with _ctx(root) as ctx:
        records.ingest(ctx, ADMIN, "dossiers", [tmp_path / "base.parquet"])
        records.compute_values(ctx, ADMIN)
        quality.compute(ctx, ADMIN, period="2025Q4")
        quality.compute(ctx, ADMIN, period="2025Q2")
        pq.write_table(generate_table("dossiers", 500, "2025-12", "2025-12", seed=9),
                       tmp_path / "b.parquet")
        records.ingest(ctx, ADMIN, "dossiers", [tmp_path / "b.parquet"])
        records.compute_values(ctx, ADMIN)
        with ctx.session() as session:
            entries = session.scalars(select(AuditEntry).where(
                AuditEntry.action == "quality.compute").order_by(AuditEntry.id)).all()
            stored = quality.scorecard(session, ADMIN, dataset="dossiers", period="2025Q4")
        refreshed = entries[2:]
        assert [e.object_id for e in refreshed] == ["2025Q4"]  # 2025Q2 is not touched
        assert refreshed[0].after["rescanned"]["dossiers"]["mode"] == "incremental"
        assert refreshed[0].after["rescanned"]["dossiers"]["months"] == [202512]
        full = quality.compute(ctx, ADMIN, dataset="dossiers", period="2025Q4", full=True,
                               store=False)
        assert _comparable(stored) == _comparable(full)
