"""``sodo quality``: the data-quality scorecard on the eight principles (and ``--explain``)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from sodo.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    clean_value,
    console,
    emit,
    user_errors,
    workspace_context,
)

#: Short column names of the table (the JSON and CSV carry the principle keys).
SHORT = {"dung": "Đúng", "du": "Đủ", "sach": "Sạch", "song": "Sống", "thong_nhat": "T.nhất",
         "dong_bo": "Đ.bộ", "ket_noi": "K.nối", "dung_chung": "D.chung", "overall": "Chung"}


def register(app: typer.Typer) -> None:
    @app.command("quality")
    @user_errors
    def quality_command(
        workspace: WorkspaceOption = None,
        dataset: Annotated[str | None, typer.Option(
            "--dataset", "-d", help="A dataset (dossiers, feedback…) or a report form code "
            "(default: every one).")] = None,
        period: Annotated[str | None, typer.Option(
            "--period", "-p", help="Period id, e.g. 2025Q3, 2025-09, 2025 (default: the "
            "last ended quarter).")] = None,
        unit: Annotated[str | None, typer.Option(
            "--unit", "-u", help="One org unit (code or name); default: the nation, the "
            "ministries and the provinces.")] = None,
        explain: Annotated[str | None, typer.Option(
            "--explain", help="Print the definition of a check (e.g. dung.cross_field); "
            "'all' lists every check.")] = None,
        stored: Annotated[bool, typer.Option(
            "--stored", help="Read the scorecard last stored instead of computing it.")] = False,
        backend: Annotated[str | None, typer.Option(
            "--backend", "-b", help="Record backend to scan (default: the workspace's).")
        ] = None,
        full: Annotated[bool, typer.Option(
            "--full", help="Rescan every month (default: only the months touched by batches "
            "since the last run; the others are read from the kept partitions).")] = False,
        fmt: FormatOption = OutputFormat.TABLE,
    ) -> None:
        """Score data quality 0–100 on Đúng – Đủ – Sạch – Sống – Thống nhất – Đồng bộ – Kết
        nối – Dùng chung per dataset × unit × period, with the failing checks, their counts and
        up to five example records. Computes over the record store (and stores the result)
        unless --stored. Exits 0 whatever the scores: it reports, it does not judge."""
        from sodo.services import quality

        if explain:
            rows = quality.list_checks() if explain == "all" else [quality.explain(explain)]
            if fmt is OutputFormat.TABLE:
                for row in rows:
                    console.print(
                        f"[bold]{row['code']}[/] — {row['principle_name']} / "
                        f"{row['principle_name_en']} · {row['severity']} · {row['scope']}\n"
                        f"  {row['name']} / {row['name_en']}\n  {row['definition']}\n"
                        f"  {row['definition_en']}\n  params: "
                        f"{json.dumps(row['params'], ensure_ascii=False)}", highlight=False)
                return
            _emit(rows, fmt)
            return
        from sodo.domain.permissions import Actor

        with workspace_context(workspace) as ctx:
            assert ctx is not None
            if stored:
                with ctx.session() as session:
                    rows = quality.scorecard(session, Actor.cli(), dataset=dataset,
                                             period=period, unit=unit)
            else:
                rows = quality.compute(ctx, Actor.cli(), dataset=dataset, period=period,
                                       unit=unit, backend=backend, full=full)
        if fmt is OutputFormat.TABLE:
            _table(rows)
            return
        _emit(rows, fmt)


def _emit(rows: list[dict[str, Any]], fmt: OutputFormat) -> None:
    if fmt is OutputFormat.CSV:
        rows = [{k: json.dumps(clean_value(v), ensure_ascii=False, default=str)
                 if isinstance(v, list | dict) else v for k, v in row.items()} for row in rows]
    if fmt is OutputFormat.JSON and not rows:
        sys.stdout.write("[]\n")
        return
    emit(rows, fmt)


def _table(rows: list[dict[str, Any]]) -> None:
    """One line per dataset × unit: the score of each principle and the failing checks."""
    if not rows:
        console.print("Không có gì để chấm / nothing to score (no records, forms or values "
                      "for the period).", highlight=False)
        return
    lines: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        line = lines.setdefault((row["dataset"], row["unit"], row["period"]), {
            "dataset": row["dataset"], "unit": row["unit"], "failing": []})
        line[SHORT[row["principle"]]] = row["score"]
        line["failing"] += [f"{c['code']}×{c['failed']}" for c in row["checks"] if c["failed"]]
    periods = ", ".join(sorted({row["period"] for row in rows}))
    emit(list(lines.values()), OutputFormat.TABLE,
         ["dataset", "unit", *SHORT.values(), "failing"],
         title=f"Chất lượng dữ liệu / Data quality (0–100), {periods}")
