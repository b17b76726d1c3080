"""Accounts in the service layer, on SQLite and PostgreSQL: Argon2 hashes, the login rate limit,
token life cycle and the permission rules every interface relies on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sodo.domain import permissions
from sodo.domain.permissions import (
    Action,
    Actor,
    Forbidden,
    LoginRateLimited,
    NotAuthenticated,
    Role,
)
from sodo.domain.problems import InputError
from sodo.services import accounts
from sodo.stores.operational.models import ApiToken, utcnow

PASSWORD = "một mật khẩu đủ dài"
ADMIN = Actor.system()


def test_passwords_are_argon2_hashed_and_checked(session) -> None:
    user = accounts.create_user(session, ADMIN, "hn", PASSWORD, "reporter", "01")
    session.commit()
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert accounts.authenticate(session, "hn", PASSWORD, "10.0.0.1").username == "hn"
    assert accounts.authenticate(session, "hn", "sai mật khẩu", "10.0.0.1") is None
    assert accounts.authenticate(session, "nobody", PASSWORD, "10.0.0.1") is None
    accounts.set_active(session, ADMIN, "hn", False)
    assert accounts.authenticate(session, "hn", PASSWORD, "10.0.0.1") is None


def test_login_rate_limit_per_account(session) -> None:
    accounts.create_user(session, ADMIN, "hcm", PASSWORD, "viewer", "79")
    for _ in range(accounts.MAX_FAILURES_PER_USER):
        assert accounts.authenticate(session, "hcm", "wrong", "10.0.0.2") is None
    session.commit()
    with pytest.raises(LoginRateLimited):
        accounts.authenticate(session, "hcm", PASSWORD, "10.0.0.2")


def test_token_life_cycle(session) -> None:
    accounts.create_user(session, ADMIN, "dn", PASSWORD, "reporter", "48")
    token, secret = accounts.create_token(session, ADMIN, "dn", "script", ["read"],
                                          timedelta(days=1))
    session.commit()
    assert session.get(ApiToken, token.id).token_hash != secret
    actor = accounts.actor_for_token(session, secret)
    assert (actor.username, actor.orgunit, actor.scopes) == ("dn", "48", frozenset({"read"}))
    with pytest.raises(Forbidden, match="scope"):
        permissions.require(actor, Action.REPORT, "48")
    token.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert accounts.actor_for_token(session, secret) is None
    _, second = accounts.create_token(session, ADMIN, "dn", "", ["read", "write"])
    accounts.revoke_token(session, ADMIN, accounts.list_tokens(session, ADMIN, "dn")[-1].id)
    session.commit()
    assert accounts.actor_for_token(session, second) is None
    assert accounts.actor_for_token(session, "sodo_not-a-token") is None
    with pytest.raises(Forbidden):
        accounts.create_token(session, ADMIN, "dn", "", ["admin"])
    with pytest.raises(InputError):
        accounts.create_token(session, ADMIN, "dn", "", ["everything"])


def test_permission_rules() -> None:
    hn_reporter = Actor("a", Role.REPORTER, "01")
    hn_approver = Actor("b", Role.APPROVER, "01")
    viewer = Actor("c", Role.VIEWER, "79")
    public = Actor.anonymous()
    commune_of_hanoi = next(u.code for u in accounts.default_hierarchy().children("01"))
    assert permissions.allows(hn_reporter, Action.REPORT, "01")
    assert permissions.allows(hn_reporter, Action.REPORT, commune_of_hanoi)
    assert not permissions.allows(hn_reporter, Action.REPORT, "79")
    assert not permissions.allows(hn_reporter, Action.APPROVE, "01")
    assert not permissions.allows(hn_reporter, Action.READ_AUDIT)
    assert permissions.allows(hn_approver, Action.APPROVE, commune_of_hanoi)
    assert not permissions.allows(hn_approver, Action.REPORT, "01")
    assert permissions.allows(viewer, Action.READ_DRAFT, "79")
    assert not permissions.allows(viewer, Action.READ_DRAFT, "01")
    assert permissions.allows(public, Action.READ_PUBLIC)
    with pytest.raises(NotAuthenticated):
        permissions.require(public, Action.READ_DRAFT, "01")
    with pytest.raises(Forbidden, match="79"):
        permissions.require(hn_reporter, Action.REPORT, "79")
