"""``sodo watch DIR``: take in the files agencies drop into a folder (see
:mod:`sodo.services.dropfolder` for the layout and the guarantees)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sodo.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    clean_value,
    emit,
    err_console,
    user_errors,
    workspace_context,
)

if TYPE_CHECKING:
    from sodo.services.dropfolder import FileOutcome

WATCH_COLUMNS = ["status", "dataset", "file", "batch", "rows", "message", "moved_to"]


def register(app: typer.Typer) -> None:
    app.command("watch")(watch)


@user_errors
def watch(
    folder: Annotated[Path, typer.Argument(help="The drop folder: one sub-folder per dataset "
                                           "(dossiers/, feedback/…), created if missing.")],
    workspace: WorkspaceOption = None,
    dataset: Annotated[list[str] | None, typer.Option(
        "--dataset", "-d", help="Watch only these datasets (default: every declared one).")
    ] = None,
    interval: Annotated[float, typer.Option(
        "--interval", help="Seconds between two looks at the folder.")] = 2.0,
    settle: Annotated[float, typer.Option(
        "--settle", help="A file is taken once unchanged for this many seconds.")] = 2.0,
    once: Annotated[bool, typer.Option(
        "--once", help="Take in what has settled (and what a stopped watcher left in flight), "
        "wait for the recompute, and exit (for cron or a systemd timer).")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Theo dõi thư mục nhận tệp — take in every file dropped into FOLDER/<dataset>/ as one
    batch (all or nothing), move it to processed/ or, with its errors, to rejected/, and
    recompute the touched periods in the background. Runs until stopped (SIGTERM, Ctrl-C)."""
    import fcntl
    import signal
    import threading

    from sodo.services import dropfolder, recompute
    from sodo.services.datasets import load_datasets

    if interval <= 0 or settle < 0:
        raise ValueError("--interval must be positive and --settle not negative")
    with workspace_context(workspace) as ctx:
        assert ctx is not None
        declared = sorted(load_datasets(ctx.settings.programme_path()))
        chosen = list(dataset or declared)
        unknown = sorted(set(chosen) - set(declared))
        if unknown:
            raise ValueError(f"unknown dataset(s): {', '.join(unknown)}; the programme "
                             f"declares {', '.join(declared)}")
        folder.mkdir(parents=True, exist_ok=True)
        lock = open(folder / ".watch.lock", "a")  # noqa: SIM115 - held while watching
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ValueError(f"{folder}: another 'sodo watch' is taking files from this "
                             "folder") from None
        drop = dropfolder.DropFolder(folder, chosen, settle)
        stop = threading.Event()
        if not once:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
            err_console.print(f"watching {folder} ({', '.join(chosen)}) for workspace "
                              f"{ctx.settings.root}; stop with Ctrl-C", highlight=False)
        seen: list[dict] = []

        def report(outcome: dropfolder.FileOutcome) -> None:
            row = outcome.to_dict()
            if once:
                seen.append(row)
            elif fmt is OutputFormat.JSON:  # one JSON object per line while watching
                sys.stdout.write(json.dumps(clean_value(row), ensure_ascii=False, default=str) + "\n")
                sys.stdout.flush()
            else:
                _print_outcome(outcome)

        thread: threading.Thread | None = None
        while True:
            # the first look takes what a stopped watcher left in flight; later looks retry
            # what failed for a reason that was not the file's
            outcomes = dropfolder.scan_once(ctx, drop, include_inflight=True,
                                            first_look=once, report=report)
            if any(o.status == "accepted" for o in outcomes) and ctx.settings.auto_recompute:
                if once:
                    recompute.run_pending(ctx)
                else:
                    thread = recompute.start_background(ctx) or thread
            if once or stop.wait(interval):
                break
        if thread is not None and thread.is_alive():
            err_console.print("stopping: waiting for the running computation to finish",
                              highlight=False)
            thread.join()
        lock.close()
    if once:
        emit(seen, fmt, WATCH_COLUMNS, title=f"{folder}")
        if any(r["status"] == "rejected" for r in seen):
            raise typer.Exit(1)


def _print_outcome(o: FileOutcome) -> None:
    from rich.markup import escape

    name = escape(f"{o.dataset}/{o.file}")
    if o.status == "accepted":
        err_console.print(f"[green]accepted[/] {name}: {escape(o.message)} → "
                          f"{escape(o.moved_to)}", highlight=False)
    elif o.status == "rejected":
        err_console.print(f"[bold red]rejected[/] {name}: {escape(o.message)}",
                          highlight=False)
        for line in o.problems[:10]:
            err_console.print(f"  {line}", highlight=False, markup=False)
        err_console.print(f"  → {escape(o.moved_to)} (its problems: "
                          f"{escape(o.moved_to)}.errors.txt)", highlight=False)
    else:
        err_console.print(f"[yellow]will retry[/] {name}: {escape(o.message)}",
                          highlight=False)
