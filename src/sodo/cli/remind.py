"""``sodo remind``: compute the follow-up notices due at a date and send them (exactly once).

``--dry-run`` lists what would be sent without recording or sending anything. JSON is an array
of objects with the keys kind, recipient_unit, recipient, channel, item, due, subject, sent.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from sodo.cli.common import (
    OutputFormat,
    WorkspaceOption,
    emit,
    err_console,
    user_errors,
    workspace_context,
)
from sodo.domain.permissions import Actor
from sodo.domain.problems import InputError


class RemindFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def register(app: typer.Typer) -> None:
    app.command("remind")(remind)


@user_errors
def remind(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The date to compute for (YYYY-MM-DD; default today).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show what is due; record and send nothing.")] = False,
    fmt: Annotated[RemindFormat, typer.Option("--format", "-f",
                                              help="Output format.")] = RemindFormat.TABLE,
    workspace: WorkspaceOption = None,
) -> None:
    """Send the reminders, escalations and notices due (đôn đốc): e-mail and the inbox."""
    from sodo.services import follow_up

    with workspace_context(workspace) as ctx:
        assert ctx is not None
        try:
            day = date.fromisoformat(as_of) if as_of else ctx.today()
        except ValueError:
            raise InputError(f"--as-of '{as_of}' is not a date (YYYY-MM-DD)") from None
        result = follow_up.run(ctx, Actor.cli(), day, dry_run=dry_run)
    rows = result.rows()
    for warning in result.warnings:
        err_console.print(f"warning: {warning}", highlight=False, markup=False)
    emit(rows, OutputFormat(fmt.value),
         ["kind", "recipient_unit", "recipient", "channel", "item", "due", "sent"],
         title=f"Đôn đốc / Reminders {day.isoformat()}"
               + (" (dry run)" if dry_run else ""))
    if fmt is RemindFormat.TABLE and not dry_run:
        err_console.print(f"{result.new} new notice(s), {result.already} already sent, "
                          f"{result.sent} e-mail(s) sent, {result.failed} failed",
                          highlight=False)
