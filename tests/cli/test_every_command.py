"""The CLI never shows a traceback: every command of the Typer app (enumerated from the app, so a
new command is covered the day it is added) × every ``--format`` it accepts × three workspace
states (fresh, records ingested but not computed, computed demo), each run as a subprocess.

A run fails the test when it prints a traceback, when its JSON does not parse, when its CSV
header differs from its JSON keys, or when it exits non-zero without a message that says what
is wrong. The same for the API: every GET route of the OpenAPI document, on the three states,
answers 2xx or a problem-details 4xx, never 5xx."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import httpx
import pytest
from server import serve
from typer.main import get_command

from sodo.cli.main import UNEXPECTED_EXIT, app
from sodo.http.app import create_app
from sodo.services.settings import Settings

STATES = ("fresh", "ingested", "computed")
# Commands that start a server or build a demo of their own: run apart, below.
LONG_RUNNING = {("serve",), ("demo",), ("watch",)}  # watch: tests/operations/test_watch.py


@dataclass
class Command:
    path: tuple[str, ...]
    arguments: list[str]  # names of positional arguments, in order
    options: dict[str, list[str]]  # parameter name -> its option strings
    required: set[str]
    formats: list[str] = field(default_factory=list)
    multiple: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return " ".join(self.path)


def commands() -> list[Command]:
    """Every runnable command of the app, with its parameters."""
    found: list[Command] = []

    def describe(path: tuple[str, ...], command: Any) -> Command:
        cmd = Command(path, [], {}, set())
        for param in command.params:
            if param.param_type_name == "argument":
                cmd.arguments.append(param.name)
            else:
                cmd.options[param.name] = list(param.opts)
            if param.required:
                cmd.required.add(param.name)
            if getattr(param, "multiple", False) or getattr(param, "nargs", 1) == -1:
                cmd.multiple.add(param.name)
            annotation = param.type_descriptor.annotation
            if param.name == "fmt" and isinstance(annotation, type) and issubclass(annotation,
                                                                                    Enum):
                cmd.formats = [str(m.value) for m in annotation]
        return cmd

    def walk(command: Any, path: tuple[str, ...]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            if getattr(command, "invoke_without_command", False) and path:
                found.append(describe(path, command))
            for name, sub in sorted(subs.items()):
                walk(sub, (*path, name))
        else:
            found.append(describe(path, command))

    walk(get_command(app), ())
    return found


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three workspace states, built once; every run works on a copy."""
    base = tmp_path_factory.mktemp("cli-states")
    out = {}
    fresh = base / "fresh"
    assert sodo_run(["init", str(fresh)], base).returncode == 0
    out["fresh"] = fresh
    ingested = base / "ingested"
    assert sodo_run(["init", str(ingested)], base).returncode == 0
    for dataset, rows in (("dossiers", 3000), ("feedback", 300)):
        data = base / f"{dataset}.parquet"
        assert sodo_run(["generate", dataset, "--rows", str(rows), "--from", "2025-01", "--to",
                         "2025-12", "--out", str(data)], base).returncode == 0
        loaded = sodo_run(["ingest", dataset, str(data), "--workspace", str(ingested)], base)
        assert loaded.returncode == 0, loaded.stderr
    out["ingested"] = ingested
    computed = base / "computed"
    built = sodo_run(["demo", "--workspace", str(computed), "--rows", "3000", "--no-serve"],
                     base)
    assert built.returncode == 0, built.stderr
    out["computed"] = computed
    return out


