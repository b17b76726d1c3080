"""Signing in and out."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from sodo.domain.permissions import LoginRateLimited
from sodo.http.deps import CSRFChecked, client_ip, login_session, logout_session
from sodo.services import accounts
from sodo.web.context import db_session, form_status, language, page, render, safe_next
from sodo.web.i18n import t

router = APIRouter(include_in_schema=False)


@router.get("/login")
@page
def login_form(request: Request, next: str = "/") -> Response:
    lang = language(request)
    return render(request, "login.html", {"title": t("login.title", lang), "next": safe_next(next),
                                          "error": None, "username": ""})


@router.post("/login")
@page
def login(request: Request, _csrf: CSRFChecked, username: str = Form("", max_length=64),
          password: str = Form("", max_length=1024), next: str = Form("/")) -> Response:
    # Login CSRF refused: the form must carry the token of the page it came from, so
    # another site cannot sign a visitor in to an account of its choosing.
    lang = language(request)
    target = safe_next(next)

    def again(error: str, status: int) -> Response:
        return render(request, "login.html", {"title": t("login.title", lang), "next": target,
                                              "error": error, "username": username},
                      status=form_status(request, status))

    with db_session(request) as db:
        try:
            user = accounts.authenticate(db, username.strip(), password, client_ip(request))
        except LoginRateLimited as exc:
            db.commit()
            return again(t("login.rate_limited", lang, minutes=max(1, exc.retry_after // 60)),
                         429)
        if user is None:
            db.commit()
            return again(t("login.failed", lang), 401)
        if target == "/" and str(getattr(user, "role", "")) == "reporter":
            target = "/reporting"  # a reporter lands on their open reports
        response = RedirectResponse(target, status_code=303)
        login_session(response, request, user, db)
        db.commit()
        return response


@router.post("/logout")
@page
def logout(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    with db_session(request) as db:
        logout_session(response, request, db)  # ends the session on the server
        db.commit()
    return response
