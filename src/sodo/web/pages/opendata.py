"""Open data for everyone, no sign-in: the catalogue (``/du-lieu-mo``: search without
diacritics, filter by theme and level) and a page per published indicator (chart with its
target line, the 34-province map of the latest period, tables, metadata, the progress of its
targets, downloads in every format) — Open SDG's model."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sodo.services import opendata_publish as pub
from sodo.web.context import PageError, app_context, language, page, render
from sodo.web.opendata_view import catalogue_view, indicator_view

router = APIRouter(include_in_schema=False)


@router.get("/du-lieu-mo")
@page
def opendata_catalogue(request: Request, q: str = "", theme: str = "",
                       level: str = "") -> Response:
    lang = language(request)
    ctx = app_context(request)
    data, extra = catalogue_view(ctx, lang, q[:200], theme[:100], level[:32])
    pub.warm(ctx)  # its downloads, in the background
    return render(request, "opendata.html", data, extra={**extra, "layout": "base.html"})


@router.get("/du-lieu-mo/{code}")
@page
def opendata_indicator(request: Request, code: str) -> Response:
    lang = language(request)
    ctx = app_context(request)
    ds = pub.dataset(ctx, code)
    if ds is None:
        raise PageError(404, "od.not_found", code=code)
    data, extra = indicator_view(ctx, ds, lang)
    return render(request, "opendata_indicator.html", data,
                  extra={**extra, "layout": "base.html"})
