"""The overview says, per dataset, when it was last computed and what of it still waits: a
batch accepted and not yet computed shows as waiting; once the automatic recompute ran, the
dataset is up to date with that computation's time. Over HTTP against a served app."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyarrow.parquet as pq
from server import serve

from sodo.http.app import create_app
from sodo.services import recompute
from sodo.services.datasets import open_record_store
from sodo.services.engine.compute import compute
from sodo.services.generate import generate_table
from sodo.services.intake import ingest_files
from sodo.services.workspace import init_workspace
from sodo.stores.operational.values import last_run
from sodo.web.format import format_datetime as fmt_datetime


def _row(html: str, dataset: str) -> str:
    found = re.search(rf'<tr data-dataset="{dataset}"[^>]*>.*?</tr>', html, re.S)
    assert found, html[-3000:]
    return found.group(0)


def test_overview_shows_when_each_dataset_was_last_computed(tmp_path: Path) -> None:
    ws = replace(init_workspace(tmp_path / "ws"), auto_recompute=False)
    app = create_app(ws, include_web=True)
    ctx = app.state.ctx
    with serve(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        before = client.get("/")
        assert before.status_code == 200
        assert 'data-state="never"' in _row(before.text, "dossiers")
        assert "Chưa tính" in _row(before.text, "dossiers")
        for dataset, rows, seed in (("dossiers", 300, 1), ("feedback", 40, 2)):
            path = tmp_path / f"{dataset}.parquet"
            pq.write_table(generate_table(dataset, rows, "2025-10", "2025-10", seed=seed), path)
            with open_record_store(ws) as store:
                ingest_files(store, dataset, [path])
        compute(ws)
        done = last_run(ctx.engine)["finished_at"]
        # a new batch of dossiers, accepted: waiting until the automatic recompute runs
        path = tmp_path / "more.parquet"
        pq.write_table(generate_table("dossiers", 50, "2025-11", "2025-11", seed=3), path)
        with open_record_store(ws) as store:
            batches = ingest_files(store, "dossiers", [path])
        recompute.accepted(ctx, batches, "api", datetime.now(UTC))
        page = client.get("/")
        dossiers, feedback = _row(page.text, "dossiers"), _row(page.text, "feedback")
        assert 'data-state="waiting"' in dossiers and "1 lô đang chờ tính" in dossiers
        assert 'data-state="computed"' in feedback and "Đã cập nhật" in feedback
        # the runner takes the work (the mark goes, the batch is computing): still waiting
        (ws.root / ".sodo" / "recompute.pending").unlink()
        from sqlalchemy import update

        from sodo.stores.operational.intake_models import BatchStatus

        with ctx.session() as session:
            session.execute(update(BatchStatus).values(status="computing"))
            session.commit()
        assert 'data-state="waiting"' in _row(client.get("/").text, "dossiers")
        (ws.root / ".sodo" / "recompute.pending").touch()
        assert recompute.run_pending(ctx) == 1
        after = client.get("/")
        dossiers = _row(after.text, "dossiers")
        assert 'data-state="computed"' in dossiers and "Đã cập nhật" in dossiers
        newer = last_run(ctx.engine)["finished_at"]
        assert newer > done
        data = client.get("/", params={"format": "json"}).json()
        [ds] = [d for d in data["datasets"] if d["dataset"] == "dossiers"]
        assert ds["state"] == "computed" and ds["waiting"] == 0
        # the "last computed" cell (the second) shows the new computation's time; the batch's
        # own time in the next cell may fall in the minute of the first computation
        computed_cell = re.findall(r"<td[^>]*>(.*?)</td>", dossiers, re.S)[1]
        assert computed_cell == fmt_datetime(newer, "vi")
        client.cookies.set("lang", "en")
        english = client.get("/lang/en", params={"next": "/"}, follow_redirects=True)
        assert "Up to date" in _row(english.text, "dossiers")
    ctx.close()
