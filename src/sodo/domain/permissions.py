"""Who may do what: roles, actions, the acting party, and the errors a refusal raises.

Pure rules, no storage: every service calls :func:`require` before it reads or writes, so the
CLI, the API and the web pages cannot disagree. Roles:

- ``admin``: the programme office — everything.
- ``reporter``: bound to one org unit; reports and updates tasks for it and the units below.
- ``approver``: approves (or returns) submissions for its subtree.
- ``viewer``: reads everything published and the drafts of its subtree.
- anonymous ``public``: published, approved values and public metadata only.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sodo.domain.orgunits import NATION_CODE, OrgUnitError, default_hierarchy


class Role(StrEnum):
    ADMIN = "admin"
    REPORTER = "reporter"
    APPROVER = "approver"
    VIEWER = "viewer"
    PUBLIC = "public"  # anonymous; never stored on a user


class Action(StrEnum):
    READ_PUBLIC = "read_public"  # approved values, programme metadata
    READ_DRAFT = "read_draft"  # unapproved submissions and task updates of a unit
    REPORT = "report"  # fill in, submit or correct a unit's report
    APPROVE = "approve"  # approve or return a unit's submission
    UPDATE_TASK = "update_task"  # report progress of a task led by a unit
    ADMIN = "admin"  # users, programme sync, forms, record intake, compute
    READ_AUDIT = "read_audit"


WRITE_ACTIONS = {Action.REPORT, Action.APPROVE, Action.UPDATE_TASK, Action.ADMIN}
TOKEN_SCOPES = ("read", "write", "admin")

# What each role may do, and whether the action is limited to the role's own subtree.
ROLE_RIGHTS: dict[Role, dict[Action, bool]] = {
    Role.ADMIN: {a: False for a in Action},
    Role.REPORTER: {Action.READ_PUBLIC: False, Action.READ_DRAFT: True, Action.REPORT: True,
                    Action.UPDATE_TASK: True},
    Role.APPROVER: {Action.READ_PUBLIC: False, Action.READ_DRAFT: True, Action.APPROVE: True},
    Role.VIEWER: {Action.READ_PUBLIC: False, Action.READ_DRAFT: True},
    Role.PUBLIC: {Action.READ_PUBLIC: False},
}


class NotAuthenticated(PermissionError):
    """No (valid) credentials: the API answers 401."""


class Forbidden(PermissionError):
    """Authenticated but not allowed: the API answers 403."""


class LoginRateLimited(PermissionError):
    """Too many failed logins for this account or address; try again later (429)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(LookupError):
    """The object asked for does not exist, or the asker may not know it exists (404)."""


class Conflict(ValueError):
    """The request clashes with the object's state (409)."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (by session or token), the anonymous public, or the CLI operator."""

    username: str
    role: Role
    orgunit: str = NATION_CODE
    user_id: int | None = None
    display_name: str = ""
    source: str = ""  # IP address or "cli"
    scopes: frozenset[str] | None = None  # None: a session or the CLI, no token limit
    via: str = "session"  # session | token | cli | anonymous
    token_id: int | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_authenticated(self) -> bool:
        return self.role is not Role.PUBLIC

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @classmethod
    def anonymous(cls, source: str = "") -> Actor:
        return cls("anonymous", Role.PUBLIC, NATION_CODE, source=source, via="anonymous")

    @classmethod
    def cli(cls) -> Actor:
        """The operator at the command line, who has the machine and so the database: admin."""
        try:
            who = getpass.getuser()
        except Exception:  # no login name in some containers
            who = "operator"
        return cls(f"cli:{who}", Role.ADMIN, NATION_CODE, source="cli", via="cli")

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """sodo itself (e.g. a scheduled job or the first start of a server)."""
        return cls(name, Role.ADMIN, NATION_CODE, source="system", via="cli")

    @classmethod
    def from_user(cls, user: Any, source: str = "", scopes: frozenset[str] | None = None,
                  via: str = "session", token_id: int | None = None) -> Actor:
        """The actor for a stored user row (anything with username, role, orgunit, id and
        display_name)."""
        return cls(user.username, Role(user.role), user.orgunit, user.id, user.display_name,
                   source, scopes, via, token_id)


def in_subtree(unit: str, root: str) -> bool:
    """True when ``unit`` is ``root`` or lies below it in the org-unit hierarchy."""
    if unit == root or root == NATION_CODE:
        return True
    hierarchy = default_hierarchy()
    try:
        return any(anc.code == root for anc in hierarchy.ancestors(unit))
    except OrgUnitError:
        return False


def subtree(root: str) -> list[str]:
    """``root`` and every unit below it."""
    return [root, *(u.code for u in default_hierarchy().descendants(root))]


def allows(actor: Actor, action: Action, orgunit: str | None = None) -> bool:
    """Whether ``actor`` may do ``action`` (on ``orgunit`` for unit-bound actions)."""
    rights = ROLE_RIGHTS.get(actor.role, {})
    if action not in rights:
        return False
    if actor.scopes is not None:
        needed = ("admin" if action in (Action.ADMIN, Action.READ_AUDIT)
                  else "write" if action in WRITE_ACTIONS else "read")
        if needed not in actor.scopes:
            return False
    if rights[action] and orgunit is not None:
        return in_subtree(orgunit, actor.orgunit)
    return True


def audience(actor: Actor) -> tuple[Role, str, frozenset[str] | None]:
    """What decides everything :func:`allows` answers for ``actor`` (role, unit, token
    scopes): two actors with the same audience may see exactly the same things."""
    return actor.role, actor.orgunit, actor.scopes


def require(actor: Actor, action: Action, orgunit: str | None = None) -> None:
    """Raise :class:`NotAuthenticated` (anonymous) or :class:`Forbidden` unless allowed."""
    if allows(actor, action, orgunit):
        return
    what = action.value.replace("_", " ")
    if not actor.is_authenticated:
        raise NotAuthenticated(f"sign in to {what}")
    where = f" for org unit '{orgunit}'" if orgunit else ""
    if actor.scopes is not None and allows(
            Actor(actor.username, actor.role, actor.orgunit), action, orgunit):
        raise Forbidden(f"this API token's scopes ({', '.join(sorted(actor.scopes))}) "
                        f"do not allow '{what}'")
    raise Forbidden(f"user '{actor.username}' ({actor.role}, {actor.orgunit}) may not "
                    f"{what}{where}")


def sees_drafts_of(actor: Actor) -> list[str] | None:
    """The units whose unapproved facts ``actor`` may see: ``None`` for every unit (admins
    and national readers), ``[]`` for none (the anonymous public), else its subtree."""
    if actor.is_admin:
        return None
    if not actor.is_authenticated or not allows(actor, Action.READ_DRAFT, actor.orgunit):
        return []
    if actor.orgunit == NATION_CODE:
        return None
    return subtree(actor.orgunit)
