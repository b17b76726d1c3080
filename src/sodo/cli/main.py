"""The ``sodo`` command. Each area of the CLI lives in its own module under ``sodo.cli`` and
registers its commands here; every command calls a service function, never the store directly."""

from __future__ import annotations

import importlib
import os
import sys

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
    "assess", "users", "forms", "serve", "demo", "extract", "publish", "operations",
    "remind", "quality", "report", "plan", "watch",
)
# The area of each top-level command, so that running one command imports only its area
# (the others pull in DuckDB, SQLAlchemy, Ibis… and would slow every start by seconds).
COMMAND_AREAS = {
    "init": "workspace", "programme": "programme", "orgunits": "orgunits", "tasks": "tasks",
    "ingest": "records", "generate": "records", "compute": "engine", "values": "engine",
    "assess": "assess", "rank": "assess", "user": "users", "form": "forms",
    "serve": "serve", "demo": "demo", "extract": "extract", "publish": "publish",
    "backup": "operations", "restore": "operations", "config": "operations",
    "remind": "remind", "quality": "quality", "report": "report", "plan": "plan",
    "watch": "watch",
}


def _requested_area(argv: list[str]) -> str | None:
    for arg in argv[1:]:
        if arg.startswith("-"):
            return None  # an option before the command (--help, --version): load everything
        return COMMAND_AREAS.get(arg)
    return None


def _register(areas: tuple[str, ...]) -> None:
    for area in areas:
        try:
            module = importlib.import_module(f"sodo.cli.{area}")
        except ModuleNotFoundError as exc:
            if exc.name != f"sodo.cli.{area}":
                raise
            continue
        module.register(app)


_started_as_sodo = bool(sys.argv) and os.path.basename(sys.argv[0]) in ("sodo", "__main__.py")
_area = _requested_area(sys.argv) if _started_as_sodo else None
_register((_area,) if _area else AREAS)


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


UNEXPECTED_EXIT = 70  # EX_SOFTWARE: a defect of sodo, not of the user's input


def run() -> None:
    """The ``sodo`` entry point: the app, with a last line of defence so that a defect still
    ends in one line that says what happened and where the details are, never a traceback
    (``SODO_DEBUG=1`` shows it instead)."""
    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("SODO_DEBUG"):
            raise
        import tempfile
        import traceback
        from datetime import datetime

        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = os.path.join(tempfile.gettempdir(), f"sodo-crash-{stamp}-{os.getpid()}.log")
        with open(path, "w", encoding="utf-8") as log:
            log.write(" ".join(sys.argv) + "\n\n")
            traceback.print_exc(file=log)
        print(f"error: sodo failed unexpectedly ({type(exc).__name__}: {exc}). This is a "
              f"defect of sodo: please report it with the details written to {path} "
              "(or run again with SODO_DEBUG=1).", file=sys.stderr)
        sys.exit(UNEXPECTED_EXIT)


if __name__ == "__main__":
    run()
