"""Releases: only the programme office opens computed values, for periods that have ended,
of indicators declared open; every release and withdrawal is audited, and the open data
follows them (a release publishes, a withdrawal takes back, the catalogue's dates move)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from workspace_builder import PASSWORD, TODAY

from sodo.domain.permissions import Actor, Conflict, Forbidden, NotAuthenticated, Role
from sodo.domain.problems import InputError
from sodo.domain.programme import Programme
from sodo.services import opendata
from sodo.services import opendata_publish as pub
from sodo.stores.operational.models import AuditEntry

from .conftest import ADMIN, make_site


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path, postgres_database):  # type: ignore[no-untyped-def]
    """A site with nothing released yet, on each backend."""
    if request.param == "sqlite":
        site = make_site(tmp_path / "ws", release=False)
        yield site
        site.app.state.ctx.close()
        return
    with postgres_database("sodo_release") as url:
        site = make_site(tmp_path / "ws", url, release=False)
        yield site
        site.app.state.ctx.close()


def published(session) -> list[str]:  # type: ignore[no-untyped-def]
    """open_indicators (one grouped query) must name exactly the datasets built in full."""
    fast = opendata.open_indicators(session)
    state = opendata.open_state(session)
    assert state is not None
    assert fast == [d.code for d in opendata.datasets(session, state)]
    return fast


def periods_in(ctx, code: str) -> set[str]:  # type: ignore[no-untyped-def]
    content = pub.distribution(ctx, Actor.anonymous(), f"{code}.csv").content
    return {r["period"] for r in csv.DictReader(io.StringIO(content.decode()))}


def test_a_release_opens_computed_values_and_a_withdrawal_takes_them_back(fresh) -> None:  # type: ignore[no-untyped-def]
    ctx = fresh.app.state.ctx
    with ctx.session() as session:
        assert not opendata.is_open(session, "svc766_total")  # computed, not released
        assert opendata.is_open(session, "kinh_te_so")  # a document's figure
        assert opendata.is_open(session, "ho_so_tiep_nhan")  # an approved report
        assert not opendata.is_open(session, "ty_le_hai_long")  # excluded by the programme
        assert published(session) == ["dvc_online", "kinh_te_so", "cap_quang",
                                       "ho_so_tiep_nhan"]
        first = opendata.release(session, ADMIN, ["2026Q3"], ["svc766_total"], "Q3 checked",
                                 TODAY)
        session.commit()
    assert periods_in(ctx, "svc766_total") == {"2026Q3"}
    before = pub.dataset(ctx, "svc766_total")
    assert before is not None and before.last_release == first.at
    with ctx.session() as session:
        second = opendata.release(session, ADMIN, ["2026Q2"], ["svc766_total"], "", TODAY)
        session.commit()
    assert periods_in(ctx, "svc766_total") == {"2026Q2", "2026Q3"}
    with ctx.session() as session:
        assert opendata.is_open(session, "svc766_total")
        opendata.withdraw(session, ADMIN, first.id, "figures under review")
        session.commit()
        with pytest.raises(Conflict):
            opendata.withdraw(session, ADMIN, first.id, "again")
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "opendata_release").order_by(AuditEntry.id)).all()
    assert periods_in(ctx, "svc766_total") == {"2026Q2"}
    after = pub.dataset(ctx, "svc766_total")
    assert after is not None and after.modified > before.modified  # the withdrawal changed it
    assert [(e.action, e.object_id, e.actor) for e in entries] == [
        ("opendata.release", str(first.id), "test-admin"),
        ("opendata.release", str(second.id), "test-admin"),
        ("opendata.withdraw", str(first.id), "test-admin")]
    assert entries[0].after["periods"] == ["2026Q3"]
    assert entries[2].after["withdraw_reason"] == "figures under review"


def test_open_indicators_follow_releases_and_withdrawals(fresh) -> None:  # type: ignore[no-untyped-def]
    """The quick answer (origins of standing values) equals the datasets built in full, as
    releases open computed values and withdrawals take them back."""
    ctx = fresh.app.state.ctx
    with ctx.session() as session:
        assert "svc766_total" not in published(session)
        made = opendata.release(session, ADMIN, ["2026Q3"], ["svc766_total"], "", TODAY)
        session.commit()
        assert "svc766_total" in published(session)
        opendata.withdraw(session, ADMIN, made.id, "under review")
        session.commit()
        assert "svc766_total" not in published(session)
        opendata.release(session, ADMIN, ["2025"], ["svc766_total"], "", TODAY)  # no value
        session.commit()
        assert "svc766_total" not in published(session)


def test_a_year_released_covers_its_quarters_and_months(fresh) -> None:  # type: ignore[no-untyped-def]
    ctx = fresh.app.state.ctx
    with ctx.session() as session:
        opendata.release(session, ADMIN, ["2025"], ["svc766_total", "dvc_online"], "", TODAY)
        session.commit()
    # 2025 covers nothing of 2026: still nothing computed is open
    assert pub.dataset(ctx, "svc766_total") is None
    with ctx.session() as session:
        release = opendata.release(session, ADMIN, ["2026S1"], ["svc766_total"], "", TODAY)
        session.commit()
    assert release.covers("svc766_total", "2026Q2") and release.covers("svc766_total", "2026-04")
    assert not release.covers("svc766_total", "2026Q3")
    assert periods_in(ctx, "svc766_total") == {"2026Q2"}


def test_who_may_release_and_what(fresh) -> None:  # type: ignore[no-untyped-def]
    ctx = fresh.app.state.ctx
    with ctx.session() as session:
        with pytest.raises(NotAuthenticated):
            opendata.release(session, Actor.anonymous(), ["2026Q2"], today=TODAY)
        with pytest.raises(Forbidden):
            opendata.release(session, Actor("r", Role.REPORTER, "01"), ["2026Q2"], today=TODAY)
        with pytest.raises(InputError) as refused:
            opendata.release(session, ADMIN, ["2026Q4", "quý 9", "2026Q2"],
                             ["svc766_total", "nope", "ty_le_hai_long"], today=TODAY)
        rules = sorted(p.rule for p in refused.value.problems)
        assert rules == ["indicator", "open-data", "period", "period-ended"]
        assert "has not ended" in " ".join(p.message for p in refused.value.problems)
        with pytest.raises(InputError):
            opendata.release(session, ADMIN, [], today=TODAY)
        # default: every open indicator computed from records or holding computed values
        made = opendata.release(session, ADMIN, ["2026Q2"], today=TODAY)
        session.rollback()
    assert {"svc766_total", "svc766_g1", "dvc_online"} <= set(made.indicators)
    assert "kinh_te_so" not in made.indicators and "ty_le_hai_long" not in made.indicators


def test_releases_over_the_api(fresh) -> None:  # type: ignore[no-untyped-def]
    with TestClient(fresh.app) as anonymous:
        assert anonymous.post("/api/v1/opendata/releases",
                              json={"periods": ["2026Q2"]}).status_code == 401
    with TestClient(fresh.app) as admin:
        page = admin.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        admin.post("/login", data={"username": "admin", "password": PASSWORD,
                                   "csrf_token": token})
        headers = {"X-CSRF-Token": _token(admin)}
        made = admin.post("/api/v1/opendata/releases", headers=headers,
                          json={"periods": ["2026Q2"], "indicators": ["svc766_total"],
                                "note": "checked"})
        assert made.status_code == 201, made.text
        bad = admin.post("/api/v1/opendata/releases", headers=headers,
                         json={"periods": ["2027Q1"]})
        assert bad.status_code == 422 and "has not ended" in bad.text
        listed = admin.get("/api/v1/opendata/releases").json()
        assert listed[0]["actor"] == "admin" and listed[0]["periods"] == ["2026Q2"]
        gone = admin.post(f"/api/v1/opendata/releases/{made.json()['id']}/withdraw",
                          headers=headers, json={"reason": "wrong"})
        assert gone.status_code == 200 and gone.json()["active"] is False
    with TestClient(fresh.app) as anonymous:
        public = anonymous.get("/api/v1/opendata/releases").json()
    assert "actor" not in public[0] and public[0]["withdraw_reason"] == "wrong"


def _token(client: TestClient) -> str:
    page = client.get("/du-lieu-mo").text  # any page renders the CSRF token for forms
    marker = 'name="csrf_token" value="'
    return page.split(marker)[1].split('"')[0] if marker in page else ""


def test_an_undeclared_open_data_section_leaves_the_programme_as_it_was() -> None:
    plain = Programme(code="P", name="p")
    assert "open_data" not in plain.model_dump(mode="json")
    declared = Programme(code="P", name="p", open_data={"exclude": ["x"]})
    dumped = declared.model_dump(mode="json")["open_data"]
    assert dumped["exclude"] == ["x"] and dumped["licence"] == "CC-BY-4.0"
    assert Programme.model_validate(declared.model_dump(mode="json")) == declared


def test_the_files_are_built_in_the_background_once_per_version(fresh) -> None:  # type: ignore[no-untyped-def]
    import threading

    ctx = fresh.app.state.ctx
    assert pub.warm(ctx) is True
    assert pub.warm(ctx) is False  # already under way for this version
    for thread in threading.enumerate():
        if thread.name == "opendata-prebuild":
            thread.join(timeout=300)
    key = ("opendata.file", pub._version(ctx), "catalog.jsonld")
    built = ctx.cached(key, lambda: pytest.fail("the catalogue was not built beforehand"))
    assert built.name == "catalog.jsonld"
    with ctx.session() as session:  # a release is a new version: built again
        opendata.release(session, ADMIN, ["2026Q2"], ["svc766_total"], "", TODAY)
        session.commit()
    assert pub.warm(ctx) is True


def test_dates_come_from_each_store_when_two_share_a_programme(tmp_path: Path) -> None:
    """The programme's cached copy is shared by stores holding the same version; when the
    documents' figures were published is each store's own fact."""
    from sodo.services import catalogue

    sites = [make_site(tmp_path / name, release=False) for name in ("a", "b")]
    issued = []
    for site in sites:
        ctx = site.app.state.ctx
        with ctx.session() as session:
            synced = catalogue.programme_imports(session, "WEB-TEST")[0].at
        found = pub.dataset(ctx, "kinh_te_so")  # its figure's document gives no date
        assert found is not None and found.issued == synced
        issued.append(found.issued)
        ctx.close()
    assert issued[0] != issued[1]
