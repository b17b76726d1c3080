"""``sodo form list|template|import``: report forms and their Excel round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sodo.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    console,
    emit,
    user_errors,
)
from sodo.cli.users import store_errors, store_session
from sodo.domain.permissions import Actor

form_app = typer.Typer(help="Report forms and Excel templates (biểu mẫu báo cáo).",
                       no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(form_app, name="form")


@form_app.command("list")
@user_errors
def list_forms(
    period: Annotated[str | None, typer.Option("--period", "-p",
                                               help="Show window and due date.")] = None,
    workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """List the programme's report forms."""
    from sodo.services import reporting

    with store_session(workspace) as session:
        rows = []
        for form in reporting.list_forms(session):
            data = reporting.form_dict(form, period)
            data["indicators"] = ", ".join(i.code for i in form.indicators)
            data["units"] = form.level or ", ".join(form.orgunits)
            rows.append(data)
    columns = ["code", "name", "period_type", "units", "indicators"]
    if period:
        columns += ["opens_on", "due_on"]
    emit(rows, fmt, columns if fmt is OutputFormat.TABLE else None,
         title="Biểu mẫu báo cáo / Report forms")


@form_app.command("template")
@user_errors
@store_errors
def template(
    form: Annotated[str, typer.Argument(help="Form code, e.g. BC-CDS-TINH-QUY.")],
    period: Annotated[str, typer.Option("--period", "-p", help="e.g. 2025Q4.")],
    orgunit: Annotated[list[str] | None, typer.Option(
        "--orgunit", "-u", help="Unit code (repeat for several); default all that report.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Write the Excel template of a form for a period and unit(s)."""
    from sodo.services import excel_forms

    with store_session(workspace) as session:
        name, data = excel_forms.template_for(session, Actor.cli(), form, period, orgunit)
    target = output or Path(name)
    target.write_bytes(data)
    console.print(f"wrote {target} ({len(data):,} bytes)", highlight=False)


@form_app.command("import")
@user_errors
@store_errors
def import_(
    file: Annotated[Path, typer.Argument(help="A filled template (.xlsx).", exists=True,
                                         dir_okay=False)],
    submit: Annotated[bool, typer.Option("--submit", help="Submit after saving.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Import a filled template: every cell is checked; all units are saved or none."""
    from sodo.services import excel_forms

    data = file.read_bytes()
    with store_session(workspace) as session:
        try:
            subs = excel_forms.import_upload(session, Actor.cli(), data, file.name,
                                             submit_after=submit)
        except Exception:
            session.rollback()
            raise
        session.commit()
        for sub in subs:
            console.print(f"{sub.form} {sub.orgunit} {sub.period}: version {sub.version}, "
                          f"{sub.state}, {len(sub.values)} values", highlight=False)
