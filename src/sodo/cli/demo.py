"""``sodo demo``: build the demo workspace and serve it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sodo.cli.common import console, progress_bar, user_errors


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


@user_errors
def demo(
    workspace: Annotated[Path, typer.Option("--workspace", "-w",
                                            help="Folder of the demo workspace.")]
    = Path("demo-workspace"),
    rows: Annotated[int, typer.Option(help="Synthetic dossiers to generate.")] = 1_000_000,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic data.")] = 2026,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Build again even if built.")]
    = False,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve it when built.")]
    = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
) -> None:
    """Build the demo workspace (default programme + synthetic records, computed) and serve
    the web control room on http://127.0.0.1:8000."""
    from sodo.services.demo import BUILD_STEPS, DEMO_PASSWORD, DEMO_USERS, build_demo

    # one bar over the build's steps (BUILD_STEPS), the step under way as its description
    with progress_bar(console) as bar:
        task = bar.add_task("sodo demo", total=BUILD_STEPS)
        done = [0]

        def step(message: str) -> None:
            bar.update(task, completed=done[0], description=message)
            done[0] += 1

        summary = build_demo(workspace, rows=rows, seed=seed, rebuild=rebuild, step=step)
        bar.update(task, completed=BUILD_STEPS if not summary.reused else 1,
                   total=BUILD_STEPS if not summary.reused else 1,
                   description="Xong / done" if not summary.reused else "Reused")
    if not summary.reused:
        took = ", ".join(f"{k} {v:.1f} s" for k, v in summary.seconds.items())
        console.print(f"Built {summary.workspace}: {summary.dossiers:,} dossiers, "
                      f"{summary.feedback:,} feedback records, {summary.values:,} values "
                      f"({took})", highlight=False)

    from sodo.cli.common import programme_of, workspace_context

    # a short summary: `sodo programme show` prints the whole programme for who wants it
    with workspace_context(Path(summary.workspace), migrate=False) as ctx:
        prog = programme_of(ctx).programme
    console.print(f"Chương trình / programme: [bold]{prog.name}[/] ({prog.code}) — "
                  f"{len(prog.indicators)} chỉ số, {len(prog.targets)} mục tiêu, "
                  f"{len(prog.tasks)} nhiệm vụ (sodo programme show)", highlight=False)
    if serve:
        console.print(f"Địa chỉ / address: http://{host}:{port}/", highlight=False)
    accounts = Table(title=f"Tài khoản demo / demo accounts (mật khẩu / password: "
                           f"{DEMO_PASSWORD})")
    for col in ("tài khoản / username", "vai trò / role", "đơn vị / org unit", "là ai / who"):
        accounts.add_column(col)
    for username, role, orgunit, name in DEMO_USERS:
        accounts.add_row(username, role, orgunit, name)
    console.print(accounts)
    if serve:
        from sodo.cli.serve import serve as serve_command

        serve_command(host=host, port=port, workers=1, workspace=Path(summary.workspace))
