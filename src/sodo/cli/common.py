"""Shared CLI plumbing: the workspace option, output formats, and errors without tracebacks."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sodo.domain.orgunits import OrgUnitError
from sodo.domain.periods import PeriodError
from sodo.domain.problems import InputError

if TYPE_CHECKING:
    from sodo.services.catalogue import Catalogue
    from sodo.services.context import AppContext
    from sodo.services.settings import Settings

console = Console()
# Messages are never wrapped mid-line: scripts and tests read them.
err_console = Console(stderr=True, soft_wrap=True)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", envvar="SODO_WORKSPACE",
                 help="Workspace folder (default: $SODO_WORKSPACE, else the current folder or the nearest parent with sodo.toml)."),
]


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn the errors a user can cause into a message and exit code 1, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            err_console.print(f"[bold red]error:[/] {escape(exc.summary)}", highlight=False)
            for problem in exc.problems[:50]:
                err_console.print(f"  {problem}", highlight=False, markup=False)
            if len(exc.problems) > 50:
                err_console.print(f"  … and {len(exc.problems) - 50} more", highlight=False)
            raise typer.Exit(1) from None
        except (PeriodError, OrgUnitError, PermissionError, FileNotFoundError, ValueError) as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def open_workspace(path: Path | None, required: bool = True) -> Settings | None:
    """The workspace's settings (found as git finds a repository: ``--workspace``, else
    ``$SODO_WORKSPACE``, else the current folder or a parent); None if there is none and
    none is required. A workspace named explicitly must exist."""
    from sodo.services.settings import Settings

    if required or path is not None:
        return Settings.open(path)
    return Settings.default_or_none(None)


@contextmanager
def workspace_context(path: Path | None, *, required: bool = True,
                      migrate: bool = True) -> Iterator[AppContext | None]:
    """The application context of the workspace (its store migrated), or None when there is
    no workspace and none is required."""
    from sodo.services.context import AppContext

    settings = open_workspace(path, required=required)
    if settings is None:
        yield None
        return
    ctx = AppContext(settings, migrate=migrate)
    try:
        yield ctx
    finally:
        ctx.close()


NOT_COMPUTED = ("no computed values yet: load records with 'sodo ingest DATASET FILE' and run "
                "'sodo compute' (or build a demo with 'sodo demo')")


@contextmanager
def data_context(path: Path | None, fmt: OutputFormat | None = None) -> Iterator[AppContext]:
    """The context of a command that reads the workspace's data (assess, rank, values): a
    workspace is required — found as git finds a repository — and named in table output, so
    that nobody reads the shipped programme's empty store by mistake."""
    with workspace_context(path, migrate=False) as ctx:
        assert ctx is not None
        if fmt is None or fmt is OutputFormat.TABLE:
            err_console.print(f"[dim]workspace: {ctx.settings.root}[/]", highlight=False)
        yield ctx


def require_computed(ctx: AppContext) -> None:
    """Refuse, with what to do, when the workspace was never computed."""
    from sodo.services.values import last_computation

    if last_computation(ctx.engine) is None:
        raise InputError(f"{ctx.settings.root}: {NOT_COMPUTED}")


def warn_if_not_computed(ctx: AppContext, fmt: OutputFormat) -> None:
    """Say, under a table, that its figures hold no computed values (JSON and CSV stay as they
    are: scripts read them)."""
    from sodo.services.values import last_computation

    if fmt is OutputFormat.TABLE and last_computation(ctx.engine) is None:
        err_console.print(f"[yellow]note:[/] {ctx.settings.root}: {NOT_COMPUTED}",
                          highlight=False)


def programme_of(ctx: AppContext | None) -> Catalogue:
    """The programme every command reads: the store's synced copy, else the workspace's
    files, else the shipped programme."""
    from sodo.services import catalogue

    if ctx is None:
        return catalogue.for_files(None)
    with ctx.session() as session:
        return catalogue.current_or_files(session, ctx.settings.programme_path())


def emit(rows: Sequence[dict[str, Any]], fmt: OutputFormat, columns: Iterable[str] | None = None,
         title: str | None = None) -> None:
    """Print rows as a Rich table, a JSON array of objects or CSV with a header. JSON and CSV
    carry every key of the rows, in the same order (a script may switch formats); ``columns``
    chooses what the table, which a person reads, shows."""
    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    rows = [{k: clean_value(v) for k, v in row.items()} for row in rows]
    if fmt is OutputFormat.JSON:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    if fmt is OutputFormat.CSV:
        keys = list(dict.fromkeys(k for row in rows for k in row)) if rows else cols
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=keys, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_cell(row.get(k)) for k in keys})
        sys.stdout.write(buf.getvalue())
        return
    table = Table(title=title, show_lines=False)
    places = {c: column_decimals(row.get(c) for row in rows) for c in cols}
    for col in cols:
        table.add_column(col, justify="right" if places[col] is not None else "left")
    for row in rows:
        table.add_row(*(_table_cell(row.get(c), places[c]) for c in cols))
    console.print(table)


# Six decimals are more than any indicator is measured to; they drop the binary noise of a
# stored float (63.63999999999999 → 63.64), as the domain's JSON does.
DECIMALS = 6


def clean_value(value: Any) -> Any:
    """A value as the CLI writes it in JSON and CSV: floats without binary noise, times with
    their zone (a time the store kept without one is UTC), dates as ISO dates; lists and
    dicts cleaned inside."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        rounded = round(value, DECIMALS)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    return value


def column_decimals(values: Iterable[Any]) -> int | None:
    """The one number of decimals a table column of numbers shows: as many as its most precise
    value needs, at most two (None: not a column of numbers)."""
    places = -1
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        text = f"{round(float(value), 2):.2f}".rstrip("0")
        places = max(places, len(text.split(".")[1]))
    return places if places >= 0 else None


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _table_cell(value: Any, decimals: int | None = None) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if value is None:
        return "—"
    if decimals is not None:
        return f"{float(value):.{decimals}f}"
    return str(value)


def progress_bar(out: Console | None = None) -> Progress:
    """A Rich progress bar (description, bar, n/m, elapsed) for long work, drawn only on a
    terminal: piped or redirected output (and ``--format json``) gets no bar lines."""
    out = out or err_console
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=out, transient=False,
                    disable=not out.is_terminal)
