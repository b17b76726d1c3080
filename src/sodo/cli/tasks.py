"""``sodo tasks list``."""

from __future__ import annotations

from typing import Annotated

import typer

from sodo.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    emit,
    open_workspace,
    programme_of,
    user_errors,
    workspace_context,
)

tasks_app = typer.Typer(help="Tasks of the programme (the \"6 rõ\").", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(tasks_app, name="tasks")


@tasks_app.command("list")
@user_errors
def list_tasks(
    lead: Annotated[str | None, typer.Option("--lead", help="Only tasks led by this unit "
                                                            "(code or name).")] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """List the programme's tasks with lead, partners, deadline, deliverable and source."""
    from sodo.services.tasks import synced_tasks, task_rows

    settings = open_workspace(workspace, required=False)
    # A SQLite store is read without SQLAlchemy (most of this command's start); any other
    # case reads the programme as every command does.
    tasks = synced_tasks(settings) if settings is not None else None
    if tasks is None:
        with workspace_context(workspace, required=False, migrate=False) as ctx:
            tasks = programme_of(ctx).programme.tasks
    rows = task_rows(tasks, lead=lead)
    if fmt is OutputFormat.TABLE:
        # People read the table: names and Vietnamese dates instead of codes and ISO dates.
        for row in rows:
            row["when"] = ("Thường xuyên" if row["recurring"] else
                           "—" if row["deadline"] is None else
                           "/".join(reversed(row["deadline"].split("-"))))
        emit(rows, fmt, ["id", "title", "lead_names", "when", "deliverable"],
             title="Nhiệm vụ / Tasks")
        return
    emit(rows, fmt)
