"""``sodo serve``: the web control room and the JSON API."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from sodo.cli.common import WorkspaceOption, console, open_workspace, user_errors
from sodo.services.settings import Settings


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


@user_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    scheduler: Annotated[bool, typer.Option(
        "--scheduler/--no-scheduler",
        help="Run the follow-up job (sodo remind) every [follow_up] interval_minutes; one "
             "scheduler across workers and machines (a lease in the store).")] = True,
    workspace: WorkspaceOption = None,
) -> None:
    """Serve the web control room and the JSON API (/api/v1) over the workspace."""
    ws = open_workspace(workspace)
    assert ws is not None
    console.print(f"sodo serving [bold]{ws.root}[/] on http://{host}:{port}/ "
                  f"(API: http://{host}:{port}/api/v1/docs)", highlight=False)
    job = None
    if scheduler and ws.follow_up.interval_minutes > 0:
        from sodo.services.context import AppContext
        from sodo.services.scheduler import Scheduler

        job = Scheduler(AppContext(ws, migrate=True))
        job.start()
    try:
        _run(ws, host, port, workers)
    finally:
        if job is not None:
            job.stop()


def _run(ws: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    from sodo.http.app import UVICORN_OPTIONS, create_app
    from sodo.http.operations import LOG_CONFIG

    if workers > 1:
        # Several processes each build the app from the workspace named in the environment,
        # and each takes its share of the store's connections (Settings.db_connections).
        os.environ["SODO_WORKSPACE"] = str(ws.root)
        os.environ["SODO_WORKERS"] = str(workers)
        uvicorn.run("sodo.http.app:create_app", factory=True, host=host, port=port,
                    workers=workers, log_level="warning", log_config=LOG_CONFIG,
                    access_log=False, **UVICORN_OPTIONS)
    else:
        uvicorn.run(create_app(ws), host=host, port=port, log_level="warning",
                    log_config=LOG_CONFIG, access_log=False, **UVICORN_OPTIONS)
