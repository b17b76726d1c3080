"""``sodo publish``: open data — the static export, the conformity check (Art. 43 of Law
20/2023/QH15), and the releases that open computed values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from sodo.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    console,
    emit,
    err_console,
    user_errors,
    workspace_context,
)

RELEASE_COLUMNS = ("id", "at", "actor", "indicators", "periods", "note", "active",
                   "withdrawn_at", "withdraw_reason")


def register(app: typer.Typer) -> None:
    publish_app = typer.Typer(help="Open data: export, check, release.", no_args_is_help=False,
                              invoke_without_command=True)
    app.add_typer(publish_app, name="publish")

    @publish_app.callback()
    @user_errors
    def publish(
        ctx: typer.Context,
        workspace: WorkspaceOption = None,
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", help="Write the open data and its pages here (with --check: the "
            "export to check, nothing is written).")] = None,
        check: Annotated[bool, typer.Option(
            "--check", help="Check the criteria of Art. 43 a machine can verify; exit 1 "
            "when one fails.")] = False,
        url: Annotated[str | None, typer.Option(
            "--url", help="With --check: check the server at this address over HTTP, "
            "anonymously.")] = None,
        fmt: FormatOption = OutputFormat.TABLE,
    ) -> None:
        """Export the open data as static files (--out DIR) or check it (--check)."""
        if ctx.invoked_subcommand is not None:
            return
        if not check and out is None:
            raise ValueError("say what to do: --out DIR (export), --check, or a command: "
                             "release, releases, withdraw (see --help)")
        from sodo.domain.permissions import Actor
        from sodo.services import opendata_publish as pub

        with workspace_context(workspace) as app_ctx:
            assert app_ctx is not None
            actor = Actor.cli()
            if check:
                fetch = _http_fetch if url else None
                if url:
                    app_ctx = _with_public_url(app_ctx, url)
                results = pub.check(app_ctx, actor, folder=out, fetch=fetch)
                _print_check(results, fmt)
                if not all(r.ok for r in results):
                    raise typer.Exit(1)
                return
            assert out is not None
            written = pub.export(app_ctx, actor, out)
            from sodo.web.opendata_static import write_pages

            pages = write_pages(app_ctx, out)
        total = sum(p.stat().st_size for p in written)
        console.print(f"Wrote {len(written)} files ({total / 1e6:.1f} MB) and {len(pages)} "
                      f"pages to {out}", highlight=False)

    @publish_app.command("release")
    @user_errors
    def release(
        period: Annotated[list[str], typer.Option(
            "--period", "-p", help="Period to release (repeatable), e.g. 2025, 2026Q1.")],
        indicator: Annotated[list[str] | None, typer.Option(
            "--indicator", "-i", help="Indicator (repeatable; default: every open indicator "
            "computed from records).")] = None,
        note: Annotated[str, typer.Option("--note", help="Why, or what was reviewed.")] = "",
        workspace: WorkspaceOption = None,
        fmt: FormatOption = OutputFormat.TABLE,
    ) -> None:
        """Release computed values as open data (recorded and audited)."""
        from sodo.domain.permissions import Actor
        from sodo.services import opendata

        with workspace_context(workspace) as app_ctx:
            assert app_ctx is not None
            with app_ctx.session() as session:
                made = opendata.release(session, Actor.cli(), period, indicator, note,
                                        app_ctx.today())
                session.commit()
        row = made.to_dict(True)
        if fmt is OutputFormat.TABLE:
            console.print(f"Release {made.id}: {len(made.indicators)} indicators, periods "
                          f"{', '.join(made.periods)}", highlight=False)
            return
        emit([row], fmt, RELEASE_COLUMNS)

    @publish_app.command("releases")
    @user_errors
    def releases(workspace: WorkspaceOption = None,
                 fmt: FormatOption = OutputFormat.TABLE) -> None:
        """The releases, newest first."""
        from sodo.domain.permissions import Actor
        from sodo.services import opendata

        with workspace_context(workspace) as app_ctx:
            assert app_ctx is not None
            with app_ctx.session() as session:
                rows = opendata.list_releases(session, Actor.cli())
        if fmt is OutputFormat.TABLE:
            for row in rows:
                row["indicators"] = f"{len(row['indicators'])} indicators"
        emit(rows, fmt, RELEASE_COLUMNS, title="Công bố dữ liệu mở / Releases")

    @publish_app.command("withdraw")
    @user_errors
    def withdraw(
        release_id: Annotated[int, typer.Argument(help="The release's id.")],
        reason: Annotated[str, typer.Option("--reason", help="Why it is withdrawn.")],
        workspace: WorkspaceOption = None,
    ) -> None:
        """Withdraw a release: its values stop being open data."""
        from sodo.domain.permissions import Actor, Conflict, NotFound
        from sodo.services import opendata

        with workspace_context(workspace) as app_ctx:
            assert app_ctx is not None
            with app_ctx.session() as session:
                try:
                    opendata.withdraw(session, Actor.cli(), release_id, reason)
                except (NotFound, Conflict) as exc:
                    err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
                    raise typer.Exit(1) from None
                session.commit()
        console.print(f"Release {release_id} withdrawn", highlight=False)


def _with_public_url(app_ctx, url: str):  # type: ignore[no-untyped-def]
    """The context as the server at ``url`` sees itself (its links start there)."""
    from dataclasses import replace

    from sodo.services.context import AppContext

    return AppContext(replace(app_ctx.settings, public_url=url.rstrip("/")),
                      engine=app_ctx.engine)


def _http_fetch(url: str) -> tuple[int, str, bytes]:
    import httpx

    try:
        answer = httpx.get(url, timeout=120, follow_redirects=False)
    except httpx.HTTPError as exc:
        return 0, str(exc), b""
    return answer.status_code, answer.headers.get("content-type", ""), answer.content


def _print_check(results, fmt: OutputFormat) -> None:  # type: ignore[no-untyped-def]
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
        return
    for r in results:
        mark = "[green]✓[/]" if r.ok else "[bold red]✗[/]"
        console.print(f"{mark} {r.key}: {r.checked}", highlight=False, soft_wrap=True)
        for failure in r.failures[:20]:
            console.print(f"    ✗ {failure}", highlight=False, markup=False, soft_wrap=True)
        if len(r.failures) > 20:
            console.print(f"    … and {len(r.failures) - 20} more", highlight=False)
        for note in r.notes:
            console.print(f"    · {note}", highlight=False, markup=False, soft_wrap=True)
    failed = [r.key for r in results if not r.ok]
    console.print("Not checkable by a machine: free of charge, reusable also commercially "
                  "(the licence says so).", highlight=False)
    if failed:
        err_console.print(f"[bold red]error:[/] {len(failed)} criteria fail: "
                          f"{', '.join(failed)}", highlight=False)
