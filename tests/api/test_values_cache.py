"""``GET /api/v1/values`` keeps its answers per version of the store (issue 17: several workers
on PostgreSQL): a repeated query is answered without querying the values again, yet a value
written by another process, a computation finishing or a programme sync shows in the very next
answer; the reader's credentials are checked on every request, cached answer or not. On
SQLite and on the real PostgreSQL server, over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from sodo.domain.permissions import Actor
from sodo.services import accounts
from sodo.stores.operational import values as values_repo
from sodo.stores.operational.models import ApiToken, User
from sodo.stores.operational.tables import compute_run, indicator_value, make_engine

from .conftest import LiveServer, Site, build_site

QUERY = {"dx": "so_diem_wifi", "pe": "2023-01;2023-02", "ou": "VN;LEVEL-province"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_site(request: pytest.FixtureRequest, tmp_path, postgres_database) -> Iterator[Site]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sodo.db'}"
        app, tokens = build_site(url)
        with LiveServer(app) as server:
            yield Site(app, server.url, tokens)
        app.state.ctx.close()
    else:
        with postgres_database("sodo_values_cache") as url:
            app, tokens = build_site(url)
            with LiveServer(app) as server:
                yield Site(app, server.url, tokens)
            app.state.ctx.close()


def _write_value(url: str, unit: str, value: float) -> None:
    """A value written by another process's connection (not through this app)."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(indicator_value).values(
            indicator="so_diem_wifi", orgunit=unit, period="2023-01", period_type="month",
            category="", value=value, origin="computed", state="approved", source="test"))
    engine.dispose()


def _values_of(site: Site, client) -> dict[str, float]:  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/values", params=QUERY)
    assert answer.status_code == 200, answer.text
    return {r["orgunit"]: r["value"] for r in answer.json()["rows"]}


def test_a_repeated_query_is_not_queried_again_but_every_change_shows_at_once(
        fresh_site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    url = str(fresh_site.app.state.ctx.engine.url.render_as_string(hide_password=False))
    queried = []
    original = values_repo.query_candidates

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        queried.append(1)
        yield from original(*args, **kwargs)

    monkeypatch.setattr(values_repo, "query_candidates", counting)
    _write_value(url, "01", 10.0)
    with fresh_site.client() as public:
        assert _values_of(fresh_site, public) == {"01": 10.0}
        assert _values_of(fresh_site, public) == {"01": 10.0}
        csv_text = public.get("/api/v1/values", params={**QUERY, "format": "csv"}).text
        assert "so_diem_wifi,01,2023-01" in csv_text
        assert len(queried) == 2  # the JSON answer once, the CSV answer once
        _write_value(url, "79", 20.0)  # another process writes a value
        assert _values_of(fresh_site, public) == {"01": 10.0, "79": 20.0}
        assert len(queried) == 3
        engine = make_engine(url)  # a computation finishes elsewhere
        with engine.begin() as conn:
            conn.execute(insert(compute_run).values(
                started_at=datetime.now(UTC), finished_at=datetime.now(UTC), backend="duckdb",
                periods="[]", indicators="[]", status="done"))
        engine.dispose()
        assert _values_of(fresh_site, public) == {"01": 10.0, "79": 20.0}
        assert len(queried) == 4
    # a revoked token is refused though the answer it asked for is kept
    with fresh_site.client("hn_viewer") as viewer:
        assert _values_of(fresh_site, viewer) == {"01": 10.0, "79": 20.0}
        with fresh_site.session() as session:
            token_id = session.scalar(select(ApiToken.id).join(User).where(
                User.username == "hn_viewer"))
            accounts.revoke_token(session, Actor.system(), token_id)
            session.commit()
        assert viewer.get("/api/v1/values", params=QUERY).status_code == 401
    assert len(queried) == 4


def test_every_version_read_sees_what_was_committed_before_it_asked(fresh_site: Site) -> None:
    """Many threads read the store's version while another process writes: each read that
    began after the write was committed sees it (reads are shared between the threads waiting
    for one, never answered from a read that started before they asked)."""
    ctx = fresh_site.app.state.ctx
    url = str(ctx.engine.url.render_as_string(hide_password=False))
    before = ctx.version()
    _write_value(url, "48", 30.0)
    seen: list[object] = []
    start = threading.Barrier(16)

    def read() -> None:
        start.wait()
        for _ in range(5):
            seen.append(ctx.version())

    threads = [threading.Thread(target=read) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(seen) == 80 and before not in seen and len(set(seen)) == 1
