"""Intake warnings: the checks graded `warning` run on each batch as it is taken in; the batch is
accepted and its warnings (check, count, up to five examples with row/key/field/value/rule) are
stored with it, shown by `sodo ingest` and `GET /api/v1/batches/{id}` — on SQLite and
PostgreSQL operational stores."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import httpx
import pyarrow.csv as pacsv
import pytest
from quality_helpers import clean_dossier, dossiers_table
from server import serve
from typer.testing import CliRunner

from sodo.cli.main import app
from sodo.domain.permissions import Actor
from sodo.http.app import create_app
from sodo.services import accounts, recompute
from sodo.services.context import AppContext
from sodo.services.datasets import open_record_store
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace

runner = CliRunner()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def workspace(request: pytest.FixtureRequest, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Path:
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_operational")
        monkeypatch.setenv("SODO_DATABASE_URL", url)
    init_workspace(tmp_path / "ws")
    return tmp_path / "ws"


@pytest.fixture
def pg_operational(postgres_database):  # type: ignore[no-untyped-def]
    with postgres_database("sodo_i13w") as url:
        yield url


def _csv(path: Path, rows: list[dict]) -> Path:  # type: ignore[type-arg]
    pacsv.write_csv(dossiers_table(rows), path)
    return path


def _rows(prefix: str, n: int = 8) -> list[dict]:  # type: ignore[type-arg]
    return [clean_dossier(f"{prefix}-{i:02d}", "01", datetime(2025, 11, 3 + i, 9))
            for i in range(n)]


def _ingest(root: Path, path: Path, fmt: str = "json"):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["ingest", "dossiers", str(path), "--workspace", str(root),
                               "--no-recompute", "--format", fmt])


def test_warnings_are_found_stored_and_shown(workspace: Path, tmp_path: Path) -> None:
    rows = _rows("HS")
    for i in (2, 5):  # paid online although the procedure has no fee: a warning, not an error
        rows[i]["paid_online"], rows[i]["fee_required"] = True, False
    rows[6]["supplement_count"] = 30  # above the configured range (0–20)
    rows.append({**rows[1], "dossier_id": "HS-99"})  # the same dossier under a new key
    path = _csv(tmp_path / "warned.csv", rows)

    result = _ingest(workspace, path)
    assert result.exit_code == 0, result.output
    [batch] = json.loads(result.stdout)
    assert batch["rows"] == 9 and batch["inserted"] == 9  # accepted, every record
    found = {w["check"]: w for w in batch["warnings"]}
    assert set(found) == {"dung.cross_field", "dung.range", "sach.duplicate_content"}
    [copy] = found["sach.duplicate_content"]["examples"]
    assert (copy["row"], copy["key"], found["sach.duplicate_content"]["count"]) == \
        (9, "HS-99", 1)
    cross = found["dung.cross_field"]
    assert cross["count"] == 2 and cross["principle"] == "dung"
    assert cross["severity"] == "warning"
    assert [(e["row"], e["key"], e["field"], e["value"], e["rule"]) for e in cross["examples"]] \
        == [(3, "HS-02", "fee_required", "false", "paid_online_needs_fee"),
            (6, "HS-05", "fee_required", "false", "paid_online_needs_fee")]
    [ranged] = found["dung.range"]["examples"]
    assert (ranged["row"], ranged["key"], ranged["field"], ranged["value"], ranged["rule"]) \
        == (7, "HS-06", "supplement_count", "30", "range")

    settings = Settings.open(workspace)
    with open_record_store(settings) as store:
        assert store.count("dossiers") == 9
    with AppContext(settings) as ctx:
        state = recompute.status(ctx, batch["batch"])
    assert state is not None and state["status"] == "accepted"
    assert state["warnings"] == batch["warnings"]  # stored with the batch, read back

    # a clean batch: checked, nothing found, stored as an empty list; the table says 0
    clean = _csv(tmp_path / "clean.csv", _rows("OK"))
    table = _ingest(workspace, clean, "table")
    assert table.exit_code == 0, table.output
    assert "Cảnh báo" not in table.stdout
    with AppContext(settings) as ctx:
        last = max(b.id for b in open_record_store(settings).batches("dossiers"))
        assert recompute.status(ctx, last)["warnings"] == []


def test_ingest_table_lists_the_warnings_in_vietnamese_and_english(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root)
    rows = _rows("HS", 3)
    rows[1]["paid_online"], rows[1]["fee_required"] = True, False
    result = _ingest(root, _csv(tmp_path / "w.csv", rows), "table")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Cảnh báo chất lượng" in out and "quality warnings" in out
    assert "dung.cross_field" in out and "Đúng / Correct" in out
    assert "HS-01" in out and "paid_online_needs_fee" in out


def test_api_batch_status_and_the_web_carry_the_warnings(workspace: Path) -> None:
    settings = Settings.open(workspace)
    web = create_app(settings)
    with web.state.ctx.session() as session:
        accounts.create_user(session, Actor.system(), "loader", "mật khẩu đủ dài 2026", "admin")
        _, secret = accounts.create_token(session, Actor.system(), "loader", "",
                                          ["write", "admin"])
        session.commit()
    rows = _rows("API", 4)
    rows[3]["paid_online"], rows[3]["fee_required"] = True, False
    body = "\n".join(json.dumps(r, default=str) for r in dossiers_table(rows).to_pylist())
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/x-ndjson"}
    try:
        with serve(web) as base, httpx.Client(base_url=base, timeout=60) as client:
            posted = client.post("/api/v1/datasets/dossiers/records", headers=headers,
                                 content=body + "\n")
            assert posted.status_code == 201, posted.text
            [warning] = posted.json()["batches"][0]["warnings"]
            state = client.get(posted.json()["status"], headers=headers).json()
            batch = posted.json()["batch"]
            anonymous = client.get("/quality").text
            english = client.get("/quality?lang=en").text
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            client.post("/login", data={"username": "loader", "password": "mật khẩu đủ dài 2026",
                                        "next": "/", "csrf_token": token})
            signed_in = client.get("/quality").text
    finally:
        web.state.ctx.close()
    assert state["status"] in ("validated", "computing", "computed")
    assert state["warnings"] == [warning]
    assert warning["check"] == "dung.cross_field" and warning["count"] == 1
    [example] = warning["examples"]
    assert (example["row"], example["key"], example["agency"]) == (4, "API-03", "01")
    # the quality page lists the batch's warning: counts for everyone, records signed in
    assert "Cảnh báo khi nạp dữ liệu" in anonymous and f'data-batch="{batch}"' in anonymous
    assert "Quy tắc liên trường" in anonymous and "API-03" not in anonymous
    assert "Warnings at intake" in english and "Cross-field rules" in english
    # the batch's dataset by its name in the reader's language, never its code
    assert f"#{batch} · Hồ sơ thủ tục hành chính" in anonymous
    assert '<div class="sub">4 bản ghi · ' in anonymous  # not "4 số bản ghi"
    assert f"#{batch} · Administrative procedure dossiers" in english
    assert "API-03" in signed_in and "paid_online_needs_fee" in signed_in


def test_duplicate_checks_narrowed_to_the_repeated_hashes_find_what_the_whole_batch_does(
        tmp_path: Path) -> None:
    """The duplicate checks run only on the records whose hash repeats (the pre-screen); what
    they find — counts, the five smallest keys, values — is what their window over the whole
    batch finds. Copies of one dossier under 7 new keys, one in another month (not a
    duplicate: duplicates are looked for within a month), and keys differing by an inner
    space (the same key for sach.duplicate_key)."""
    from sodo.domain.orgunits import default_hierarchy
    from sodo.services.quality import intake as quality_intake

    root = tmp_path / "ws"
    init_workspace(root)
    rows = _rows("HS", 20)
    rows += [{**rows[1], "dossier_id": f"HS-CP{i}"} for i in range(7)]
    later = clean_dossier("HS-LATER", "01", datetime(2025, 12, 4, 9))
    rows.append({**rows[1], **{f: later[f] for f in ("dossier_id", "received_at", "due_at",
                                                       "finished_at")}})
    rows += [{**rows[i], "dossier_id": f"HS -{i:02d}", "status": "received",
              "finished_at": None} for i in (3, 4)]
    result = _ingest(root, _csv(tmp_path / "dups.csv", rows))
    assert result.exit_code == 0, result.output
    [batch] = json.loads(result.stdout)
    found = {w["check"]: w for w in batch["warnings"]}
    assert found["sach.duplicate_content"]["count"] == 7
    assert found["sach.duplicate_key"]["count"] == 2

    settings = Settings.open(root)
    hierarchy = default_hierarchy()
    with open_record_store(settings) as store:
        ds = store.dataset("dossiers")
        checks = quality_intake._beyond_intake(
            ds, quality_intake.warning_checks(settings.programme_path(), "dossiers"))
        con = store.staging()
        whole = quality_intake.batch_warnings(con, "dossiers", ds, checks, hierarchy)
        narrowed = quality_intake.warner(settings.programme_path(), hierarchy)(
            con, "dossiers", ds)
    without_rows = [{**w, "examples": [{**e, "row": None} for e in w["examples"]]}
                    for w in batch["warnings"]]
    assert narrowed == whole == without_rows
    assert [e["key"] for e in found["sach.duplicate_content"]["examples"]] == \
        ["HS-CP0", "HS-CP1", "HS-CP2", "HS-CP3", "HS-CP4"]


def _dataset_row(html: str, dataset: str) -> str:
    match = re.search(rf'<tr data-dataset="{dataset}"[^>]*>.*?</tr>', html, re.S)
    assert match, f"no row of {dataset} in the overview's dataset table"
    return match.group(0)


def _pages(root: Path, *paths: str) -> list[str]:
    web = create_app(Settings.open(root))
    try:
        with serve(web) as base, httpx.Client(base_url=base, timeout=60) as client:
            return [client.get(path).text for path in paths]
    finally:
        web.state.ctx.close()


def test_the_overview_counts_the_newest_batchs_warnings(workspace: Path,
                                                        tmp_path: Path) -> None:
    rows = _rows("OV", 5)
    for i in (1, 3):
        rows[i]["paid_online"], rows[i]["fee_required"] = True, False
    assert _ingest(workspace, _csv(tmp_path / "warned.csv", rows)).exit_code == 0
    warned, english = _pages(workspace, "/", "/?lang=en")
    assert _ingest(workspace, _csv(tmp_path / "clean.csv", _rows("OK", 3))).exit_code == 0
    [clean] = _pages(workspace, "/")
    row = _dataset_row(warned, "dossiers")
    assert 'data-warnings="2"' in row and '<a href="/quality#batch-warnings">2</a>' in row
    assert "Cảnh báo khi nạp lô mới nhất" in warned
    assert "Warnings at intake of the newest batch" in english
    # a dataset with no batch checked shows a dash; the newest batch, clean, shows 0
    assert 'data-warnings=""' in _dataset_row(warned, "feedback")
    row = _dataset_row(clean, "dossiers")
    assert 'data-warnings="0"' in row and "/quality#batch-warnings" not in row


def test_warnings_folded_into_the_validation_scan_are_those_of_the_warner_alone(
        tmp_path: Path) -> None:
    """Intake computes the warner's first pass (duplicate screen, codes present) in its own
    validation scan (``IntakeWarner.scan_terms``/``from_scan``); the warnings — checks,
    counts, examples, rows — are the same as a warner that scans the batch itself finds."""
    from sodo.domain.orgunits import default_hierarchy
    from sodo.services.intake import ingest_files
    from sodo.services.quality import intake as quality_intake

    rows = _rows("HS", 12)
    rows[2]["paid_online"], rows[2]["fee_required"] = True, False  # cross-field
    rows[3]["supplement_count"] = 30  # out of range
    rows[4]["procedure_code"] = "9.999999"  # not in the code list
    rows[5]["agency_code"] = "BTTTT"  # a ministry merged away before 2025-11
    rows.append({**rows[1], "dossier_id": "HS-99"})  # a copy under a new key
    rows.append({**rows[6], "dossier_id": "HS -06"})  # the same key but for an inner space
    path = _csv(tmp_path / "warned.csv", rows)
    parquet = tmp_path / "warned.parquet"
    import pyarrow.parquet as pq

    pq.write_table(dossiers_table(rows), parquet)
    hierarchy = default_hierarchy()
    found = {}
    for name, file in (("csv", path), ("parquet", parquet)):
        for fused in (True, False):
            root = tmp_path / f"ws-{name}-{fused}"
            init_workspace(root)
            settings = Settings.open(root)
            warner = quality_intake.warner(settings.programme_path(), hierarchy)
            warn = warner if fused else (lambda con, view, ds, w=warner: w(con, view, ds))
            with open_record_store(settings) as store:
                [batch] = ingest_files(store, "dossiers", [file], hierarchy=hierarchy,
                                       warn=warn)
            found[name, fused] = batch.warnings
    checks = {w["check"] for w in found["csv", True]}
    assert checks == {"dung.cross_field", "dung.range", "thong_nhat.code_lists",
                      "thong_nhat.orgunit_in_force", "sach.duplicate_content",
                      "sach.duplicate_key"}
    assert all(e["row"] for w in found["csv", True] for e in w["examples"])
    assert found["csv", True] == found["csv", False]
    assert found["parquet", True] == found["parquet", False] == found["csv", True]
