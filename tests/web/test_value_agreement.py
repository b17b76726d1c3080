"""One truth: the web pages, the API, the CLI and the assessment report the same latest value for
every target of the demo programme — on SQLite and on PostgreSQL — including an indicator
computed from records for January and reported (and approved) for February."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
import pandas as pd
import pytest
from server import serve
from sqlalchemy.orm import Session

from sodo.domain.programme import Aggregation, Obtained
from sodo.http.app import create_app
from sodo.services import catalogue
from sodo.services.assessment import assess_targets
from sodo.services.demo import build_demo
from sodo.services.settings import Settings
from sodo.stores.operational import values as values_repo
from sodo.stores.operational.tables import make_engine

AS_OF = date(2026, 12, 1)
JAN, FEB = "2026-01", "2026-02"


def pick_case_indicator(programme) -> str:  # type: ignore[no-untyped-def]
    """A reported indicator, judged as a level (not a sum), that a national target uses."""
    for target in programme.targets:
        ind = programme.indicator(target.indicator)
        if (target.orgunit == "VN" and ind.obtained is Obtained.REPORTED
                and ind.aggregation_time is not Aggregation.SUM and ind.unit == "%"):
            return ind.code
    raise AssertionError("the demo programme has no reported percentage target")


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         postgres_database) -> Iterator[tuple[Path, dict[str, str], str]]:
    root = tmp_path_factory.mktemp(f"agree-{request.param}") / "demo"
    env = {k: v for k, v in os.environ.items() if k != "SODO_DATABASE_URL"}
    env["SODO_TODAY"] = AS_OF.isoformat()

    def build(url: str | None) -> tuple[Path, dict[str, str], str]:
        if url:
            env["SODO_DATABASE_URL"] = url
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)
        try:
            build_demo(root, rows=4000, seed=11)
            settings = Settings.open(root)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        engine = make_engine(settings.database_url)
        with Session(engine) as session:
            cat = catalogue.current(session)
            assert cat is not None
            code = pick_case_indicator(cat.programme)
            # January computed from records (its quarter, half and year only provisional) ...
            frame = pd.DataFrame([
                {"indicator": code, "orgunit": "VN", "period": p, "period_type": t,
                 "value": 40.0, "numerator": None, "denominator": None,
                 "provisional": p != JAN}
                for p, t in ((JAN, "month"), ("2026Q1", "quarter"), ("2026S1", "half"),
                             ("2026", "year"))])
            run = values_repo.start_run(session, "duckdb", [JAN], [code])
            values_repo.replace_computed_values(session, run, frame, [code],
                                                [JAN, "2026Q1", "2026S1", "2026"])
            # ... and February reported by the agency and approved.
            values_repo.publish_reported(session, "VN", FEB, [
                {"indicator": code, "value": 70.0}], source="form TEST v1 approved by test")
            session.commit()
        engine.dispose()
        return root, env, code

    if request.param == "sqlite":
        yield build(None)
        return
    with postgres_database("sodo_agree") as url:
        yield build(url)


def sodo(env: dict[str, str], root: Path, *args: str) -> list[dict]:
    result = subprocess.run([sys.executable, "-m", "sodo", *args, "--workspace", str(root),
                             "--format", "json"], capture_output=True, text=True, env=env,
                            timeout=180)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_interface_reports_the_same_latest_value(demo) -> None:  # type: ignore[no-untyped-def]
    root, env, code = demo
    settings = replace(Settings.open(root), database_url=env.get(
        "SODO_DATABASE_URL", Settings.open(root).database_url), today=AS_OF)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        cat = catalogue.current(session)
        assert cat is not None
        service = {a.target_id: (a.latest, a.latest_period) for a in assess_targets(
            session, cat.programme, AS_OF, settings.assess)}
    engine.dispose()
    # the case of the issue: February's approved report is the latest value, not January's
    # computed figure nor the provisional quarter made of January alone
    case = [t.id for t in cat.programme.targets if t.indicator == code and t.orgunit == "VN"]
    assert case and all(service[t] == (70.0, FEB) for t in case), [service[t] for t in case]
    with_data = {t: v for t, v in service.items() if v[0] is not None}
    assert len(with_data) >= 10  # the demo gives most targets a series

    cli = {r["target_id"]: (r["latest"], r["latest_period"])
           for r in sodo(env, root, "assess", "--as-of", AS_OF.isoformat())}
    assert cli == service

    app = create_app(settings)
    try:
        with serve(app) as url, httpx.Client(base_url=url, timeout=60) as http:
            api = http.get("/api/v1/assessment/targets",
                           params={"as_of": AS_OF.isoformat()}).json()["targets"]
            assert {r["target_id"]: (r["latest"], r["latest_period"]) for r in api} == service
            page = http.get("/targets", params={"format": "json"}).json()["targets"]
            assert {r["target_id"]: (r["latest"], r["latest_period"]) for r in page} == service
            for target in cat.programme.targets:
                latest, period = service[target.id]
                if latest is None:
                    continue
                one = http.get(f"/targets/{target.id}", params={"format": "json"}).json()
                assert (one["latest"], one["latest_period"]) == (latest, period)
                assert one["observed"][-1]["period"] == period
                # the value of that cell, as the values API serves it, is the same figure
                rows = http.get("/api/v1/values", params={
                    "dx": target.indicator, "pe": period, "ou": target.orgunit}).json()["rows"]
                assert [r["value"] for r in rows] == [latest], (target.id, rows)
            unit = http.get("/units/VN", params={"format": "json"}).json()
            shown = {k["indicator"]: (k["value"], k["period"]) for k in unit["key_indicators"]}
            assert shown[code] == (70.0, FEB)
            for target in cat.programme.targets:
                if target.orgunit == "VN" and service[target.id][0] is not None \
                        and cat.indicator(target.indicator).aggregation_time \
                        is not Aggregation.SUM:
                    assert shown[target.indicator] == service[target.id], target.id
    finally:
        app.state.ctx.close()

    values = sodo(env, root, "values", "--indicator", code, "--period", FEB, "--period", JAN,
                  "--orgunit", "VN")
    assert [(r["period"], r["value"], r["origin"]) for r in values] == [
        (JAN, 40.0, "computed"), (FEB, 70.0, "reported")]
