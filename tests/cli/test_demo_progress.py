"""`sodo demo` shows one progress bar over its build steps (issue 11, item 18), each step's
message as the bar's description, and prints the accounts last."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sodo.cli import common
from sodo.cli.main import app
from sodo.services import demo as demo_service


def test_demo_build_shows_a_bar_over_its_steps(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    messages: list[str] = []

    def fake_build(path, rows, seed, rebuild, step):  # the real one takes ~40 s
        for i in range(demo_service.BUILD_STEPS):
            step(f"bước {i + 1}")
            messages.append(f"bước {i + 1}")
        return demo_service.DemoSummary(str(path), rows, 50, 10, {"generate": 0.1})

    monkeypatch.setattr(demo_service, "build_demo", fake_build)
    # the bar is drawn on a terminal only (tests/cli/test_progress_bars.py runs a real one)
    monkeypatch.setattr(common.console, "_force_terminal", True)
    result = CliRunner().invoke(app, ["demo", "--workspace", str(tmp_path / "d"), "--rows",
                                      "1000", "--no-serve"], env={"COLUMNS": "120"})
    out = result.output
    assert f"{demo_service.BUILD_STEPS}/{demo_service.BUILD_STEPS}" in out, out
    assert "━" in out and "Xong / done" in out, out  # Rich's bar, finished
    assert len(messages) == demo_service.BUILD_STEPS
    assert "• " not in out  # no line per step any more
