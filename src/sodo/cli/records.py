"""``sodo ingest`` and ``sodo generate``: records in, synthetic records out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from sodo.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    emit,
    err_console,
    progress_bar,
    user_errors,
    workspace_context,
)
from sodo.domain.permissions import Actor

BATCH_COLUMNS = ["batch", "dataset", "file", "rows", "inserted", "replaced", "normalised",
                 "months", "warnings"]
WARNING_COLUMNS = ["batch", "check", "principle", "count", "examples"]


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("generate")(generate)


@user_errors
def ingest(
    dataset: Annotated[str, typer.Argument(help="Dataset code, e.g. dossiers or feedback.")],
    files: Annotated[list[Path], typer.Argument(help="CSV, Parquet, NDJSON or Excel files.")],
    workspace: WorkspaceOption = None,
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", "-m", help="YAML {their_column: canonical_field} for other column names.")
    ] = None,
    backend: Annotated[str | None, typer.Option(
        "--backend", help="Record store: duckdb, postgres or parquet (default: the workspace's).")
    ] = None,
    recompute: Annotated[bool, typer.Option(
        "--recompute/--no-recompute", help="Recompute the touched periods in the background "
        "once the batches are accepted (default: yes).")] = True,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Nạp bản ghi vào kho dữ liệu — load records (each file one batch, all or nothing); the
    periods they touch are then recomputed in the background (``--no-recompute``: not)."""
    from datetime import UTC, datetime

    from sodo.services import records as record_service
    from sodo.services.intake import load_mapping

    columns = load_mapping(mapping) if mapping else None
    with workspace_context(workspace) as ctx, _progress() as bar:
        assert ctx is not None
        tasks: dict[str, int] = {}

        def report(file: str, step: int, steps: int, description: str) -> None:
            if file not in tasks:
                tasks[file] = bar.add_task(Path(file).name, total=steps)
            bar.update(tasks[file], completed=step, description=f"{Path(file).name}: "
                                                                 f"{description}")

        received_at = datetime.now(UTC)
        batches = record_service.ingest(ctx, Actor.cli(), dataset, files, mapping=columns,
                                        backend=backend, progress=report)
        if recompute and batches and backend is None:
            from sodo.services import recompute as recompute_service

            recompute_service.accepted(ctx, batches, "cli", received_at)
            if ctx.settings.auto_recompute:
                _spawn_queued_compute(ctx.settings.root)
    rows = [b.to_dict() for b in batches]
    for row in rows:
        row["months"] = _months_summary(row["months"])
    if fmt is OutputFormat.JSON:
        emit(rows, fmt, BATCH_COLUMNS)
        return
    for row in rows:  # a person reads the count here, the checks in the table below
        row["warnings"] = sum(int(w["count"]) for w in row["warnings"])
    emit(rows, fmt, BATCH_COLUMNS, title=f"Đã nạp / loaded: {dataset}")
    warned = _warning_rows(batches)
    if warned and fmt is OutputFormat.TABLE:
        emit(warned, fmt, WARNING_COLUMNS, title="Cảnh báo chất lượng — lô vẫn được nạp / "
                                                 "quality warnings — batch accepted")


def _warning_rows(batches: list[Any]) -> list[dict[str, Any]]:
    """One row per batch × warning check, its examples as 'row N (key): field=value, rule'."""
    from sodo.domain.quality import CHECKS, PRINCIPLE_NAMES

    out = []
    for batch in batches:
        for w in batch.warnings:
            check = CHECKS.get(w["check"])
            vi, en = PRINCIPLE_NAMES[check.principle] if check else (w["principle"], "")
            shown = [f"dòng/row {e['row'] if e.get('row') is not None else '?'} "
                     f"({e['key']}): {e['field']}={e['value']}, {e['rule']}"
                     for e in w["examples"]]
            out.append({"batch": batch.id, "check": w["check"], "principle": f"{vi} / {en}",
                        "count": w["count"], "examples": "; ".join(shown)})
    return out


@user_errors
def generate(
    dataset: Annotated[str, typer.Argument(help="dossiers or feedback.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output: .parquet, .csv or .ndjson.")],
    rows: Annotated[int, typer.Option("--rows", "-n", help="Number of records.")] = 100_000,
    start: Annotated[str, typer.Option("--from", help="First month, e.g. 2024-01.")] = "2024-01",
    end: Annotated[str, typer.Option("--to", help="Last month, e.g. 2025-12.")] = "2025-12",
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same file).")] = 0,
) -> None:
    """Sinh dữ liệu mẫu — generate realistic synthetic records."""
    from sodo.services.generate import generate_file

    with _progress() as bar:
        task = bar.add_task(f"{dataset} → {out.name}", total=rows)
        generate_file(dataset, rows, start, end, seed, out,
                      progress=lambda done, total: bar.update(task, completed=done))
    err_console.print(f"{rows:,} {dataset} records written to {out}", highlight=False)


def _spawn_queued_compute(root: Path | None) -> None:
    """``sodo compute --queued`` as a detached process (it outlives this command), logging to
    ``.sodo/recompute.log``."""
    import subprocess
    import sys

    if root is None:
        return
    log = (root / ".sodo" / "recompute.log").open("ab")
    subprocess.Popen([sys.executable, "-m", "sodo", "compute", "--queued", "--workspace",
                      str(root), "--format", "json"], stdin=subprocess.DEVNULL, stdout=log,
                     stderr=log, start_new_session=True, close_fds=True)
    log.close()


def _progress() -> Progress:
    return progress_bar(err_console)


def _months_summary(months: list[str]) -> str:
    if len(months) <= 3:
        return ", ".join(months)
    return f"{months[0]} … {months[-1]} ({len(months)})"
