"""Administration: users, API tokens, the report forms and their calendar, the programme's
sync from its files, and the audit log. Every change goes through a service (``accounts``,
``catalogue``), which checks that the user is an admin and writes the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from sodo.domain import permissions
from sodo.domain.permissions import Action, Actor, Conflict, NotFound
from sodo.domain.problems import InputError
from sodo.http.deps import RowId
from sodo.services import accounts, audit, catalogue, reporting
from sodo.web.context import (
    PageError,
    app_context,
    db_session,
    form_status,
    language,
    page,
    render,
    require_actor,
)
from sodo.web.forms import error_text, field_errors
from sodo.web.i18n import register, t

register({
    "admin.sessions": ("Phiên đăng nhập", "Sessions"),
    "admin.end_sessions": ("Kết thúc mọi phiên", "End all sessions"),
    "admin.sessions_ended": ("Đã kết thúc {count} phiên đăng nhập của {name}.",
                             "Ended {count} session(s) of {name}."),
    # a token's rights, by level (each includes the one before), and a scope by itself
    "admin.scope.read": ("Chỉ đọc", "Read only"),
    "admin.scope.write": ("Đọc và ghi", "Read and write"),
    "admin.scope.admin": ("Quản trị", "Administration"),
    "admin.scope_word.read": ("đọc", "read"),
    "admin.scope_word.write": ("ghi", "write"),
    "admin.scope_word.admin": ("quản trị", "administer"),
    "admin.token_state.active": ("Đang dùng", "Active"),
    "admin.token_state.revoked": ("Đã thu hồi", "Revoked"),
    "admin.token_state.expired": ("Hết hạn", "Expired"),
})

ROLE_KEYS = {"admin": "role.admin", "reporter": "role.reporter", "approver": "role.approver",
             "viewer": "role.viewer"}
# the token form's levels: the scopes each gives (a write token can read too)
TOKEN_LEVELS = {"read": ("read",), "write": ("read", "write"), "admin": ("admin", "read", "write")}
LEVEL_KEYS = {"read": "admin.scope.read", "write": "admin.scope.write",
              "admin": "admin.scope.admin"}
SCOPE_WORD_KEYS = {"read": "admin.scope_word.read", "write": "admin.scope_word.write",
                   "admin": "admin.scope_word.admin"}
TOKEN_STATE_KEYS = {"active": "admin.token_state.active", "revoked": "admin.token_state.revoked",
                    "expired": "admin.token_state.expired"}
router = APIRouter(include_in_schema=False)


def require_admin(request: Request) -> Actor:
    actor = require_actor(request)
    permissions.require(actor, Action.ADMIN)
    return actor


def admin_context(request: Request, db: Session, actor: Actor, lang: str) -> dict[str, Any]:
    today = app_context(request).today()
    forms = []
    for form in reporting.list_forms(db):
        period = form.open_period(today)
        forms.append({"code": form.code, "name": form.label(lang),
                      "period_type": form.period_type, "period": period.id,
                      "period_label": period.label(lang), "opens_on": form.opens_on(period),
                      "due_on": form.due_on(period),
                      "units": len(form.reporting_units(on=period.end))})
    return {
        "title": t("admin.title", lang),
        "users": [accounts.user_dict(u) for u in accounts.list_users(db, actor)],
        "tokens": [token_view(accounts.token_dict(tk), lang)
                   for tk in accounts.list_tokens(db, actor)],
        "token_levels": [{"value": level, "label": t(LEVEL_KEYS[level], lang)}
                         for level in TOKEN_LEVELS],
        "forms": forms,
        "audit": [audit.entry_dict(e) for e in audit.query(db, actor, limit=30).entries],
        "roles": [r.value for r in permissions.Role if r is not permissions.Role.PUBLIC],
        "role_labels": {r.value: t(ROLE_KEYS[r.value], lang) for r in permissions.Role
                        if r.value in ROLE_KEYS},
        "message": None, "error": None, "new_token": None,
    }


def token_view(token: dict[str, Any], lang: str) -> dict[str, Any]:
    """A token as the admin page shows it: its rights and state in words, not codes."""
    scopes = tuple(sorted(token["scopes"]))
    level = next((lv for lv, given in TOKEN_LEVELS.items() if tuple(sorted(given)) == scopes),
                 None)
    words = ", ".join(t(SCOPE_WORD_KEYS[s], lang) if s in SCOPE_WORD_KEYS else s
                      for s in scopes)
    return {**token, "scopes_label": t(LEVEL_KEYS[level], lang) if level else words.capitalize(),
            "state_label": t(TOKEN_STATE_KEYS[token["state"]], lang)
            if token["state"] in TOKEN_STATE_KEYS else token["state"]}


USER_FIELDS = ("username", "password", "role", "orgunit", "email")


def _again(request: Request, db: Session, actor: Actor, lang: str, *, error: str | None = None,
           message: str | None = None, new_token: str | None = None,
           user_errors: dict[str, str] | None = None,
           user_typed: dict[str, str] | None = None) -> Response:
    result = admin_context(request, db, actor, lang)
    result.update(error=error, message=message, new_token=new_token,
                  user_errors=user_errors or {}, user_typed=user_typed or {})
    return render(request, "admin.html", result,
                  status=form_status(request, 422) if error else 200)


@router.get("/admin")
@page
def admin_home(request: Request) -> Response:
    lang = language(request)
    actor = require_admin(request)
    with db_session(request) as db:
        return render(request, "admin.html", admin_context(request, db, actor, lang))


@router.post("/admin/users")
@page
def admin_add_user(request: Request, username: str = Form("", max_length=64),
                   password: str = Form("", max_length=1024),
                   role: str = Form("reporter", max_length=16),
                   orgunit: str = Form("VN", max_length=32),
                   display_name: str = Form("", max_length=200),
                   email: str = Form("", max_length=255)) -> Response:
    lang = language(request)
    actor = require_admin(request)
    with db_session(request) as db:
        try:
            accounts.create_user(db, actor, username, password, role, orgunit.strip(),
                                 display_name, email)
        except (InputError, Conflict) as exc:
            db.rollback()
            # said in the user's language, on the field; what was typed is kept (not the
            # password: it is never sent back to the browser)
            fields = field_errors(exc, lang, {f: f for f in USER_FIELDS})
            if isinstance(exc, Conflict):
                fields["username"] = error_text(exc, lang)
            typed = {"username": username, "display_name": display_name, "email": email,
                     "role": role, "orgunit": orgunit}
            return _again(request, db, actor, lang, error=error_text(exc, lang),
                          user_errors=fields, user_typed=typed)
        db.commit()
        return _again(request, db, actor, lang, message=t("admin.user_added", lang,
                                                           name=username))


@router.post("/admin/tokens")
@page
def admin_new_token(request: Request, username: str = Form("", max_length=64),
                    name: str = Form("", max_length=100),
                    scope: str = Form("read", max_length=16)) -> Response:
    lang = language(request)
    actor = require_admin(request)
    with db_session(request) as db:
        try:
            _token, secret = accounts.create_token(
                db, actor, username, name, TOKEN_LEVELS.get(scope, (scope,)),
                timedelta(days=90))
        except (InputError, NotFound, permissions.Forbidden) as exc:
            db.rollback()
            return _again(request, db, actor, lang, error=error_text(exc, lang))
        db.commit()
        return _again(request, db, actor, lang, new_token=secret)


@router.post("/admin/tokens/{token_id}/revoke")
@page
def admin_revoke_token(request: Request, token_id: RowId) -> Response:
    actor = require_admin(request)
    with db_session(request) as db:
        try:
            accounts.revoke_token(db, actor, token_id)
        except NotFound:
            raise PageError(404, "error.not_found") from None
        db.commit()
    return RedirectResponse("/admin#tokens", status_code=303)


@router.post("/admin/users/{username}/sessions/end")
@page
def admin_end_sessions(request: Request, username: str) -> Response:
    """End every sign-in session of a user at once (a lost laptop, a departure)."""
    lang = language(request)
    actor = require_admin(request)
    with db_session(request) as db:
        try:
            count = accounts.end_sessions(db, actor, username)
        except NotFound:
            raise PageError(404, "error.not_found") from None
        db.commit()
        return _again(request, db, actor, lang,
                      message=t("admin.sessions_ended", lang, name=username, count=count))


@router.post("/admin/programme/import")
@page
def admin_sync_programme(request: Request) -> Response:
    lang = language(request)
    actor = require_admin(request)
    with db_session(request) as db:
        try:
            result = catalogue.sync(db, actor, app_context(request).settings.programme_path())
        except InputError as exc:
            db.rollback()
            return _again(request, db, actor, lang, error=" ".join(
                [error_text(InputError(exc.summary), lang),
                 *(str(p) for p in exc.problems[:20])]))
        db.commit()
        return _again(request, db, actor, lang,
                      message=t("admin.imported", lang, summary=result.summary()))
