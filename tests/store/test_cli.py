"""``sodo user …`` and ``sodo form …`` on a real workspace (SQLite store, files opened back)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from sodo.cli.main import app
from sodo.services.accounts import actor_for_token
from sodo.services.workspace import init_workspace
from sodo.stores.operational.models import session_factory

runner = CliRunner()


def _run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


def test_user_commands(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    w = ["--workspace", str(ws.root)]
    added = _run("user", "add", "hn", "--role", "reporter", "--orgunit", "01",
                 "--password-stdin", *w, input="mật khẩu rất dài 2026\n")
    assert added.exit_code == 0, added.output
    dup = _run("user", "add", "hn", "--role", "reporter", "--password-stdin", *w,
               input="mật khẩu rất dài 2026\n")
    assert dup.exit_code == 1 and "already exists" in dup.output
    assert "Traceback" not in dup.output
    bad = _run("user", "add", "x", "--role", "chief", "--orgunit", "99", "--password-stdin", *w,
               input="short\n")
    assert bad.exit_code == 1 and "unknown role" in bad.output and "'99'" in bad.output
    listed = json.loads(_run("user", "list", "--format", "json", *w).stdout)
    assert [(u["username"], u["role"], u["orgunit"]) for u in listed] == [("hn", "reporter",
                                                                           "01")]
    made = _run("user", "token", "hn", "--scope", "read", "--scope", "write", *w)
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    factory = session_factory(ws.database_url)
    with factory() as session:
        assert actor_for_token(session, secret).orgunit == "01"
    assert _run("user", "disable", "hn", *w).exit_code == 0
    with factory() as session:
        assert actor_for_token(session, secret) is None
    missing = _run("user", "disable", "nobody", *w)
    assert missing.exit_code == 1 and "no user 'nobody'" in missing.output


def test_form_template_and_import(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    w = ["--workspace", str(ws.root)]
    forms = json.loads(_run("form", "list", "--format", "json", *w).stdout)
    assert {f["code"] for f in forms} == {"BC-CDS-TINH-QUY", "BC-CDS-BO-NAM"}
    out = tmp_path / "hn.xlsx"
    made = _run("form", "template", "BC-CDS-TINH-QUY", "--period", "2025Q4", "--orgunit", "01",
                "--output", str(out), *w)
    assert made.exit_code == 0, made.output
    wb = load_workbook(out)
    ws_data = wb["Báo cáo"]
    rows = [r for r in ws_data.iter_rows(min_row=5) if r[0].value]
    assert {r[0].value for r in rows} == {"01"} and len(rows) == 6
    for row in rows:
        row[6].value = 150 if row[3].value == "households_fibre_share" else 42.5
    buf = io.BytesIO()
    wb.save(buf)
    bad_file = tmp_path / "bad.xlsx"
    bad_file.write_bytes(buf.getvalue())
    refused = _run("form", "import", str(bad_file), *w)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "above the maximum 100" in refused.output
    for row in rows:
        row[6].value = 42.5
    wb.save(out)
    imported = _run("form", "import", str(out), "--submit", *w)
    assert imported.exit_code == 0, imported.output
    assert "01 2025Q4: version 1, submitted, 6 values" in imported.output
