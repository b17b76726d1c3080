"""Units: the list of provinces and ministries, and one unit's page — its 766 scorecard and
rank, the latest value of each indicator it has (by the one latest rule), its tasks and its
reports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sodo.domain.orgunits import OrgUnitLevel, default_hierarchy
from sodo.http.downloads import Column, Table
from sodo.http.views import indicator_name, period_label
from sodo.services import values as value_service
from sodo.stores.operational import values as values_repo
from sodo.web import charts
from sodo.web.context import PageError, app_context, language, page, programme, render
from sodo.web.format import format_number
from sodo.web.i18n import t, unit_text
from sodo.web.pages.quality import principle_columns, unit_quality
from sodo.web.summaries import (
    dataset_names,
    index_code,
    index_group_codes,
    index_ranking,
    level_units,
    reporting_rows,
    task_rows,
)

router = APIRouter(include_in_schema=False)
LEVEL_KEYS = {"province": "common.province", "ministry": "common.ministry"}


@router.get("/units")
@page
def unit_list(request: Request) -> Response:
    lang = language(request)
    groups = []
    for level in (OrgUnitLevel.PROVINCE, OrgUnitLevel.MINISTRY):
        groups.append({"level": str(level), "label": t(LEVEL_KEYS[str(level)], lang),
                       "units": [{"code": u.code, "name": u.label(lang)}
                                 for u in level_units(level, request)]})
    return render(request, "units.html", {"title": t("unit.list", lang), "groups": groups})


@router.get("/units/{code}")
@page
def unit_page(request: Request, code: str) -> Response:
    lang = language(request)
    hierarchy = default_hierarchy()
    if code not in hierarchy:
        raise PageError(404, "unit.not_found", code=code)
    unit = hierarchy.get(code)
    level = str(unit.level)
    extra: dict[str, Any] = {}
    scorecard = scorecard_of(request, code, level, lang)
    if any(r["value"] is not None for r in scorecard["rows"][1:]):
        rows = scorecard["rows"][1:]
        fig = charts.bar_chart([r["name"] for r in rows], [r["value"] for r in rows],
                               [r["max"] for r in rows], lang)
        extra["scorecard_chart"] = charts.to_html(fig, "scorecard-chart",
                                                  t("unit.scorecard", lang))
    cat = programme(request)
    mine = {tk.id for tk in cat.programme.tasks if code in tk.lead or code in tk.partners}
    names = dataset_names(request, lang)
    result = {
        "title": unit.label(lang), "code": code, "level": level,
        "level_label": t(LEVEL_KEYS.get(level, "common.orgunit"), lang),
        "full_name": unit.name, "scorecard": scorecard,
        "key_indicators": key_indicators(request, code, lang),
        "tasks": [tk for tk in task_rows(request, lang) if tk["task_id"] in mine],
        "reporting": reporting_rows(request, lang, orgunit=code),
        "quality": [{**q, "name": names.get(q["dataset"], q["dataset"])}
                    for q in unit_quality(request, code, lang)],
        "quality_columns": principle_columns(lang),
    }
    return render(request, "unit.html", result, extra=extra,
                  tables=lambda: unit_tables(result, lang), download_name=f"don-vi-{code}")


def unit_tables(result: dict[str, Any], lang: str) -> list[Table]:
    """The scorecard and the key indicators, as the page shows them."""
    card = result["scorecard"]
    notes = [card["explanation"]] if card.get("explanation") else []
    if card.get("provisional"):
        notes.append(t("common.provisional_note", lang))
    points = t("unit.points", lang)
    return [
        Table("scorecard", f"{t('unit.scorecard_short', lang)} — {card.get('period_label', '')}",
              [Column("name", t("unit.group", lang)),
               Column("earned", t("unit.earned", lang), points, 2, number=True),
               Column("computable", t("unit.computable", lang), points, 2, number=True),
               Column("max", t("unit.group_max", lang), points, 0, number=True)],
              card["rows"][1:], notes),
        Table("key_indicators", t("unit.key_indicators", lang),
              [Column("name", t("common.indicator", lang)),
               Column("period_label", t("common.period", lang)),
               Column("value", t("common.value", lang), number=True),
               Column("national", t("common.vs_national", lang), number=True),
               Column("target", t("common.vs_target", lang), number=True),
               Column("unit", t("common.unit", lang))],
              result["key_indicators"]),
    ]


def scorecard_of(request: Request, code: str, level: str, lang: str) -> dict[str, Any]:
    """The unit's 766 total with its rank, and each group's points against its maximum (the
    maxima from the index's configuration)."""
    if level not in ("province", "ministry"):
        return {"period": None, "rows": []}
    total = index_ranking(request, level, None, lang)
    if not total["period"]:
        return {"period": None, "rows": []}
    cat = programme(request)
    groups = index_group_codes(request)
    total_code = index_code(request)
    period = total["period"]
    with app_context(request).session() as session:
        standing = value_service.standing_values(session, [total_code, *groups], [code],
                                                 [period])
    mine = next((r for r in total["rows"] if r["code"] == code), None)
    whole = standing.get((total_code, code, period))
    rows = [{"code": total_code, "name": indicator_name(cat, total_code, lang),
             "value": mine["value"] if mine else None,
             "max": cat.index_maximum(total_code) or 100.0,
             "earned": whole.numerator if whole else None,
             "computable": whole.denominator if whole else None,
             "rank": mine["rank"] if mine else None,
             "rank_change": mine["rank_change"] if mine else None,
             "of": sum(1 for r in total["rows"] if r["rank"])}]
    for g in groups:
        found = standing.get((g, code, period))
        rows.append({"code": g, "name": indicator_name(cat, g, lang),
                     "value": found.value if found else None,
                     # points earned of the points the records can give (after N/A)
                     "earned": found.value if found else None,
                     "computable": found.denominator if found else None,
                     "max": cat.index_maximum(g)})
    head = rows[0]
    earned = sum(r["earned"] or 0 for r in rows[1:])
    computable = sum(r["computable"] or 0 for r in rows[1:])
    maximum = sum(r["max"] or 0 for r in rows[1:])
    explanation = ""
    if head["value"] is not None and computable:
        explanation = t("unit.scaling", lang, earned=format_number(earned, lang),
                        computable=format_number(computable, lang),
                        total=format_number(head["value"], lang),
                        missing=format_number(maximum - computable, lang),
                        maximum=format_number(maximum, lang))
    return {"period": period, "period_label": period_label(period, lang),
            "provisional": total.get("provisional", False), "rows": rows,
            "earned": earned, "computable": computable, "maximum": maximum,
            "explanation": explanation}


def key_indicators(request: Request, code: str, lang: str) -> list[dict[str, Any]]:
    """The latest value of every indicator the unit has, with the national figure of the
    same period and the target that applies (the unit's own, else the national one)."""
    cat, ctx = programme(request), app_context(request)
    with ctx.session() as session:
        codes = sorted({c.indicator for c in values_repo.candidates(session, orgunits=[code])
                        if not cat.is_index_component(c.indicator)
                        and c.indicator != index_code(request)})
        targets = {}
        for target in cat.programme.targets:
            if target.indicator in codes and (target.orgunit == code or (
                    target.orgunit == "VN" and target.indicator not in targets)):
                targets[target.indicator] = target
        indicators = {c: ind for c in codes if (ind := cat.indicator(c)) is not None}
        latest = value_service.latest_values(
            session, [(c, code) for c in codes], indicators, ctx.today(),
            {(c, code): tg for c, tg in targets.items()})
        periods = sorted({v.period for v in latest.values()})
        national = value_service.standing_values(session, codes, ["VN"], periods) \
            if periods else {}
    rows = []
    for (ind_code, _), point in sorted(latest.items()):
        target = targets.get(ind_code)
        ind = cat.indicator(ind_code)
        found = national.get((ind_code, "VN", point.period))
        rows.append({
            "indicator": ind_code, "name": indicator_name(cat, ind_code, lang),
            "unit": unit_text(ind.unit, lang) if ind else "", "period": point.period,
            "decimals": ind.decimals if ind else None,
            "period_label": period_label(point.period, lang), "value": point.value,
            "origin": point.origin, "national": found.value if found else None,
            "target": target.value if target else None,
            "target_id": target.id if target else None,
            "target_deadline": period_label(target.deadline, lang) if target else None,
        })
    return rows
