"""Issue 11 item 18: long CLI work (generate, ingest, compute) draws a Rich progress bar on a
terminal — run here under a real pseudo-terminal — and none when its output is piped or JSON."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from sodo.services.workspace import init_workspace

BAR = "━"


def on_terminal(args: list[str], cwd: Path) -> str:
    """Run ``sodo args`` with stdout and stderr on a pseudo-terminal; what it drew."""
    main, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "sodo", *args], cwd=cwd, stdin=secondary,
                            stdout=secondary, stderr=secondary, env=env)
    os.close(secondary)
    out = bytearray()
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    assert proc.wait(timeout=120) == 0, out.decode(errors="replace")
    return out.decode(errors="replace")


def piped(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "sodo", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bars") / "ws"
    init_workspace(root)
    return root


def test_generate_ingest_and_compute_draw_a_bar_on_a_terminal_only(workspace: Path) -> None:
    records = workspace / "dossiers.csv"
    drawn = on_terminal(["generate", "dossiers", "--rows", "2000", "--from", "2025-01",
                         "--to", "2025-03", "--out", str(records)], workspace)
    assert BAR in drawn and "2000/2000" in drawn, drawn
    plain = piped(["generate", "dossiers", "--rows", "2000", "--from", "2025-01", "--to",
                   "2025-03", "--out", str(workspace / "again.csv")], workspace)
    assert BAR not in plain.stdout + plain.stderr
    assert "2,000 dossiers records written" in plain.stderr

    drawn = on_terminal(["ingest", "dossiers", str(records), "--no-recompute"], workspace)
    assert BAR in drawn, drawn

    # sodo compute had no bar: now one over its four steps, finished
    drawn = on_terminal(["compute", "--full"], workspace)
    assert BAR in drawn and "4/4" in drawn and "Xong / done" in drawn, drawn
    # piped as JSON: the JSON alone, no bar line on either stream
    plain = piped(["compute", "--full", "--format", "json"], workspace)
    assert BAR not in plain.stdout + plain.stderr, plain.stderr
    run = json.loads(plain.stdout)
    assert (run[0] if isinstance(run, list) else run)["values"] > 0


def test_compute_tells_its_steps_in_order(workspace: Path) -> None:
    from sodo.domain.permissions import Actor
    from sodo.services.context import AppContext
    from sodo.services.records import COMPUTE_STEPS, QUALITY_STEP, compute_values
    from sodo.services.settings import Settings

    heard: list[tuple[int, str]] = []
    ctx = AppContext(Settings.open(workspace))
    try:
        compute_values(ctx, Actor.cli(), full=True,
                       progress=lambda done, what: heard.append((done, what)))
    finally:
        ctx.close()
    assert [d for d, _ in heard] == [0, 1, 2, 3, 3, 4], heard
    assert heard[3] == (3, "") and heard[4] == (3, QUALITY_STEP) and heard[-1] == (4, "")
    assert len(COMPUTE_STEPS) == 4
