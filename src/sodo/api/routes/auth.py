"""Sign in and out, who am I, and one's own API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from sodo.domain import permissions
from sodo.http.deps import (
    DB,
    RequireUser,
    RowId,
    client_ip,
    csrf_token,
    login_session,
    logout_session,
)
from sodo.http.problems import ProblemError, problem_responses
from sodo.services import accounts

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenBody(BaseModel):
    name: str = Field("", max_length=128)
    scopes: list[Literal["read", "write", "admin"]] = Field(["read"], min_length=1)
    expires_in_days: int | None = Field(90, ge=1, le=3650, description="null: never expires")


def _me(actor: permissions.Actor, request: Request) -> dict[str, Any]:
    return {"username": actor.username, "display_name": actor.display_name,
            "role": str(actor.role), "orgunit": actor.orgunit, "via": actor.via,
            "scopes": sorted(actor.scopes) if actor.scopes is not None else None,
            "csrf_token": csrf_token(request)}


@router.post("/login", summary="Sign in with a password (sets the session cookie)",
             responses=problem_responses(401, 422, 429))
def login(body: LoginBody, request: Request, response: Response, db: DB) -> dict[str, Any]:
    try:
        user = accounts.authenticate(db, body.username, body.password, client_ip(request))
    except permissions.LoginRateLimited:
        db.commit()  # the refusal is in the audit log
        raise
    if user is None:
        db.commit()  # the attempt is recorded whatever the outcome
        raise ProblemError(401, "wrong username or password")
    login_session(response, request, user, db)
    db.commit()
    return _me(permissions.Actor.from_user(user, client_ip(request)), request)


@router.post("/logout", summary="Sign out (ends the session on the server)")
def logout(request: Request, response: Response, db: DB) -> dict[str, str]:
    logout_session(response, request, db)
    db.commit()
    return {"status": "signed out"}


class PasswordBody(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


@router.post("/password", summary="Change my password (ends all my sessions; sign in again)",
             responses=problem_responses(401, 403, 422))
def change_password(body: PasswordBody, actor: RequireUser, request: Request,
                    response: Response, db: DB) -> dict[str, str]:
    if actor.via == "token":
        raise ProblemError(403, "a token cannot change a password; sign in with it")
    if accounts.authenticate(db, actor.username, body.current_password,
                             client_ip(request)) is None:
        db.commit()
        raise ProblemError(403, "the current password is wrong")
    accounts.set_password(db, actor, actor.username, body.new_password)
    logout_session(response, request, db)
    db.commit()
    return {"status": "password changed; every session ended, sign in again"}


@router.post("/sessions/end", summary="Sign out everywhere (end all my sessions)",
             responses=problem_responses(401))
def end_my_sessions(actor: RequireUser, response: Response, request: Request,
                    db: DB) -> dict[str, int]:
    count = accounts.end_sessions(db, actor, actor.username)
    logout_session(response, request, db)
    db.commit()
    return {"ended": count}


@router.get("/me", summary="The signed-in user", responses=problem_responses(401))
def me(actor: RequireUser, request: Request) -> dict[str, Any]:
    return _me(actor, request)


@router.get("/tokens", summary="My API tokens (never their secrets)",
            responses=problem_responses(401))
def my_tokens(actor: RequireUser, db: DB) -> list[dict[str, Any]]:
    return [accounts.token_dict(t) for t in accounts.list_tokens(db, actor, actor.username)]


@router.post("/tokens", status_code=201, summary="Create an API token (the secret is shown once)",
             responses=problem_responses(401, 403, 422))
def create_my_token(body: TokenBody, actor: RequireUser, db: DB) -> dict[str, Any]:
    if actor.via == "token":
        raise ProblemError(403, "a token cannot create tokens; sign in with a password")
    lifetime = timedelta(days=body.expires_in_days) if body.expires_in_days else None
    token, secret = accounts.create_token(db, actor, actor.username, body.name, body.scopes,
                                          lifetime)
    db.commit()
    return {**accounts.token_dict(token), "token": secret}


@router.delete("/tokens/{token_id}", summary="Revoke one of my tokens",
               responses=problem_responses(401, 403, 404))
def revoke_my_token(token_id: RowId, actor: RequireUser, db: DB) -> dict[str, Any]:
    token = accounts.revoke_token(db, actor, token_id)
    db.commit()
    return accounts.token_dict(token)
