"""``sodo backup``, ``sodo restore`` and ``sodo config show``: operating a workspace."""

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
    open_workspace,
    user_errors,
)

config_app = typer.Typer(help="Effective settings (cấu hình).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    app.add_typer(config_app, name="config")


@user_errors
def backup_command(
    dest: Annotated[Path, typer.Argument(help="A new folder for the backup.")],
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Sao lưu — a consistent snapshot of the operational store, the record store and the
    programme files, with a manifest of checksums."""
    from sodo.domain.permissions import Actor
    from sodo.services import operations

    settings = open_workspace(workspace)
    assert settings is not None
    info = operations.backup(settings, Actor.cli(), dest)
    _show(info.to_dict(), fmt, "Đã sao lưu / Backed up")


@user_errors
def restore_command(
    src: Annotated[Path, typer.Argument(help="A backup folder made by sodo backup.")],
    workspace: Annotated[Path, typer.Option(
        "--workspace", "-w", help="The workspace to restore into: a new folder, or one "
        "holding no data yet.")],
    database_url: Annotated[str | None, typer.Option(
        "--database-url", help="Restore a PostgreSQL store into this empty database.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Khôi phục — check a backup whole (manifest, every checksum, schema revision), then
    restore it into a new workspace."""
    from sodo.domain.permissions import Actor
    from sodo.services import operations

    info = operations.restore(src, workspace, Actor.cli(), database_url=database_url)
    _show({**info.to_dict(), "workspace": str(workspace)}, fmt,
          "Đã khôi phục / Restored")


@config_app.command("show")
@user_errors
def config_show(workspace: WorkspaceOption = None,
                fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Every effective setting (defaults, sodo.toml, environment), secrets masked."""
    from sodo.services.settings import ENVIRONMENT, Settings

    settings = open_workspace(workspace, required=False) or Settings.from_config(None, {})
    rows = [{"setting": key, "value": value} for key, value in settings.effective().items()]
    if fmt is OutputFormat.TABLE:
        emit(rows, fmt, ["setting", "value"], title="Cấu hình / Settings")
        console.print("Biến môi trường / environment: " + ", ".join(
            f"{name} ({what})" for name, what in ENVIRONMENT.items()), highlight=False)
        return
    emit(rows, fmt)


def _show(row: dict, fmt: OutputFormat, title: str) -> None:
    emit([row], fmt, list(row), title=title)
