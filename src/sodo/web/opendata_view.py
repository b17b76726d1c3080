"""The view-models of the open-data pages — the catalogue and one indicator — built from the
open-data services without a request, so the live pages (``/du-lieu-mo``) and the static
export (``sodo publish --out``) render the same dicts. ``root`` prefixes every link: ``/``
on the server, a relative path (``../``) in the export."""

from __future__ import annotations

from typing import Any

from sodo.domain.orgunits import OrgUnitLevel, default_hierarchy
from sodo.domain.periods import Period
from sodo.domain.text import fold
from sodo.domain.values import choose_series, latest_period
from sodo.http.views import (
    in_language,
    indicator_name,
    period_label,
    source_label,
    source_title,
    target_view,
    unit_label,
)
from sodo.services import opendata_publish as pub
from sodo.services.assessment import assess_targets
from sodo.services.context import AppContext
from sodo.services.opendata import Dataset
from sodo.services.opendata_catalog import CATALOG_NAME, DATAPACKAGE_NAME, theme
from sodo.services.opendata_files import FORMATS, ZIP_NAME, file_name, publisher
from sodo.web import charts
from sodo.web.format import format_date, format_value
from sodo.web.i18n import area_text, register, t, unit_text

register({
    "od.title": ("Dữ liệu mở", "Open data"),
    "od.intro": ("Số liệu của Chương trình công bố dưới dạng dữ liệu mở: giá trị đã phê duyệt "
                 "hoặc đã công bố, kèm siêu dữ liệu, giấy phép và tệp đọc được bằng máy. Không "
                 "cần đăng nhập; được sao chép, chia sẻ, kết hợp và sử dụng, kể cả vì mục đích "
                 "thương mại, theo giấy phép.",
                 "The programme's figures as open data: approved or released values with "
                 "metadata, licence and machine-readable files. No sign-in; copy, share, "
                 "combine and use them, commercially too, under the licence."),
    "od.search": ("Tìm chỉ số (không cần dấu)", "Search indicators"),
    "od.theme": ("Lĩnh vực", "Theme"), "od.level": ("Cấp", "Level"),
    "od.all": ("Tất cả", "All"), "od.filter": ("Lọc", "Filter"),
    "od.count": ("{shown}/{total} bộ dữ liệu", "{shown} of {total} datasets"),
    "od.none": ("Không có bộ dữ liệu nào khớp.", "No dataset matches."),
    "od.coverage": ("Thời gian", "Coverage"), "od.modified": ("Cập nhật", "Last changed"),
    "od.issued": ("Công bố lần đầu", "First published"),
    "od.rows": ("Số giá trị", "Values"), "od.formats": ("Tải về", "Download"),
    "od.whole": ("Toàn bộ dữ liệu mở", "All open data"),
    "od.catalogue": ("Danh mục DCAT-AP (JSON-LD)", "DCAT-AP catalogue (JSON-LD)"),
    "od.package": ("Gói dữ liệu Frictionless", "Frictionless data package"),
    "od.zip": ("Tất cả tệp (zip)", "Every file (zip)"),
    "od.licence": ("Giấy phép", "Licence"), "od.conditions": ("Điều kiện sử dụng",
                                                              "Conditions of use"),
    "od.publisher": ("Cơ quan công bố", "Publisher"), "od.contact": ("Liên hệ", "Contact"),
    "od.chart": ("Diễn biến theo thời gian", "Over time"),
    "od.chart_none": ("Chưa có chuỗi số liệu toàn quốc để vẽ biểu đồ.",
                      "No national series to chart yet."),
    "od.map": ("Bản đồ 34 tỉnh, thành phố", "Map of the 34 provinces"),
    "od.latest": ("Số liệu kỳ mới nhất", "Latest period"),
    "od.series": ("Chuỗi số liệu toàn quốc", "National series"),
    "od.metadata": ("Siêu dữ liệu", "Metadata"),
    "od.definition": ("Định nghĩa", "Definition"), "od.frequency": ("Tần suất", "Frequency"),
    "od.identifier": ("Mã định danh", "Identifier"),
    "od.targets": ("Tiến độ các mục tiêu", "Progress of its targets"),
    "od.no_targets": ("Chỉ số này không gắn với mục tiêu nào.", "No target uses it."),
    "od.flags": ("Ghi chú", "Flags"), "od.provisional": ("tạm tính", "provisional"),
    "od.estimate": ("ước tính", "estimate"), "od.derived": ("suy ra", "derived"),
    "od.not_found": ("Chỉ số '{code}' không được công bố dưới dạng dữ liệu mở.",
                     "Indicator '{code}' is not published as open data."),
    "od.back": ("Danh mục dữ liệu mở", "Open-data catalogue"),
    "od.freq.DAILY": ("Hằng ngày", "Daily"), "od.freq.MONTHLY": ("Hằng tháng", "Monthly"),
    "od.freq.QUARTERLY": ("Hằng quý", "Quarterly"),
    "od.freq.ANNUAL_2": ("6 tháng một lần", "Half-yearly"),
    "od.freq.ANNUAL": ("Hằng năm", "Yearly"), "od.freq.IRREG": ("Không định kỳ", "Irregular"),
    "od.level.nation": ("Toàn quốc", "Nation"), "od.level.ministry": ("Bộ, ngành", "Ministries"),
    "od.level.province": ("Tỉnh, thành phố", "Provinces"),
    "od.level.commune": ("Xã, phường", "Communes"),
    "od.level.department": ("Sở, ngành", "Departments"),
    "od.fmt.csv": ("CSV", "CSV"), "od.fmt.json": ("JSON", "JSON"),
    "od.fmt.xlsx": ("Excel", "Excel"), "od.fmt.sdmx.csv": ("SDMX-CSV", "SDMX-CSV"),
})
LATEST_ROWS = 200  # units shown in the latest period's table (the files hold them all)


