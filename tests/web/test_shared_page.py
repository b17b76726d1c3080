"""A page kept rendered for every anonymous visitor (:func:`sodo.web.context.render` with
``shared=True``, the overview) is rendered once per data version, yet each visitor's form
carries a CSRF token of their own that verifies against their own cookie — and only theirs."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
from fastapi import Depends, Request
from fastapi.testclient import TestClient
from workspace_builder import PASSWORD, build_workspace

import sodo.web.context as page_context
from sodo.http.deps import CSRF_COOKIE, current_user_optional

from .conftest import make_app

FORM = ('<form method="post" action="/login"><input type="hidden" name="csrf_token" '
        'value="{{ csrf }}"></form><p>{{ data.n }}</p>')


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_a_shared_page_carries_each_visitors_own_token(tmp_path: Path, monkeypatch) -> None:
    loader = page_context.templates.env.loader
    monkeypatch.setattr(page_context.templates.env, "loader", jinja2.ChoiceLoader(
        [jinja2.DictLoader({"shared_form.html": FORM}), loader]))
    renders: list[str] = []
    respond = page_context.templates.TemplateResponse

    def counted(request, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        renders.append(name)
        return respond(request, name, *args, **kwargs)

    monkeypatch.setattr(page_context.templates, "TemplateResponse", counted)
    app = make_app(build_workspace(tmp_path / "ws"))

    def shared_form(request: Request):  # type: ignore[no-untyped-def]
        return page_context.render(request, "shared_form.html", {"n": 42}, shared=True)

    app.add_api_route("/shared-form", shared_form, dependencies=[Depends(current_user_optional)])
    app.router.routes.insert(0, app.router.routes.pop())  # before the catch-all pages
    try:
        with TestClient(app) as first, TestClient(app) as second:
            pages = [client.get("/shared-form") for client in (first, second, first)]
            assert [p.status_code for p in pages] == [200, 200, 200]
            assert renders.count("shared_form.html") == 1, "rendered once, then kept"
            assert all("<p>42</p>" in p.text and "placeholder" not in p.text for p in pages)
            tokens = [_token(p.text) for p in pages]
            assert tokens[0] != tokens[1]
            assert first.cookies[CSRF_COOKIE] != second.cookies[CSRF_COOKIE]
            # another visitor's token is refused; one's own signs in
            assert first.post("/login", data={"username": "admin", "password": PASSWORD,
                                              "next": "/", "csrf_token": tokens[1]},
                              follow_redirects=False).status_code == 403
            signed = second.post("/login", data={"username": "admin", "password": PASSWORD,
                                                 "next": "/", "csrf_token": tokens[1]},
                                 follow_redirects=False)
            assert signed.status_code == 303, signed.text[:300]
            # a signed-in visitor gets a page of their own, not the kept one
            assert second.get("/shared-form").status_code == 200
            assert renders.count("shared_form.html") == 2
    finally:
        app.state.ctx.close()