def sodo_run(args: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SODO_DATABASE_URL", "SODO_WORKSPACE")}
    env["COLUMNS"] = "160"
    return subprocess.run([sys.executable, "-m", "sodo", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, input=stdin or "", timeout=300)


def sample_arguments(cmd: Command, workspace: Path, scratch: Path) -> tuple[list[str], str]:
    """The command line for ``cmd`` from sample values per parameter name; and stdin."""
    data = scratch / "records.csv"
    data.write_text("dossier_id,agency_code\nHS-1,01\n", encoding="utf-8")
    samples: dict[str, str] = {
        "directory": str(scratch / "new-workspace"), "dataset": "dossiers",
        "files": str(data), "file": str(data), "out": str(scratch / "out.parquet"),
        "output": str(scratch / "out.xlsx"), "indicator": "dossier_full_online_share",
        "period": "2025Q4", "username": "admin", "role": "viewer", "form": "BC-CDS-TINH-QUY",
        "path": "", "mapping": "", "orgunit": "01", "year": "2025", "section": "causes",
        "issued_id": "1",
        "dest": str(scratch / "backup"), "src": str(scratch / "backup"),
    }
    if cmd.path[:1] == ("report",):
        samples["out"] = str(scratch / "report.docx")
    if cmd.path == ("generate",):
        samples["out"] = str(scratch / "generated.csv")
        samples["rows"] = "50"
    if cmd.path == ("form", "template"):
        samples["period"] = "2025Q4"
    if cmd.path[:1] == ("rank",):
        samples["period"] = "2025-11"
    args = list(cmd.path)
    for name in cmd.arguments:
        if name in cmd.required or name in ("path",):
            value = samples.get(name, "x")
            if value:
                args.append(value)
    for name in sorted(cmd.required - set(cmd.arguments)):
        args += [cmd.options[name][0], samples.get(name, "x")]
    if "workspace" in cmd.options:
        args += ["--workspace", str(workspace)]
    stdin = "mật khẩu thử nghiệm đủ dài 2026\n" if "password_stdin" in cmd.options else ""
    if "password_stdin" in cmd.options:
        args.append("--password-stdin")
    return args, stdin


@dataclass
class Outcome:
    command: str
    state: str
    fmt: str | None
    returncode: int
    stdout: str
    stderr: str


def run_one(cmd: Command, state: str, source: Path, fmt: str | None, scratch: Path) -> Outcome:
    workspace = scratch / "ws"
    shutil.copytree(source, workspace)
    args, stdin = sample_arguments(cmd, workspace, scratch)
    if fmt is not None:
        args += ["--format", fmt]
    done = sodo_run(args, scratch, stdin)
    return Outcome(cmd.name, state, fmt, done.returncode, done.stdout, done.stderr)


def problems_of(outcome: Outcome) -> list[str]:
    where = f"sodo {outcome.command} [{outcome.state}, --format {outcome.fmt}]"
    found = []
    if "Traceback (most recent call last)" in outcome.stdout + outcome.stderr:
        found.append(f"{where}: traceback\n{outcome.stderr[-2000:]}")
    if outcome.returncode == UNEXPECTED_EXIT or "failed unexpectedly" in outcome.stderr:
        found.append(f"{where}: a defect caught by the last line of defence\n"
                     f"{outcome.stderr[-2000:]}")
    if outcome.returncode != 0:
        message = (outcome.stderr.strip() or outcome.stdout.strip()).splitlines()
        if not message or not re.search(r"\w{3,}", message[0]):
            found.append(f"{where}: exit {outcome.returncode} without a message")
    elif outcome.fmt == "json":
        try:
            json.loads(outcome.stdout)
        except ValueError as exc:
            found.append(f"{where}: output is not JSON ({exc}): {outcome.stdout[:300]!r}")
    return found


def test_every_command_every_format_every_state(states: dict[str, Path],
                                                tmp_path: Path) -> None:
    runs = []
    for cmd in commands():
        if cmd.path in LONG_RUNNING:
            continue
        # a command that takes no workspace behaves the same in every state
        for state in STATES if "workspace" in cmd.options else STATES[:1]:
            for fmt in cmd.formats or [None]:
                runs.append((cmd, state, fmt))
    assert len({c.name for c, _, _ in runs}) >= 20  # the enumeration found the commands
    scratch_dirs = iter(tmp_path / f"run-{i}" for i in range(len(runs)))

    def go(item: tuple[Command, str, str | None]) -> Outcome:
        cmd, state, fmt = item
        scratch = next(scratch_dirs)
        scratch.mkdir()
        return run_one(cmd, state, states[state], fmt, scratch)

    with ThreadPoolExecutor(max_workers=max(2, (os.cpu_count() or 2))) as pool:
        outcomes = list(pool.map(go, runs))
    problems = [p for o in outcomes for p in problems_of(o)]
    # CSV header = JSON keys, where both ran and gave rows
    by_key = {(o.command, o.state, o.fmt): o for o in outcomes}
    for (command, state, fmt), outcome in by_key.items():
        if fmt != "csv" or outcome.returncode != 0:
            continue
        as_json = by_key.get((command, state, "json"))
        if as_json is None or as_json.returncode != 0:
            continue
        rows = json.loads(as_json.stdout)
        if isinstance(rows, list) and rows and isinstance(rows[0], dict):
            header = next(csv.reader(io.StringIO(outcome.stdout)), [])
            if header != list(rows[0]):
                problems.append(f"sodo {command} [{state}]: CSV header {header} differs from "
                                f"the JSON keys {list(rows[0])}")
    assert not problems, "\n\n".join(problems)


def test_the_long_running_commands_start_and_refuse_cleanly(states: dict[str, Path],
                                                             tmp_path: Path) -> None:
    # serve: starts on a free port and answers; refuses a folder that is not a workspace
    refused = sodo_run(["serve", "--workspace", str(tmp_path / "nowhere")], tmp_path)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "not a sodo workspace" in refused.stderr
    demo = sodo_run(["demo", "--workspace", str(tmp_path / "d"), "--rows", "10", "--no-serve"],
                    tmp_path)
    assert demo.returncode == 1 and "at least 1,000" in demo.stderr
    assert "Traceback" not in demo.stderr


# -- the API: every GET route on the three states ------------------------------------------

SAMPLE_PATH_VALUES = {"code": "01", "key": "dossier_full_online_share", "task_id": "TB4-IV-1-i",
                      "submission_id": "1", "evidence_id": "1", "token_id": "1",
                      "dataset": "dossiers", "username": "admin", "indicator": "svc766_total",
                      "issued_id": "1", "section": "causes"}


@pytest.fixture(scope="module")
def served(states: dict[str, Path]) -> Iterator[dict[str, str]]:
    urls: dict[str, str] = {}
    apps = {state: create_app(Settings.open(root)) for state, root in states.items()}
    managers = {state: serve(app) for state, app in apps.items()}
    try:
        for state, manager in managers.items():
            urls[state] = manager.__enter__()
        yield urls
    finally:
        for manager in managers.values():
            manager.__exit__(None, None, None)
        for app_ in apps.values():
            app_.state.ctx.close()


def test_every_get_route_answers_without_a_server_error(served: dict[str, str]) -> None:
    problems = []
    for state, url in served.items():
        with httpx.Client(base_url=url, timeout=60) as http:
            spec = http.get("/api/v1/openapi.json").json()
            for path, operations in spec["paths"].items():
                if "get" not in operations:
                    continue
                concrete = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PATH_VALUES.get(m.group(1),
                                                                                 "x"), path)
                params = {}
                for param in operations["get"].get("parameters", []):
                    if param.get("in") == "query" and param.get("required"):
                        params[param["name"]] = {"dx": "dossier_full_online_share",
                                                 "pe": "2025Q4", "ou": "VN",
                                                 "indicator": "svc766_total",
                                                 "period": "2025Q4",
                                                 "year": "2025"}.get(param["name"], "x")
                response = http.get(concrete, params=params)
                if response.status_code >= 500:
                    problems.append(f"[{state}] GET {concrete}: {response.status_code} "
                                    f"{response.text[:300]}")
                elif response.status_code >= 400 and not response.headers.get(
                        "content-type", "").startswith("application/problem+json"):
                    problems.append(f"[{state}] GET {concrete}: {response.status_code} is not "
                                    "problem details")
    assert not problems, "\n".join(problems)