def links(root: str, static: bool, lang: str) -> dict[str, str]:
    """Where the pages and files are, from ``root`` (the export uses relative paths and
    ``.en.html`` for English)."""
    api = f"{root}api/v1/opendata/"
    suffix = (".en.html" if lang == "en" else ".html") if static else ""
    return {"api": api, "catalogue_page": f"{root}du-lieu-mo/index{suffix}" if static
            else f"{root}du-lieu-mo", "suffix": suffix, "static": "1" if static else ""}


def page_url(root: str, code: str, static: bool, lang: str) -> str:
    if static:
        return f"{root}du-lieu-mo/{code}/index{'.en' if lang == 'en' else ''}.html"
    return f"{root}du-lieu-mo/{code}"


def _area_key(area: str) -> str:
    return fold(area).replace(" ", "-").replace(",", "") or "khac"


def catalogue_view(ctx: AppContext, lang: str, q: str = "", area: str = "",
                   level: str = "", root: str = "/", static: bool = False
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The catalogue's datasets that match the search, and (for the HTML) every dataset
    marked shown or not, so the page can filter again as the visitor types."""
    state = pub.state(ctx)
    cat = state.catalogue
    sets = pub.datasets(ctx)
    items = []
    for ds in sets:
        ind = ds.indicator
        items.append({
            "code": ind.code, "name": indicator_name(cat, ind.code, lang), "unit":
            unit_text(ind.unit, lang), "area": area_text(ind.area, lang), "area_key": _area_key(ind.area),
            "theme": theme(ind.area, state.terms), "levels": list(ds.levels),
            "level_labels": [t(f"od.level.{lv}", lang) for lv in ds.levels],
            "first_period": ds.first_period, "last_period": ds.last_period,
            "coverage": f"{period_label(ds.first_period, lang)} – "
                        f"{period_label(ds.last_period, lang)}",
            "modified": ds.modified, "rows": len(ds.rows),
            "search": fold(" ".join((ind.code, ind.name, ind.name_en, ind.area))),
            "url": page_url(root, ind.code, static, lang),
            "downloads": {f: f"{root}api/v1/opendata/{file_name(ind.code, f)}"
                          for f in FORMATS},
        })
    areas = sorted({(i["area_key"], i["area"]) for i in items if i["area"]})
    levels = [lv.value for lv in OrgUnitLevel if any(lv.value in i["levels"] for i in items)]
    needle = fold(q or "")
    for item in items:
        item["shown"] = ((not needle or needle in item["search"])
                         and (not area or item["area_key"] == area)
                         and (not level or level in item["levels"]))
    shown = [i for i in items if i["shown"]]
    return {"title": t("od.title", lang), "q": q, "area": area, "level": level,
            "total": len(items), "datasets": shown,
            "areas": [{"key": k, "label": label} for k, label in areas],
            "levels": [{"key": lv, "label": t(f"od.level.{lv}", lang)} for lv in levels],
            "licence": _licence(state.terms), "publisher": publisher(cat, state.terms),
            "files": {"catalogue": f"{root}api/v1/opendata/{CATALOG_NAME}",
                      "package": f"{root}api/v1/opendata/{DATAPACKAGE_NAME}",
                      "zip": f"{root}api/v1/opendata/{ZIP_NAME}"},
            "links": links(root, static, lang)}, {
        "every": items, "format_labels": {f: t(f"od.fmt.{f}", lang) for f in FORMATS}}


def _licence(terms: Any) -> dict[str, str]:
    return {"id": terms.licence, "name": terms.licence_name, "url": terms.licence_url,
            "conditions": terms.conditions, "conditions_en": terms.conditions_en}


def _targets(ctx: AppContext, code: str, lang: str) -> list[dict[str, Any]]:
    cat = pub.state(ctx).catalogue

    def build() -> dict[str, Any]:
        with ctx.session() as session:
            return {a.target_id: a for a in assess_targets(
                session, cat.programme, ctx.today(), ctx.settings.assess)}

    assessed = ctx.cached(("targets", cat.version), build)  # the key the pages share
    return [target_view(cat, a, lang) for a in assessed.values() if a.indicator == code]


def indicator_view(ctx: AppContext, ds: Dataset, lang: str, root: str = "/",
                   static: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """The page of one published indicator: its data and, apart, what only the HTML needs
    (the chart and the map)."""
    state = pub.state(ctx)
    cat, terms, ind = state.catalogue, state.terms, ds.indicator
    unit = unit_text(ind.unit, lang)
    today = ctx.today()
    national = [c for c in ds.rows if c.orgunit == "VN" and not c.category]
    series, _, _ = choose_series(national, as_of=today)
    targets = _targets(ctx, ind.code, lang)
    # the assessment reads every approved value; the page quotes its latest one only when
    # that value is itself open data
    published = {(c.orgunit, c.period) for c in ds.rows if not c.category}
    for tg in targets:
        tg["latest_published"] = (tg["orgunit"], tg["latest_period"]) in published
    extra: dict[str, Any] = {}
    if series:
        observed = [(Period.parse(o.period).end, o.value) for o in series]
        # the target line: the national target due next (else the last one due)
        national_goals = sorted((tg for tg in targets if tg.get("orgunit") == "VN"
                                 and tg.get("target_value") is not None and tg.get("deadline")),
                                key=lambda r: Period.parse(r["deadline"]).end)
        goal = next((tg for tg in national_goals if Period.parse(tg["deadline"]).end >= today),
                    national_goals[-1] if national_goals else None)
        deadline = Period.parse(goal["deadline"]).end if goal and goal.get("deadline") else None
        yearly = all(str(Period.parse(o.period).type) == "year" for o in series)
        fig = charts.target_chart(observed, [], goal["target_value"] if goal else None,
                                  deadline, [], unit, lang, yearly=yearly)
        extra["chart"] = _html(fig, "od-chart", indicator_name(cat, ind.code, lang), root)
        extra["chart_rows"] = [[format_date(d, lang), format_value(v, unit, lang)]
                               for d, v in observed]
    provinces = {u.code for u in default_hierarchy().at_level(OrgUnitLevel.PROVINCE, on=today)}
    province_rows = [c for c in ds.rows if c.orgunit in provinces and not c.category]
    latest = latest_period({(c.period, c.provisional) for c in (province_rows or ds.rows)},
                           today)
    if province_rows and latest:
        by_unit = {c.orgunit: c.value for c in province_rows if c.period == latest}
        codes = sorted(provinces)
        fig = charts.choropleth(codes, [by_unit.get(c) for c in codes],
                                [unit_label(c, lang) for c in codes], unit, lang,
                                reverse=str(ind.direction) == "lower",
                                period=period_label(latest, lang), decimals=ind.decimals,
                                geojson_url=f"{root}web/geo/provinces-34.geojson")
        extra["map"] = _html(fig, "od-map", t("od.map", lang), root)
    latest_rows = [{"orgunit": c.orgunit, "name": unit_label(c.orgunit, lang),
                    "category": c.category, "value": c.value, "numerator": c.numerator,
                    "denominator": c.denominator, "flags": _flags(c, lang),
                    "origin": c.origin} for c in ds.rows if c.period == latest]
    source = ind.source
    data = {
        "title": indicator_name(cat, ind.code, lang), "code": ind.code, "name": ind.name,
        "name_en": ind.name_en, "unit": unit, "area": area_text(ind.area, lang),
        "definition": (ind.name_en + (f" — {d}" if (d := in_language(ind, "description", lang))
                                      else "")
                       if lang == "en" and ind.name_en else ind.description or ind.name),
        "method": in_language(ind, "method", lang),
        "source": source_label(cat, source.document, lang) if source else "",
        "source_title": source_title(cat, source.document, lang) if source else "",
        "frequency": t(f"od.freq.{ds.frequency}", lang),
        "levels": [t(f"od.level.{lv}", lang) for lv in ds.levels],
        "coverage": f"{period_label(ds.first_period, lang)} – "
                    f"{period_label(ds.last_period, lang)}",
        "identifier": f"{cat.code}/{ind.code}", "issued": ds.issued, "modified": ds.modified,
        "rows": len(ds.rows), "publisher": publisher(cat, terms),
        "contact": {"name": terms.contact_name, "email": terms.contact_email},
        "licence": _licence(terms),
        "latest_period": latest, "latest_period_label": period_label(latest, lang),
        "latest": latest_rows[:LATEST_ROWS], "latest_total": len(latest_rows),
        "series": [{"period": o.period, "label": period_label(o.period, lang),
                    "value": o.value} for o in series],
        "targets": targets,
        "downloads": [{"format": f, "label": t(f"od.fmt.{f}", lang),
                       "url": f"{root}api/v1/opendata/{file_name(ind.code, f)}"}
                      for f in FORMATS],
        "links": links(root, static, lang),
    }
    return data, extra


def _flags(cand: Any, lang: str) -> str:
    return ", ".join(t(f"od.{name}", lang) for name in ("provisional", "estimate", "derived")
                     if getattr(cand, name))


def _html(fig: dict[str, Any], div_id: str, title: str, root: str) -> str:
    return charts.to_html(fig, div_id, title, topojson_url=f"{root}web/geo/topojson/")
