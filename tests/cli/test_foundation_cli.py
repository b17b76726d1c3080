"""The foundation commands as a newcomer runs them: real processes, real files."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "programme" / "fixtures"


def sodo(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sodo", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_init_creates_a_workspace_with_the_default_programme(tmp_path):
    ws = tmp_path / "ws"
    result = sodo("init", str(ws))
    assert result.returncode == 0, result.stderr
    assert (ws / "sodo.toml").exists()
    assert (ws / "programme" / "programme.yaml").exists()
    again = sodo("init", str(ws))
    assert again.returncode == 1 and "already a sodo workspace" in again.stderr
    assert "Traceback" not in again.stderr


def test_check_of_a_broken_programme_exits_1_with_positions(tmp_path):
    result = sodo("programme", "check", str(FIXTURES / "broken"), "--format", "json")
    assert result.returncode == 1
    problems = json.loads(result.stdout)
    assert {"severity", "rule", "file", "line", "column", "message"} <= set(problems[0])
    assert any(p["rule"] == "duplicate" and p["line"] == 6 for p in problems)
    table = sodo("programme", "check", str(FIXTURES / "broken"))
    assert table.returncode == 1 and "Traceback" not in table.stderr
    assert "targets.yaml:8:14" in table.stderr


def test_check_of_a_good_programme_exits_0():
    result = sodo("programme", "check", str(FIXTURES / "good"), "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


def test_the_shipped_programme_has_no_errors():
    result = sodo("programme", "check", "--format", "json")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    problems = json.loads(result.stdout)
    assert all(p["severity"] == "warning" for p in problems)


def test_workspace_option_and_environment_variable(tmp_path):
    ws = tmp_path / "ws"
    assert sodo("init", str(ws)).returncode == 0
    import os

    env = {**os.environ, "SODO_WORKSPACE": str(ws)}
    by_env = sodo("tasks", "list", "--format", "json", env=env)
    by_opt = sodo("tasks", "list", "--format", "json", "--workspace", str(ws))
    assert by_env.returncode == by_opt.returncode == 0
    assert json.loads(by_env.stdout) == json.loads(by_opt.stdout)
    missing = sodo("tasks", "list", "--workspace", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "not a sodo workspace" in missing.stderr


def test_tasks_list_json_has_stable_keys():
    result = sodo("tasks", "list", "--format", "json")
    assert result.returncode == 0, result.stderr
    tasks = json.loads(result.stdout)
    assert tasks, "the shipped programme has tasks"
    required = {"id", "title", "lead", "partners", "deadline", "recurring", "deliverable",
                "authority", "source"}
    for task in tasks:
        assert required <= set(task)
        assert task["deadline"] is None or len(task["deadline"]) == 10


@pytest.mark.parametrize(("level", "count"), [("province", 34), ("ministry", 17),
                                              ("commune", 3321), ("nation", 1)])
def test_orgunits_list_by_level(level, count):
    result = sodo("orgunits", "list", "--level", level, "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == count
    assert {r["level"] for r in rows} == {level}


def test_orgunits_search_folds_diacritics():
    result = sodo("orgunits", "list", "--search", "ha noi", "--format", "json")
    assert json.loads(result.stdout)[0]["code"] == "01"


def test_bad_option_values_are_clear():
    result = sodo("orgunits", "list", "--level", "district")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    result = sodo("orgunits", "list", "--on", "31/12/2025")
    assert result.returncode == 1 and "Traceback" not in result.stderr
