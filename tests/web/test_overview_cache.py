"""The overview's view-model is kept per data version and audience (issue 10: 50 clients
rebuilt it at every request), and that cache never serves stale data: over real HTTP against
two served apps on the same store (SQLite and PostgreSQL) — one with the page cache, one
without — every change another process makes (values recomputed, a record batch ingested, the
programme's targets changed, a task update, a report submitted and approved) shows on the
cached page exactly as on the uncached one (whose every cache is emptied first), for anonymous visitors and for an approver who
may see drafts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from server import serve
from sqlalchemy import insert
from sqlalchemy.orm import Session
from workspace_builder import PASSWORD, TODAY, build_workspace

import sodo.web.pages.overview as overview_page
from sodo.domain.forms import ValueInput
from sodo.domain.permissions import Actor, Role
from sodo.http.app import create_app
from sodo.services import catalogue, reporting, task_progress
from sodo.services.settings import Settings
from sodo.stores.operational.intake_models import BatchStatus
from sodo.stores.operational.tables import compute_run, indicator_value, make_engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def workspace(request: pytest.FixtureRequest, tmp_path: Path,
              postgres_database) -> Iterator[Path]:
    if request.param == "sqlite":
        yield build_workspace(tmp_path / "ws")
        return
    with postgres_database("sodo_overview_cache") as url:
        yield build_workspace(tmp_path / "ws", url)


def _log_in(client: httpx.Client, username: str) -> None:
    response = client.post("/api/v1/auth/login",
                           json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text


def test_cached_overview_follows_every_change(workspace: Path, monkeypatch) -> None:
    builds: list[str] = []
    build = overview_page.overview_model

    def counted(request, lang):  # type: ignore[no-untyped-def]
        if request.app is cached_app:  # the builds of the cached app
            builds.append(lang)
        return build(request, lang)

    monkeypatch.setattr(overview_page, "overview_model", counted)
    settings = replace(Settings.open(workspace), today=TODAY)
    cached_app, fresh_app = create_app(settings), create_app(replace(settings, page_cache=False))
    engine = make_engine(settings.database_url)
    try:
        with serve(cached_app) as cached_url, serve(fresh_app) as fresh_url, \
                httpx.Client(base_url=cached_url, timeout=60) as anonymous, \
                httpx.Client(base_url=fresh_url, timeout=60) as anonymous_fresh, \
                httpx.Client(base_url=cached_url, timeout=60) as approver, \
                httpx.Client(base_url=fresh_url, timeout=60) as approver_fresh:
            _log_in(approver, "hanoi.approver")
            _log_in(approver_fresh, "hanoi.approver")

            def pages() -> tuple[dict, dict]:
                """The overview as the anonymous visitor and the approver see it, each
                checked against the uncached app."""
                seen = []
                for client, fresh in ((anonymous, anonymous_fresh),
                                      (approver, approver_fresh)):
                    got = client.get("/", params={"format": "json"})
                    assert got.status_code == 200, got.text
                    fresh_app.state.ctx.clear_cache()  # assessments, rankings too
                    assert got.json() == fresh.get("/", params={"format": "json"}).json()
                    seen.append(got.json())
                # the rendered page kept for anonymous visitors is the page rendered afresh,
                # in both languages
                for lang in ("vi", "en"):
                    html = anonymous.get("/", params={"lang": lang})
                    assert html.status_code == 200
                    assert html.text == anonymous_fresh.get("/", params={"lang": lang}).text
                    shown.append(html.text)
                return seen[0], seen[1]

            shown: list[str] = []

            before, _ = pages()
            count = len(builds)
            assert anonymous.get("/", params={"format": "json"}).json() == before
            assert anonymous.get("/").status_code == 200
            assert len(builds) == count, "an unchanged overview is not rebuilt"

            # values recomputed (another process: a new run writes a newer period)
            with engine.begin() as conn:
                conn.execute(insert(compute_run), [{
                    "id": 2, "backend": "duckdb", "status": "done", "record_count": 1300,
                    "finished_at": datetime(2026, 11, 26, 9, 0, tzinfo=UTC)}])
                conn.execute(insert(indicator_value), [{
                    "indicator": "dvc_online", "orgunit": "01", "period": "2026Q4",
                    "period_type": "quarter", "category": "", "value": 61.0,
                    "origin": "computed", "state": "approved", "run_id": 2,
                    "updated_at": datetime(2026, 11, 26, 9, 0, tzinfo=UTC)}])
            page_before = shown[-2]
            after_values, _ = pages()
            assert after_values != before
            assert shown[-2] != page_before, "a write shows in the next anonymous page"
            assert after_values["last_run"]["id"] == 2

            # a record batch ingested (not yet computed): the version moves, the page is
            # rebuilt
            count = len(builds)
            with Session(engine) as session:
                session.add(BatchStatus(batch_id=77, dataset="dossiers", channel="api",
                                        rows=10, status="validated",
                                        received_at=datetime.now(UTC),
                                        validated_at=datetime.now(UTC)))
                session.commit()
            pages()
            assert len(builds) > count

            # the programme's targets changed (a fourth target, synced as `sodo programme
            # sync` does)
            yaml = workspace / "programme" / "programme.yaml"
            yaml.write_text(yaml.read_text(encoding="utf-8").replace("tasks:\n", (
                "  - id: MT-HL\n    indicator: ty_le_hai_long\n"
                "    title: 90% người dân hài lòng\n    value: 90\n    deadline: \"2026\"\n"
                "tasks:\n"), 1), encoding="utf-8")
            with Session(engine) as session:
                catalogue.sync(session, Actor.cli(), workspace / "programme")
                session.commit()
            after_targets, _ = pages()
            assert sum(c["count"] for c in after_targets["target_counts"]) == \
                sum(c["count"] for c in after_values["target_counts"]) + 1

            # a task update by its lead unit
            reporter = Actor("hanoi.reporter", Role.REPORTER, "01")
            count = len(builds)
            with Session(engine) as session:
                task_progress.report_progress(session, reporter, "NV-03", "done",
                                              percent=100, today=TODAY)
                session.commit()
            after_task, _ = pages()
            assert len(builds) > count
            assert after_task["task_counts"] != after_targets["task_counts"]

            # a report submitted: the approver's page counts it, the public's does not
            form = next(f for f in after_task["reporting"] if f["form"] == "BC-CDS")
            with Session(engine) as session:
                sub = reporting.save_draft(session, reporter, "BC-CDS", "01", form["period"],
                                           [ValueInput("ho_so_tiep_nhan", 12),
                                            ValueInput("ty_le_hai_long", 80)], today=TODAY)
                reporting.submit(session, reporter, sub.id, today=TODAY)
                session.commit()
                submitted = sub.id
            public, own = pages()

            def sent(page: dict) -> int:
                return next(f for f in page["reporting"] if f["form"] == "BC-CDS")["sent"]

            assert sent(own) == form["sent"] + 1 and sent(public) == form["sent"]
            with Session(engine) as session:
                reporting.approve(session, Actor("hanoi.approver", Role.APPROVER, "01"),
                                  submitted)
                session.commit()
            public, own = pages()
            assert sent(public) == sent(own) == form["sent"] + 1
    finally:
        engine.dispose()
        cached_app.state.ctx.close()
        fresh_app.state.ctx.close()
