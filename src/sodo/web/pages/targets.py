"""Targets: the list by status, and one target with its series, the path it requires, the
projection and every component of the calculation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sodo.domain.assessment.targets import STATUS_ORDER, projection_path, required_path
from sodo.domain.periods import Period
from sodo.http.downloads import Table
from sodo.http.views import in_language, period_label
from sodo.services.assessment import target_series
from sodo.web import charts
from sodo.web.context import PageError, app_context, language, page, programme, render
from sodo.web.format import format_date, format_value
from sodo.web.i18n import t, unit_text
from sodo.web.pages.plans import target_cascade_view
from sodo.web.summaries import target_assessments, target_columns, target_rows
from sodo.web.target_text import formula_text, series_text

router = APIRouter(include_in_schema=False)
STATUSES = tuple(str(s) for s in STATUS_ORDER)


@router.get("/targets")
@page
def target_list(request: Request, status: str | None = None) -> Response:
    lang = language(request)
    rows = target_rows(request, lang)
    wanted = [s for s in (status or "").split(",") if s in STATUSES]
    if wanted:
        rows = [r for r in rows if r["status"] in wanted]
    rows.sort(key=lambda r: (STATUSES.index(r["status"]), r["target_id"]))
    data = {"title": t("targets.title", lang), "targets": rows, "status": status,
            "status_label": ", ".join(t(f"status.{w}", lang) for w in wanted) if wanted
            else None}
    return render(request, "targets.html", data, tables=lambda: [targets_table(data, lang)],
                  download_name="muc-tieu" + (f"-{status}" if status else ""))


def targets_table(data: dict, lang: str) -> Table:
    """The list of targets as shown; each row's unit in its own column."""
    return Table("targets", data["title"], target_columns(lang), data["targets"])


@router.get("/targets/{target_id}")
@page
def target_page(request: Request, target_id: str) -> Response:
    lang = language(request)
    cat, ctx = programme(request), app_context(request)
    target = cat.target(target_id)
    if target is None:
        raise PageError(404, "targets.not_found", code=target_id)
    a = target_assessments(request)[target_id]
    summary = next(r for r in target_rows(request, lang) if r["target_id"] == target_id)
    indicator = cat.indicator(target.indicator)
    with ctx.session() as session:
        series = target_series(session, cat.programme, target, ctx.today())
    observed = [(Period.parse(o.period).end, o.value) for o in series]
    required = required_path(a, target)
    deadline = Period.parse(target.deadline).end if target.deadline else None
    projection = projection_path(a, observed[0][0] if observed else None)
    unit = unit_text(indicator.unit, lang) if indicator else ""
    # a series of years is drawn on an axis of years
    yearly = bool(series) and all(str(Period.parse(o.period).type) == "year" for o in series)
    fig = charts.target_chart(observed, required, target.value, deadline, projection, unit,
                              lang, yearly=yearly)
    result = {
        **summary,
        "method_label": t(f"targets.method.{a.method}", lang),
        "measurement_method": in_language(indicator, "method", lang),
        "baseline": {"period": a.baseline_period, "value": a.baseline,
                     "from": a.baseline_from},
        "milestones": [{"period": m.period, "label": period_label(m.period, lang),
                        "value": m.value} for m in target.milestones],
        # the calculation and the series in the reader's language (figures as it writes them)
        "formula": formula_text(summary, lang, ctx.settings.assess),
        "formula_en": a.formula,
        "series_source": series_text(a.series_source, lang),
        "series_id": a.series_source,
        "observed": [{"date": d, "value": v, "period": o.period}
                     for (d, v), o in zip(observed, series, strict=True)],
        "projection": [{"date": d, "value": v} for d, v in projection],
        "source_passage": target.source.passage if target.source else "",
        "note": target.note,
    }
    chart = charts.to_html(fig, "target-chart", summary["title"])
    chart_rows = [[period_label(o.period, lang) if yearly else format_date(d, lang),
                   format_value(v, unit, lang)] for (d, v), o in zip(observed, series, strict=True)]
    result["cascade"] = target_cascade_view(request, target_id, unit, lang)
    return render(request, "target.html", result,
                  extra={"chart": chart, "unit": unit, "chart_rows": chart_rows,
                         "yearly": yearly})
