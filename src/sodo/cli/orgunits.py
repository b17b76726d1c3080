"""``sodo orgunits list|show``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from sodo.cli.common import FormatOption, OutputFormat, WorkspaceOption, emit, user_errors
from sodo.domain.orgunits import OrgUnit, OrgUnitLevel, default_hierarchy
from sodo.domain.periods import vietnam_today

orgunits_app = typer.Typer(help="The org-unit hierarchy: nation, ministries, provinces, communes.",
                           no_args_is_help=True)

COLUMNS = ["code", "name", "name_en", "level", "parent", "kind", "valid_from", "valid_to",
           "successors"]


def register(app: typer.Typer) -> None:
    app.add_typer(orgunits_app, name="orgunits")


def orgunit_row(unit: OrgUnit) -> dict:
    return {
        "code": unit.code, "name": unit.name, "name_en": unit.name_en, "level": str(unit.level),
        "parent": unit.parent, "kind": unit.kind,
        "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
        "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
        "successors": list(unit.successors),
    }


@orgunits_app.command("list")
@user_errors
def list_units(
    level: Annotated[OrgUnitLevel | None, typer.Option("--level", help="Only this level.")] = None,
    parent: Annotated[str | None, typer.Option("--parent", help="Only children of this unit.")]
    = None,
    search: Annotated[str | None, typer.Option("--search", "-s",
                                               help="Code or name; diacritics optional.")] = None,
    on: Annotated[str | None, typer.Option("--on", help="Units in force on this day "
                                                        "(YYYY-MM-DD; default today).")] = None,
    all_history: Annotated[bool, typer.Option("--all", help="Include units no longer in force.")]
    = False,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """List org units, in force today unless --on or --all says otherwise."""
    hierarchy = default_hierarchy()
    day = None if all_history else (date.fromisoformat(on) if on else vietnam_today())
    if search:
        units = hierarchy.search(search, on=day, limit=100)
    elif parent:
        units = sorted(hierarchy.children(hierarchy.resolve(parent).code, on=day),
                       key=lambda u: u.code)
    else:
        units = [u for lvl in OrgUnitLevel for u in hierarchy.at_level(lvl, on=day)]
    if level is not None:
        units = [u for u in units if u.level is level]
    cols = COLUMNS if fmt is not OutputFormat.TABLE else ["code", "name", "level", "parent",
                                                          "valid_to", "successors"]
    emit([orgunit_row(u) for u in units], fmt, cols)
