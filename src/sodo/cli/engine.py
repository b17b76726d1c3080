"""``sodo compute`` and ``sodo values``: compute indicators from records, read stored values."""

from __future__ import annotations

from typing import Annotated

import typer

from sodo.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    console,
    emit,
    progress_bar,
    require_computed,
    user_errors,
    workspace_context,
)

VALUE_COLUMNS = ("indicator", "orgunit", "period", "value", "numerator", "denominator")


def register(app: typer.Typer) -> None:
    @app.command("compute")
    @user_errors
    def compute_command(
        workspace: WorkspaceOption = None,
        backend: Annotated[str | None, typer.Option(
            "--backend", "-b",
            help="duckdb | postgres | parquet | spark (default: the workspace's record store).",
        )] = None,
        period: Annotated[list[str] | None, typer.Option(
            "--period", "-p", help="Recompute only these periods (repeatable), e.g. 2025Q4.",
        )] = None,
        full: Annotated[bool, typer.Option(
            "--full", help="Recompute everything, ignoring what earlier runs cached.")] = False,
        level: Annotated[list[str] | None, typer.Option(
            "--level", help="Levels to store (repeatable; default nation, ministry, province; "
            "add commune for the 3,321 communes).")] = None,
        queued: Annotated[bool, typer.Option(
            "--queued", hidden=True, help="Run the pending automatic recompute (started by "
            "sodo ingest).")] = False,
        fmt: FormatOption = OutputFormat.TABLE,
    ) -> None:
        """Compute every indicator defined on records and the 766 index; store the values.

        Incremental by default: only the months that new batches touched (and their quarter,
        half-year and year) are recomputed."""
        from sodo.domain.permissions import Actor
        from sodo.services.engine.compute import STORED_LEVELS
        from sodo.services.records import compute_values

        if queued:
            from sodo.services.recompute import run_pending

            with workspace_context(workspace) as ctx:
                assert ctx is not None
                runs = run_pending(ctx)
            emit([{"queued_runs": runs}], fmt)
            return
        from sodo.services.records import COMPUTE_STEPS

        # a bar over the run's steps, on a terminal only (never into JSON or a pipe)
        with workspace_context(workspace) as ctx, progress_bar() as bar:
            assert ctx is not None
            task = bar.add_task("sodo compute", total=len(COMPUTE_STEPS))

            def step(done: int, what: str) -> None:
                bar.update(task, completed=done, description=what or "Xong / done")

            run = compute_values(ctx, Actor.cli(), backend=backend, periods=period, full=full,
                                 levels=tuple(level) if level else STORED_LEVELS,
                                 progress=step)
            bar.update(task, completed=len(COMPUTE_STEPS), description="Xong / done")
        row = run.to_dict()
        if fmt is OutputFormat.TABLE:
            if run.mode == "up-to-date":
                console.print("Không có gì để tính: chưa có lô dữ liệu mới từ lần tính trước. / "
                              "Nothing to compute: no batch since the last run "
                              "(--full recomputes everything).", highlight=False)
                return
            console.print(
                f"Đã tính / Computed — lượt / run {run.id} ({run.backend}, {run.mode}): "
                f"{run.record_count:,} bản ghi / records, {len(run.periods)} kỳ / periods, "
                f"{run.value_count:,} giá trị / values, {run.seconds:.2f} s", highlight=False)
            return
        emit([row], fmt)

    @app.command("values")
    @user_errors
    def values_command(
        indicator: Annotated[list[str], typer.Option(
            "--indicator", "-i", help="Indicator code (repeatable).")],
        workspace: WorkspaceOption = None,
        period: Annotated[list[str] | None, typer.Option(
            "--period", "-p", help="Period id (repeatable), e.g. 2025, 2025Q4, 2025-11.")] = None,
        level: Annotated[str | None, typer.Option(
            "--level", "-l", help="nation | ministry | province | commune")] = None,
        orgunit: Annotated[list[str] | None, typer.Option(
            "--orgunit", "-o", help="Org-unit code or name (repeatable); also LEVEL-province, "
            "CHILDREN-<code>.")] = None,
        fmt: FormatOption = OutputFormat.TABLE,
    ) -> None:
        """Print stored values: indicator, orgunit, period, value, numerator, denominator."""
        from sodo.domain.permissions import Actor
        from sodo.services import values as value_service

        ou = list(orgunit or [])
        if level:
            ou.append(f"LEVEL-{level}")
        # The same query the API's /api/v1/values runs, as the operator at the console.
        with workspace_context(workspace) as ctx:
            assert ctx is not None
            with ctx.session() as session:
                query = value_service.parse_query(session, ";".join(indicator),
                                                  ";".join(period or []), ";".join(ou),
                                                  allow_all=True)
                rows, _ = value_service.query_values(session, Actor.cli(), query,
                                                     limit=10_000_000)
            if not rows:
                require_computed(ctx)
        if not rows and fmt is OutputFormat.TABLE:
            hint = (" Giá trị cấp xã chỉ được lưu khi tính với --level commune. / Commune values "
                    "are stored only by 'sodo compute --level commune'.") if level == "commune" \
                else ""
            console.print("Không có số liệu phù hợp. / No matching values." + hint,
                          highlight=False)
            return
        emit(rows, fmt, VALUE_COLUMNS, title="Số liệu / Values")
