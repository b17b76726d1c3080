"""Assets the pages load from the server itself (no CDN: government networks are often closed)
and the language switch."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from sodo.web import charts
from sodo.web.context import LANG_COOKIE, safe_next
from sodo.web.i18n import normalise_language

router = APIRouter(include_in_schema=False)
CACHED = {"Cache-Control": "public, max-age=86400"}


@router.get("/web/assets/plotly.min.js")
async def plotly_js() -> Response:
    """Plotly's JavaScript from the installed plotly package: no CDN, no copied file."""
    path = Path(str(resources.files("plotly").joinpath("package_data/plotly.min.js")))
    return FileResponse(path, media_type="text/javascript", headers=CACHED)


@router.get("/web/geo/provinces-34.geojson")
async def provinces_geojson() -> Response:
    path = Path(str(resources.files("sodo.data").joinpath("vn-provinces-34.geojson")))
    return FileResponse(path, media_type="application/geo+json", headers=CACHED)


@router.get("/web/geo/topojson/{name}.json")
async def base_topology(name: str) -> Response:
    return JSONResponse(charts.empty_topology(), headers=CACHED)


@router.get("/lang/{code}")
async def switch_language(request: Request, code: str, next: str = "/") -> Response:
    # only local paths, so the switch cannot be used to redirect elsewhere
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, normalise_language(code), max_age=365 * 86400,
                        samesite="lax", httponly=True)
    return response
