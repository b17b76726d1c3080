"""The ``sodo`` command. Each area of the CLI lives in its own module under ``sodo.cli`` and
registers its commands here; every command calls a service function, never the store directly."""

from __future__ import annotations

import importlib

import typer

from sodo import __version__

app = typer.Typer(
    name="sodo",
    help="sodo (số đo): measure a national digital-transformation programme by its results.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Areas in the order they appear in --help. A module defines ``register(app)``.
AREAS = (
    "workspace", "programme", "orgunits", "tasks", "records", "engine",
    "assess", "users", "forms", "reports", "serve", "demo",
)

for _area in AREAS:
    try:
        _module = importlib.import_module(f"sodo.cli.{_area}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"sodo.cli.{_area}":
            raise
        continue
    _module.register(app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sodo {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """sodo (số đo): measure a national digital-transformation programme by its results."""


if __name__ == "__main__":
    app()
