"""User administration (admins only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from sodo.api.routes._common import Limit, Offset, Page, page
from sodo.domain import permissions
from sodo.http.deps import DB, RequireUser
from sodo.http.problems import problem_responses
from sodo.services import accounts

router = APIRouter(prefix="/users", tags=["users"])
RoleName = Literal["admin", "reporter", "approver", "viewer"]


class NewUser(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    role: RoleName
    orgunit: str = Field("VN", min_length=1, max_length=32)
    display_name: str = Field("", max_length=200)
    email: str = Field("", max_length=255)


class UserChange(BaseModel):
    role: RoleName | None = None
    orgunit: str | None = Field(None, min_length=1, max_length=32)
    display_name: str | None = Field(None, max_length=200)
    active: bool | None = None
    password: str | None = Field(None, min_length=1, max_length=1024)


class NewToken(BaseModel):
    name: str = Field("", max_length=128)
    scopes: list[Literal["read", "write", "admin"]] = Field(["read"], min_length=1)
    expires_in_days: int | None = Field(90, ge=1, le=3650)


@router.get("", summary="List users", response_model=Page,
            responses=problem_responses(401, 403))
def list_users(actor: RequireUser, db: DB, limit: Limit = 100, offset: Offset = 0) -> Page:
    users = accounts.list_users(db, actor, limit=limit, offset=offset)
    total = len(accounts.list_users(db, actor, limit=1_000_000))
    return page([accounts.user_dict(u) for u in users], total, limit, offset)


@router.post("", status_code=201, summary="Add a user",
             responses=problem_responses(401, 403, 409, 422))
def add_user(body: NewUser, actor: RequireUser, db: DB) -> dict[str, Any]:
    user = accounts.create_user(db, actor, body.username, body.password, body.role,
                                body.orgunit, body.display_name, body.email)
    db.commit()
    return accounts.user_dict(user)


@router.get("/{username}", summary="One user", responses=problem_responses(401, 403, 404))
def get_user(username: str, actor: RequireUser, db: DB) -> dict[str, Any]:
    permissions.require(actor, permissions.Action.ADMIN)
    return accounts.user_dict(accounts.get_user(db, username))


@router.patch("/{username}", summary="Change, disable or re-enable a user",
              responses=problem_responses(401, 403, 404, 422))
def change_user(username: str, body: UserChange, actor: RequireUser, db: DB) -> dict[str, Any]:
    permissions.require(actor, permissions.Action.ADMIN)
    user = accounts.get_user(db, username)
    if body.role is not None or body.orgunit is not None or body.display_name is not None:
        user = accounts.update_user(db, actor, username, role=body.role, orgunit=body.orgunit,
                                    display_name=body.display_name)
    if body.active is not None:
        user = accounts.set_active(db, actor, username, body.active)
    if body.password is not None:
        user = accounts.set_password(db, actor, username, body.password)
    db.commit()
    return accounts.user_dict(user)


@router.get("/{username}/tokens", summary="A user's API tokens",
            responses=problem_responses(401, 403, 404))
def user_tokens(username: str, actor: RequireUser, db: DB) -> list[dict[str, Any]]:
    accounts.get_user(db, username) if actor.is_admin else None
    return [accounts.token_dict(t) for t in accounts.list_tokens(db, actor, username)]


@router.post("/{username}/tokens", status_code=201,
             summary="Create a token for a user (the secret is shown once)",
             responses=problem_responses(401, 403, 404, 422))
def create_user_token(username: str, body: NewToken, actor: RequireUser,
                      db: DB) -> dict[str, Any]:
    lifetime = timedelta(days=body.expires_in_days) if body.expires_in_days else None
    token, secret = accounts.create_token(db, actor, username, body.name, body.scopes, lifetime)
    db.commit()
    return {**accounts.token_dict(token), "token": secret}


@router.post("/{username}/sessions/end", summary="End every sign-in session of a user at once",
             responses=problem_responses(401, 403, 404))
def end_user_sessions(username: str, actor: RequireUser, db: DB) -> dict[str, int]:
    count = accounts.end_sessions(db, actor, username)
    db.commit()
    return {"ended": count}
