"""A newcomer following the README: commands that read data find the workspace as git finds a
repository, say which one they use, and refuse clearly when there is none or nothing was
computed yet (instead of assessing the shipped programme's empty store)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def sodo(cwd: Path, *args: str, workspace: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SODO_WORKSPACE", "SODO_DATABASE_URL")}
    if workspace is not None:
        env["SODO_WORKSPACE"] = str(workspace)
    return subprocess.run([sys.executable, "-m", "sodo", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("discovery") / "ws"
    assert sodo(root.parent, "init", str(root)).returncode == 0
    return root


@pytest.mark.parametrize("args", [("assess",), ("assess", "tasks"),
                                  ("rank", "-i", "dossier_full_online_share", "-p", "2025")])
def test_no_workspace_is_refused_with_what_to_do(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = sodo(tmp_path, *args)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "not a sodo workspace" in done.stderr and "sodo init" in done.stderr


def test_found_from_a_subfolder_and_named(fresh: Path) -> None:
    done = sodo(fresh / "programme", "assess")
    assert done.returncode == 0, done.stderr
    assert f"workspace: {fresh}" in done.stderr
    # nothing computed yet: the table says so, and what to run
    assert "no computed values yet" in done.stderr and "sodo compute" in done.stderr
    as_json = sodo(fresh / "programme", "assess", "--format", "json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout)  # stdout stays parseable
    assert "workspace:" not in as_json.stderr


def test_sodo_workspace_variable_names_it(fresh: Path, tmp_path: Path) -> None:
    done = sodo(tmp_path, "assess", "tasks", workspace=fresh)
    assert done.returncode == 0, done.stderr
    assert f"workspace: {fresh}" in done.stderr


@pytest.mark.parametrize("args", [
    ("rank", "-i", "dossier_full_online_share", "-p", "2025-11"),
    ("values", "-i", "dossier_full_online_share", "-p", "2025Q1", "--format", "json"),
])
def test_nothing_computed_is_refused_with_what_to_run(fresh: Path,
                                                      args: tuple[str, ...]) -> None:
    done = sodo(fresh, *args)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "no computed values yet" in done.stderr and "sodo compute" in done.stderr
    assert done.stdout.strip() == ""
