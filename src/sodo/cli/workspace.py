"""``sodo init``: create a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sodo.cli.common import console, user_errors
from sodo.services.settings import CONFIG_NAME


def register(app: typer.Typer) -> None:
    app.command("init")(init)


@user_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")],
    force: Annotated[bool, typer.Option("--force", help="Start again in an existing workspace.")]
    = False,
) -> None:
    """Create a workspace: sodo.toml and a copy of the default programme."""
    from sodo.services.workspace import init_workspace

    ws = init_workspace(directory, force=force)
    console.print(f"Created workspace [bold]{ws.root}[/] with {CONFIG_NAME}, the default "
                  f"programme in {ws.programme_dir.relative_to(ws.root)}/ and its store, the "
                  "programme synced into it", highlight=False)
    console.print(f"Next: cd {directory} && sodo programme check", highlight=False)
