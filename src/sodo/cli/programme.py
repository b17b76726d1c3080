"""``sodo programme check|show|schema``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from sodo.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    console,
    emit,
    err_console,
    open_workspace,
    programme_of,
    user_errors,
    workspace_context,
)
from sodo.domain.orgunits import default_hierarchy
from sodo.domain.permissions import Actor
from sodo.domain.problems import InputError

if TYPE_CHECKING:
    from sodo.services.programme import LoadedProgramme

programme_app = typer.Typer(help="Check and show a programme.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(programme_app, name="programme")


def resolve_programme_path(path: Path | None, workspace: Path | None) -> Path | None:
    """An explicit path wins; else the workspace's programme; else the shipped one (None)."""
    if path is not None:
        return path
    ws = open_workspace(workspace, required=False)
    return ws.programme_path() if ws else None


def load_for_cli(path: Path | None, workspace: Path | None) -> LoadedProgramme:
    from sodo.services.programme import load_programme

    return load_programme(resolve_programme_path(path, workspace))


@programme_app.command("check")
@user_errors
def check(
    path: Annotated[Path | None, typer.Argument(help="Programme folder or file "
                                                     "(default: the workspace's, else the shipped one).")] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Load the programme and lint it: tasks against "6 rõ", targets against
    "Rõ ràng – Định lượng – Khả thi – Đột phá". Exit code 1 when there is an error."""
    from sodo.services import catalogue
    from sodo.services.lint import has_errors, lint_programme

    sync_state = None
    try:
        loaded = load_for_cli(path, workspace)
        with workspace_context(workspace if path is None else None,
                               required=False, migrate=False) as ctx:
            if ctx is not None and path is None:
                with ctx.session() as session:
                    sync_state = catalogue.status(session, loaded)
                problems = lint_programme(loaded, store=ctx.engine)
            else:
                problems = lint_programme(loaded)
    except InputError as exc:
        if fmt is OutputFormat.TABLE:
            raise
        problems = exc.problems
        emit([p.to_dict() for p in problems], fmt,
             ["severity", "rule", "file", "line", "column", "object", "message"])
        raise typer.Exit(1) from None
    rows = [p.to_dict() for p in problems]
    if fmt is not OutputFormat.TABLE:
        emit(rows, fmt, ["severity", "rule", "file", "line", "column", "object", "message"])
    else:
        table = Table(title=f"{loaded.programme.name} — {len(problems)} finding(s)")
        for col in ("", "rule", "where", "object", "message"):
            table.add_column(col, overflow="fold")
        for p in problems:
            mark = "[red]error[/]" if p.severity == "error" else "[yellow]warning[/]"
            table.add_row(mark, p.rule, p.where, p.object, p.message)
        console.print(table)
        counts = Counter(str(p.severity) for p in problems)
        console.print(f"{counts['error']} error(s), {counts['warning']} warning(s)")
    if sync_state is not None:
        # Where machines read the findings the store's state goes to stderr, not the rows.
        out = console if fmt is OutputFormat.TABLE else err_console
        colour = "green" if sync_state.up_to_date else "yellow"
        out.print(f"[{colour}]store:[/] {sync_state.message()}", highlight=False)
    if has_errors(problems):
        raise typer.Exit(1)


@programme_app.command("sync")
@user_errors
def sync(
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Bring the store's copy of the workspace's programme up to date with its files (what
    the web pages, the API and every command read); records what changed in the audit log."""
    from sodo.services import catalogue

    with workspace_context(workspace) as ctx:
        assert ctx is not None
        with ctx.session() as session:
            result = catalogue.sync(session, Actor.cli(), ctx.settings.programme_path())
            session.commit()
    row = {"programme": result.programme, "import_id": result.import_id,
           "added": len(result.added), "changed": len(result.changed),
           "removed": len(result.removed), "unchanged": result.unchanged}
    if fmt is OutputFormat.TABLE:
        console.print(f"Đồng bộ chương trình / Programme synced — {result.summary()}",
                      highlight=False)
        return
    emit([row], fmt)


@programme_app.command("show")
@user_errors
def show(
    path: Annotated[Path | None, typer.Argument(help="Programme folder or file.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Summary tables of the programme: indicators, targets, tasks and values."""
    from sodo.services.programme import load_programme

    if path is not None:
        prog = load_programme(path).programme
    else:
        with workspace_context(workspace, required=False, migrate=False) as ctx:
            prog = programme_of(ctx).programme
    hierarchy = default_hierarchy()
    console.print(f"[bold]{prog.name}[/] ({prog.code}) {prog.period}", highlight=False)
    if prog.name_en:
        console.print(prog.name_en, highlight=False)
    console.print(f"{len(prog.indicators)} indicators · {len(prog.targets)} targets · "
                  f"{len(prog.tasks)} tasks · {len(prog.values)} data values", highlight=False)

    targets = Table(title="Mục tiêu / Targets")
    for col in ("id", "indicator", "value", "deadline", "baseline", "source"):
        targets.add_column(col, overflow="fold")
    for t in prog.targets:
        base = f"{t.baseline.value:g} ({t.baseline.period})" if t.baseline else "—"
        value = "—" if t.value is None else f"{t.comparator} {t.value:g}"
        targets.add_row(t.id, t.indicator, value, t.deadline or "—", base,
                        t.source.document if t.source else "—")
    console.print(targets)

    tasks = Table(title="Nhiệm vụ / Tasks")
    for col in ("id", "title", "lead", "deadline", "deliverable"):
        tasks.add_column(col, overflow="fold")
    for task in prog.tasks:
        lead = ", ".join(hierarchy.get(c).display_name if c in hierarchy else c for c in task.lead)
        due = task.due
        when = "Thường xuyên" if due.recurring else (
            due.due.strftime("%d/%m/%Y") if due.due else "—")
        tasks.add_row(task.id, task.title, lead or "—", when, task.deliverable or "—")
    console.print(tasks)


@programme_app.command("schema")
@user_errors
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")] = None,
) -> None:
    """Print (or write) the JSON Schema of programme files, for editors."""
    from sodo.services.programme import programme_json_schema

    text = json.dumps(programme_json_schema(), ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        console.print(f"Wrote {out}", highlight=False)
