"""The indicator explorer: one indicator for one period across provinces or ministries — the
map, the ranking, the trend — with the period it opens on chosen by the one latest rule."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sodo.domain.orgunits import OrgUnitLevel
from sodo.domain.periods import Period, PeriodError
from sodo.http.downloads import Column, Table
from sodo.http.views import indicator_name, period_label, unit_label
from sodo.services import values as value_service
from sodo.stores.operational import values as values_repo
from sodo.web import charts
from sodo.web.context import PageError, app_context, language, page, programme, render
from sodo.web.format import format_value
from sodo.web.i18n import t, unit_text
from sodo.web.summaries import _cached, index_code, index_ranking, value_periods

router = APIRouter(include_in_schema=False)
PERIOD_TYPES = ("year", "half", "quarter", "month", "day", "stage")


def indicators_with_values(request: Request) -> list[str]:
    return _cached(request, "indicators", lambda: values_repo.indicators_with_values(
        app_context(request).engine))


@router.get("/explorer")
@page
def explorer(request: Request, indicator: str | None = None, period: str | None = None,
             level: str = "province") -> Response:
    lang = language(request)
    cat = programme(request)
    if level not in (OrgUnitLevel.PROVINCE, OrgUnitLevel.MINISTRY):
        raise PageError(400, "error.bad_level", value=level)
    available = indicators_with_values(request)
    choices = [{"code": c, "name": indicator_name(cat, c, lang)} for c in available]
    if not available:
        return render(request, "explorer.html", {"title": t("explorer.title", lang),
                                                 "indicators": [], "indicator": None})
    if indicator is None:
        total = index_code(request)
        indicator = total if total in available else available[0]
    if indicator not in available:
        raise PageError(404, "explorer.unknown_indicator", code=indicator)
    held = value_periods(request, indicator)
    periods = [p for p, _ in held]
    if period is not None and period not in periods:
        try:
            Period.parse(period)
        except PeriodError:
            raise PageError(400, "error.bad_period", value=period) from None
    ranked = index_ranking(request, level, period, lang, indicator)
    ind = cat.indicator(indicator)
    unit = unit_text(ind.unit, lang) if ind else ""
    extra: dict[str, Any] = {}
    rows = ranked["rows"]
    decimals = ind.decimals if ind else None
    reverse = bool(ind and ind.direction == "lower")
    has_values = any(r["value"] is not None for r in rows)
    if level == "province" and has_values:
        values = [r["value"] for r in rows]
        label = period_label(ranked["period"], lang)
        if ranked.get("provisional"):
            label += f" ({t('common.provisional', lang)})"
        fig = charts.choropleth([r["code"] for r in rows], values, [r["name"] for r in rows],
                                unit, lang, reverse=reverse, ranks=[r["rank"] for r in rows],
                                period=label, decimals=decimals)
        extra["map"] = charts.to_html(fig, "explorer-map", t("explorer.map", lang))
        extra["legend"] = charts.map_legend(values, unit, lang, reverse, decimals)
    if not has_values and ranked["period"]:
        # nothing to map or rank: say so, with the national figure when there is one
        national = national_value(request, indicator, ranked["period"])
        extra["no_data"] = {
            "message": t("map.no_province_data" if level == "province"
                         else "map.no_ministry_data", lang,
                         period=period_label(ranked["period"], lang)),
            "national": t("map.national_value", lang,
                          value=format_value(national, unit, lang, decimals))
            if national is not None else "",
        }
    trend = trend_lines(request, indicator, rows, ranked["period"], lang)
    if trend:
        fig = charts.trend_chart(trend, unit, lang)
        extra["trend_chart"] = charts.to_html(fig, "explorer-trend", t("explorer.trend", lang))
    result = {
        "title": t("explorer.title", lang), "indicators": choices, "indicator": indicator,
        "indicator_name": indicator_name(cat, indicator, lang), "unit": unit,
        "level": level, "period": ranked["period"],
        "period_label": period_label(ranked["period"], lang),
        "provisional": ranked.get("provisional", False),
        "previous_period": ranked["previous"],
        "periods": [{"id": p, "label": period_label(p, lang)} for p in periods],
        "period_groups": [{"type": kind, "label": t(f"period_type.{kind}", lang),
                           "periods": [{"id": p, "label": period_label(p, lang)}
                                       for p in periods if str(Period.parse(p).type) == kind]}
                          for kind in PERIOD_TYPES
                          if any(str(Period.parse(p).type) == kind for p in periods)],
        "rows": rows if has_values else [],
        "has_values": has_values,
        # one number of decimals per column: the indicator's
        "decimals": ind.decimals if ind else 2,
        "trend": {name: [{"period": p, "value": v} for p, v in pts]
                  for name, pts in trend.items()},
    }
    return render(request, "explorer.html", result, extra=extra,
                  tables=lambda: [ranking_table(result, lang, decimals)],
                  download_name=f"xep-hang-{indicator}-{ranked['period'] or ''}")


def ranking_table(result: dict[str, Any], lang: str, decimals: int | None) -> Table:
    """The ranking exactly as the page shows it."""
    title = f"{result['indicator_name']} — {result['period_label']}"
    notes = [t("common.provisional_note", lang)] if result.get("provisional") else []
    return Table("ranking", title, [
        Column("rank", t("common.rank", lang), number=True, decimals=0),
        Column("name", t("common.orgunit", lang)),
        Column("value", t("common.value", lang), result["unit"], decimals, number=True),
        Column("change", t("common.change", lang), result["unit"], decimals, number=True),
        Column("rank_change", t("common.rank_change", lang), number=True, decimals=0),
    ], result["rows"], notes)


def national_value(request: Request, indicator: str, period: str) -> float | None:
    """The standing national value of ``indicator`` for ``period`` (None: there is none)."""
    with app_context(request).session() as session:
        standing = value_service.standing_values(session, [indicator], ["VN"], [period])
    return next((c.value for (_, ou, _), c in standing.items() if ou == "VN"), None)


def trend_lines(request: Request, indicator: str, rows: list[dict[str, Any]],
                period: str | None, lang: str) -> dict[str, list[tuple[str, float | None]]]:
    """The national value (or the mean of the units shown) over the last eight periods of the
    same type, with the best and the worst unit of the chosen period."""
    if period is None:
        return {}
    current = Period.parse(period)
    periods = [p.id for p in (current.shift(-k) for k in range(7, -1, -1))]
    codes = [r["code"] for r in rows]
    ranked = [r for r in rows if r["rank"] is not None]
    picks = [ranked[0]["code"], ranked[-1]["code"]] if len(ranked) >= 2 else []
    with app_context(request).session() as session:
        standing = value_service.standing_values(session, [indicator], ["VN", *codes], periods)
    by_key = {(ou, per): c.value for (_, ou, per), c in standing.items()}
    lines: dict[str, list[tuple[str, float | None]]] = {}
    national = [by_key.get(("VN", p)) for p in periods]
    if any(v is not None for v in national):
        name = t("common.national", lang)
    else:
        name = t("explorer.mean_of_units", lang)
        national = []
        for p in periods:
            vals = [by_key[(c, p)] for c in codes if by_key.get((c, p)) is not None]
            national.append(sum(vals) / len(vals) if vals else None)
    lines[name] = [(period_label(p, lang), v) for p, v in zip(periods, national, strict=True)]
    for code in picks:
        lines[unit_label(code, lang)] = [(period_label(p, lang), by_key.get((code, p)))
                                         for p in periods]
    # drop the leading periods where no line has a value
    while lines and all(pts and pts[0][1] is None for pts in lines.values()):
        lines = {k: v[1:] for k, v in lines.items()}
    return lines if any(pts for pts in lines.values()) else {}
