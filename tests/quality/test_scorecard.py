"""The scorecard end to end on a workspace: report checks (reporting rate, timeliness, outliers
of reported values, reported vs computed) fire and stay quiet, rows are stored, examples are
shown as permissions allow, and ``sodo quality`` prints the documented shape and exits 0."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from quality_helpers import ADMIN, FORM, TODAY, build_scored_workspace

from sodo.domain.permissions import Actor, Role
from sodo.services import quality
from sodo.services.context import AppContext


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_scored_workspace(tmp_path_factory.mktemp("quality") / "ws")


def _ctx(root: Path) -> AppContext:
    from sodo.services.settings import Settings

    return AppContext(replace(Settings.open(root), today=TODAY))


def _by(rows: list[dict]) -> dict[tuple[str, str, str], dict]:
    return {(r["dataset"], r["unit"], r["principle"]): r for r in rows}


def test_report_checks_fire_and_stay_quiet(workspace: Path) -> None:
    with _ctx(workspace) as ctx:
        rows = _by(quality.compute(ctx, ADMIN, dataset=FORM, period="2025Q3"))
    du = rows[(FORM, "VN", "du")]
    assert (du["checked"], du["failed"]) == (34, 28)
    assert rows[(FORM, "01", "du")]["score"] == 100.0
    assert rows[(FORM, "14", "du")]["score"] == 0.0
    assert rows[(FORM, "12", "song")]["score"] == 0.0
    assert rows[(FORM, "01", "song")]["score"] == 100.0
    assert rows[(FORM, "11", "sach")]["score"] < 100.0
    outlier = rows[(FORM, "11", "sach")]["checks"][0]
    assert outlier["code"] == "sach.outlier_reported" and outlier["failed"] == 1
    assert outlier["examples"][0]["field"] == "electronic_work_files_share"
    assert all(rows[(FORM, u, "sach")]["score"] == 100.0 for u in ("01", "79", "04", "08"))
    assert rows[(FORM, "79", "dong_bo")]["score"] == 0.0
    assert rows[(FORM, "01", "dong_bo")]["score"] == 100.0
    assert rows[(FORM, "01", "dung_chung")]["checked"] == 6
    assert set(rows[(FORM, "01", "du")]) == {"dataset", "unit", "period", "principle",
                                             "score", "checked", "failed", "checks"}
    assert rows[(FORM, "01", "overall")]["score"] is not None


def test_stored_scorecard_shows_examples_as_permissions_allow(workspace: Path) -> None:
    with _ctx(workspace) as ctx:
        quality.compute(ctx, ADMIN, dataset=FORM, period="2025Q3")
        with ctx.session() as session:
            admin = quality.scorecard(session, ADMIN, dataset=FORM, period="2025Q3")
            public = quality.scorecard(session, Actor.anonymous(), dataset=FORM,
                                       period="2025Q3")
            hanoi = quality.scorecard(session, Actor("hn", Role.REPORTER, "01"), dataset=FORM,
                                      period="2025Q3")
    assert [(r["unit"], r["principle"], r["score"]) for r in admin] == \
        [(r["unit"], r["principle"], r["score"]) for r in public]
    assert any(c["examples"] for r in admin for c in r["checks"])
    assert not any(c["examples"] for r in public for c in r["checks"])
    national = _by(hanoi)[(FORM, "VN", "du")]["checks"][0]
    assert national["failed"] == 28 and national["examples"] == []  # other provinces' units
    admin_national = _by(admin)[(FORM, "VN", "du")]["checks"][0]
    assert len(admin_national["examples"]) == 5
    seen = {e["agency"] for r in hanoi for c in r["checks"] for e in c["examples"]}
    assert seen - {""} <= {"01"}  # "": the publication check names indicators, not records


def test_followup_marks_are_audited(workspace: Path) -> None:
    with _ctx(workspace) as ctx, ctx.session() as session:
        mark = quality.mark(session, Actor("hn", Role.REPORTER, "01"), dataset=FORM,
                            check_code="sach.outlier_reported",
                            ref="electronic_work_files_share/01/2025Q3", state="confirmed",
                            comment="Đã kiểm tra: số liệu đúng", unit="01")
        session.commit()
        with pytest.raises(PermissionError):
            quality.mark(session, Actor("hn", Role.REPORTER, "01"), dataset=FORM,
                         check_code="sach.outlier_reported", ref="x/79/2025Q3",
                         state="to_correct", unit="79")
        from sodo.services import audit

        entries = audit.query(session, ADMIN, action="quality.followup").entries
        assert mark["state"] == "confirmed"
        assert any(e.object_id == str(mark["id"]) for e in entries)
        assert quality.followups(session, Actor.anonymous()) == []


def sodo(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SODO_TODAY": TODAY.isoformat()}
    return subprocess.run([sys.executable, "-m", "sodo", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_cli_json_csv_table_and_explain(workspace: Path) -> None:
    result = sodo("quality", "-w", str(workspace), "--period", "2025Q3", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and all(list(r) == ["dataset", "unit", "period", "principle", "score",
                                    "checked", "failed", "checks"] for r in rows)
    assert all(set(c) == {"code", "severity", "failed", "examples"}
               for r in rows for c in r["checks"])
    dossiers = _by(rows)[("dossiers", "01", "dung")]
    assert dossiers["score"] == 100.0 and dossiers["checked"] == 5 * 3
    stored = sodo("quality", "-w", str(workspace), "--period", "2025Q3", "--stored",
                  "--unit", "79", "--format", "csv")
    assert stored.returncode == 0, stored.stderr
    header = next(csv.reader(io.StringIO(stored.stdout)))
    assert header == ["dataset", "unit", "period", "principle", "score", "checked", "failed",
                      "checks"]
    table = sodo("quality", "-w", str(workspace), "--period", "2025Q3", "--stored")
    assert table.returncode == 0 and "Data quality" in table.stdout
    explained = sodo("quality", "--explain", "thong_nhat.orgunit_in_force")
    assert explained.returncode == 0 and "Thống nhất" in explained.stdout
    bad = sodo("quality", "--explain", "nope")
    assert bad.returncode == 1 and "unknown check" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_api_serves_the_stored_scorecard_without_examples_to_the_public(
        workspace: Path) -> None:
    from fastapi.testclient import TestClient

    from sodo.http.app import create_app
    from sodo.services.settings import Settings

    with _ctx(workspace) as ctx:
        quality.compute(ctx, ADMIN, dataset=FORM, period="2025Q3")
    app = create_app(replace(Settings.open(workspace), today=TODAY))
    with TestClient(app) as client:
        rows = client.get("/api/v1/quality", params={"dataset": FORM, "unit": "79"}).json()
        assert {r["principle"] for r in rows} >= {"du", "dong_bo", "overall"}
        assert all(list(r) == list(quality.ROW_KEYS) for r in rows)
        assert not any(c["examples"] for r in rows for c in r["checks"])
        dong_bo = next(r for r in rows if r["principle"] == "dong_bo")
        assert dong_bo["score"] == 0.0 and dong_bo["checks"][0]["failed"] == 1
        assert client.get("/api/v1/quality", params={"period": "2025Q9"}).status_code == 422
        checks = client.get("/api/v1/quality/checks").json()
        assert {c["principle"] for c in checks} >= {"dung", "dung_chung"}
        denied = client.post("/api/v1/quality/followups", json={
            "dataset": FORM, "check": "dong_bo.reported_vs_computed", "ref": "x",
            "state": "confirmed"})
        assert denied.status_code == 401


def test_refresh_rescored_the_stored_periods_a_compute_touched(workspace: Path) -> None:
    with _ctx(workspace) as ctx:
        quality.compute(ctx, ADMIN, dataset=FORM, period="2025Q3")
        assert quality.refresh(ctx, ADMIN, ["2025-09", "2025Q3", "2025"]) == ["2025Q3"]
        assert quality.refresh(ctx, ADMIN, ["2024-02"]) == []
        assert quality.refresh(ctx, ADMIN, ["2025"]) == []  # no month: nothing touched
