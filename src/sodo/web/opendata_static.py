"""The open-data pages as static files (``sodo publish --out DIR``), Open SDG's model: any web
server or the national portal can host the folder as it is. Every link is relative, the
assets (styles, Plotly's JavaScript, the provinces' boundaries) are copied beside the pages,
English pages are ``index.en.html``, and each page has its JSON twin (``index.json``) — the
same view-model the live page serves with ``?format=json``."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi.encoders import jsonable_encoder

from sodo.services import opendata_publish as pub
from sodo.services.context import AppContext
from sodo.web import charts
from sodo.web.context import STATIC_DIR, templates
from sodo.web.i18n import LANGUAGE_NAMES, LANGUAGES
from sodo.web.opendata_view import catalogue_view, indicator_view

LAYOUT = "opendata_static.html"
ASSETS = ("sodo.css", "opendata.css", "opendata.js", "charts.js", "favicon.svg")
TOPOLOGIES = ("world_110m", "world_50m")  # the base maps Plotly may ask for


def _suffix(lang: str) -> str:
    return ".en" if lang == "en" else ""


def _render(template: str, data: dict[str, Any], extra: dict[str, Any], lang: str,
            root: str, other: str, json_name: str) -> str:
    context = {"data": data, "lang": lang, "languages": LANGUAGES,
               "language_names": LANGUAGE_NAMES, "layout": LAYOUT, "root": root,
               "other_language_url": other, "json_url": json_name, **extra}
    return templates.env.get_template(template).render(context)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _json(data: dict[str, Any]) -> str:
    return json.dumps(jsonable_encoder(data), ensure_ascii=False, indent=1) + "\n"


def write_assets(out: Path) -> list[Path]:
    written = []
    for name in ASSETS:
        target = out / "static" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(STATIC_DIR / name, target)
        written.append(target)
    plotly = Path(str(resources.files("plotly").joinpath("package_data/plotly.min.js")))
    geo = Path(str(resources.files("sodo.data").joinpath("vn-provinces-34.geojson")))
    for source, target in ((plotly, out / "web" / "assets" / "plotly.min.js"),
                           (geo, out / "web" / "geo" / "provinces-34.geojson")):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    for name in TOPOLOGIES:
        written.append(_write(out / "web" / "geo" / "topojson" / f"{name}.json",
                              json.dumps(charts.empty_topology())))
    return written


def write_pages(ctx: AppContext, out: Path) -> list[Path]:
    """The catalogue and every published indicator's page, in Vietnamese and English, with
    their JSON twins and the assets they load. Returns the pages written."""
    write_assets(out)
    pages: list[Path] = []
    folder = out / "du-lieu-mo"
    for lang in LANGUAGES:
        other = next(x for x in LANGUAGES if x != lang)
        data, extra = catalogue_view(ctx, lang, root="../", static=True)
        name = f"index{_suffix(lang)}"
        pages.append(_write(folder / f"{name}.html", _render(
            "opendata.html", data, extra, lang, "../", f"index{_suffix(other)}.html",
            f"{name}.json")))
        _write(folder / f"{name}.json", _json(data))
        for ds in pub.datasets(ctx):
            data, extra = indicator_view(ctx, ds, lang, root="../../", static=True)
            page = folder / ds.code
            pages.append(_write(page / f"{name}.html", _render(
                "opendata_indicator.html", data, extra, lang, "../../",
                f"index{_suffix(other)}.html", f"{name}.json")))
            _write(page / f"{name}.json", _json(data))
    _write(out / "index.html", '<!doctype html><meta charset="utf-8">'
           '<meta http-equiv="refresh" content="0; url=du-lieu-mo/index.html">'
           '<a href="du-lieu-mo/index.html">Dữ liệu mở / Open data</a>\n')
    return pages
