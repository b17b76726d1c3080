"""``sodo user add|list|disable|enable|end-sessions|token``: accounts of the operational store.

The operator at the command line acts as an admin (they hold the database); every change is
written to the audit log as ``cli:<login name>``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from sodo.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    console,
    emit,
    user_errors,
    workspace_context,
)
from sodo.domain import permissions
from sodo.domain.permissions import Actor
from sodo.domain.problems import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

user_app = typer.Typer(help="Users, roles and API tokens (người dùng).", no_args_is_help=True)
F = TypeVar("F", bound=Callable[..., Any])


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")


@contextmanager
def store_session(workspace: Path | None) -> Iterator[Session]:
    """A session on the workspace's operational store, migrated to the latest schema."""
    with workspace_context(workspace) as ctx:
        assert ctx is not None
        with ctx.session() as session:
            yield session


def store_errors(func: F) -> F:
    """Report 'not found' from the store as a user error too (exit 1, no traceback)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except permissions.NotFound as exc:
            raise InputError(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password / Mật khẩu", hide_input=True, confirmation_prompt=True)


@user_app.command("add")
@user_errors
@store_errors
def add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option("--role", "-r",
                                      help="admin, reporter, approver or viewer.")],
    orgunit: Annotated[str, typer.Option("--orgunit", "-u",
                                         help="Org-unit code the user belongs to.")] = "VN",
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    email: Annotated[str, typer.Option("--email", help="E-mail address for notices.")] = "",
    lang: Annotated[str, typer.Option("--lang", help="Language of notices: vi or en.")] = "vi",
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from stdin.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Add a user (the password is asked for, or read from stdin)."""
    from sodo.services import accounts

    password = _read_password(password_stdin)
    with store_session(workspace) as session:
        user = accounts.create_user(session, Actor.cli(), username, password, role, orgunit,
                                    name, email, lang)
        session.commit()
        console.print(f"added {user.username} ({user.role}, {user.orgunit})", highlight=False)


@user_app.command("list")
@user_errors
def list_users(workspace: WorkspaceOption = None, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """List users with role, org unit and whether they are active."""
    from sodo.services import accounts

    with store_session(workspace) as session:
        rows = [accounts.user_dict(u) for u in accounts.list_users(session, Actor.cli())]
    emit(rows, fmt, ["username", "display_name", "role", "orgunit", "email", "active",
                     "created_at"],
         title="Người dùng / Users")


def _set_active(username: str, active: bool, workspace: Path | None) -> None:
    from sodo.services import accounts

    with store_session(workspace) as session:
        user = accounts.set_active(session, Actor.cli(), username, active)
        session.commit()
        state = "enabled" if user.active else "disabled (sessions and tokens stop now)"
        console.print(f"{user.username}: {state}", highlight=False)


@user_app.command("disable")
@user_errors
@store_errors
def disable(username: Annotated[str, typer.Argument()], workspace: WorkspaceOption = None) -> None:
    """Disable a user: their sessions and API tokens stop working at once."""
    _set_active(username, False, workspace)


@user_app.command("enable")
@user_errors
@store_errors
def enable(username: Annotated[str, typer.Argument()], workspace: WorkspaceOption = None) -> None:
    """Re-enable a disabled user."""
    _set_active(username, True, workspace)


@user_app.command("end-sessions")
@user_errors
@store_errors
def end_sessions(
    username: Annotated[str | None, typer.Argument(help="Whose sessions to end.")] = None,
    everyone: Annotated[bool, typer.Option("--everyone",
                                           help="End the sessions of every user.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """End a user's sign-in sessions at once (or everyone's): their cookies stop working;
    API tokens are kept (revoke them with `sodo user token --revoke`)."""
    from sodo.services import accounts

    if (username is None) == (not everyone):
        raise InputError("name one user, or give --everyone (not both)")
    with store_session(workspace) as session:
        if everyone:
            count = accounts.end_all_sessions(session, Actor.cli())
        else:
            count = accounts.end_sessions(session, Actor.cli(), username or "")
        session.commit()
    whose = "every user" if everyone else username
    console.print(f"{count} session{'s' * (count != 1)} of {whose} ended", highlight=False)


@user_app.command("token")
@user_errors
@store_errors
def token(
    username: Annotated[str, typer.Argument(help="Whose token.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "",
    scope: Annotated[list[str] | None, typer.Option(
        "--scope", "-s", help="read, write, admin (repeat for several); default read.")] = None,
    days: Annotated[int, typer.Option("--days", help="Lifetime in days; 0 = no expiry.",
                                      min=0, max=3650)] = 90,
    revoke: Annotated[int | None, typer.Option("--revoke", help="Revoke this token id.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the user's tokens.")] = False,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Create an API token (printed once, stored only as a hash), list or revoke tokens."""
    from sodo.services import accounts

    actor = Actor.cli()
    with store_session(workspace) as session:
        if list_:
            rows = [accounts.token_dict(t) for t in accounts.list_tokens(session, actor,
                                                                         username)]
            emit(rows, fmt, ["id", "name", "prefix", "scopes", "state", "expires_at"],
                 title=f"Tokens of {username}")
            return
        if revoke is not None:
            revoked = accounts.revoke_token(session, actor, revoke)
            session.commit()
            console.print(f"token {revoked.id} revoked", highlight=False)
            return
        lifetime = timedelta(days=days) if days else None
        row, secret = accounts.create_token(session, actor, username, name, scope or ["read"],
                                            lifetime)
        session.commit()
        # read while the session is open: the token's user is loaded on demand
        created = {**accounts.token_dict(row), "token": secret}
    if fmt is OutputFormat.TABLE:
        console.print(f"token {row.id} for {username} (scopes {', '.join(row.scopes)}; "
                      f"expires {row.expires_at.date() if row.expires_at else 'never'}). "
                      "Copy it now — it is not shown again:", highlight=False)
        typer.echo(secret)
    else:
        emit([created], fmt)
