"""The web control room's pages. Each page builds a plain ``data`` dict from services and either
renders it with a Jinja2 template or, with ``?format=json``, returns it as JSON (its twin)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from datetime import date
from functools import wraps
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from sodo.domain.orgunits import OrgUnitError, OrgUnitLevel
from sodo.domain.periods import Period, PeriodError
from sodo.domain.permissions import Action, Actor, Forbidden, NotAuthenticated, NotFound, allows
from sodo.domain.problems import InputError
from sodo.http.deps import csrf_token, current_user_optional
from sodo.services.assess.targets import TargetAssessment, year_fraction
from sodo.services.assess.tasks import TaskAssessment
from sodo.web import charts
from sodo.web.data import (
    SERVICE_INDEX_GROUPS,
    SERVICE_INDEX_TOTAL,
    STATUS_ORDER,
    TASK_STATUS_ORDER,
    WebData,
    hierarchy,
    level_units,
    period_end_date,
    ranking,
    target_assessments,
    target_series,
    task_assessments,
)
from sodo.web.format import (
    format_change,
    format_date,
    format_datetime,
    format_number,
    format_value,
)
from sodo.web.i18n import LANGUAGE_NAMES, LANGUAGES, normalise_language, t, unit_text

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
LANG_COOKIE = "sodo_lang"
COMPARATOR_SIGNS = {">=": "≥", "<=": "≤", "=": "=", ">": ">", "<": "<"}
ATTENTION = ("not_achieved", "deteriorating", "off_track", "needs_acceleration")
# Maxima of the five groups of the 766 index (Decision 766/QĐ-TTg; reference/766-index.md).
INDEX_GROUP_MAX = {"svc766_g1": 18.0, "svc766_g2": 20.0, "svc766_g3": 22.0, "svc766_g4": 22.0,
                   "svc766_g5": 18.0, "svc766_total": 100.0}

# Every page knows who is asking (session cookie or token), and form posts are CSRF-checked.
router = APIRouter(dependencies=[Depends(current_user_optional)])
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))


class PageError(Exception):
    """An error a user can cause, shown as a page in their language."""

    def __init__(self, status: int, key: str, **params: object) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, params


# -- request context ---------------------------------------------------------------------------

def language(request: Request) -> str:
    return normalise_language(request.query_params.get("lang")
                              or request.cookies.get(LANG_COOKIE))


def web_data(request: Request) -> WebData:
    """The app's :class:`WebData`, built on first use from what the app was created with."""
    state = request.app.state
    existing = getattr(state, "web_data", None)
    if existing is not None:
        if getattr(request.state, "web_data_fresh", False) is False:
            existing.refresh()
            request.state.web_data_fresh = True
        return existing
    workspace = getattr(state, "workspace", None)
    store = getattr(state, "engine", None) or getattr(state, "database_url", None)
    programme_path = None
    if workspace is not None:
        programme_path = workspace.programme_path()
        store = store or workspace.database_url
    data = WebData.create(programme_path, store or "sqlite:///sodo.db",
                          getattr(state, "today", None))
    state.web_data = data
    return data


def current_user(request: Request) -> Actor | None:
    """The signed-in user, or None for an anonymous visitor."""
    actor = getattr(request.state, "actor", None)
    return actor if actor is not None and actor.is_authenticated else None


def wants_json(request: Request) -> bool:
    return request.query_params.get("format") == "json"


def render(request: Request, template: str, data: dict[str, Any], status: int = 200,
           extra: dict[str, Any] | None = None) -> Response:
    """The page, or its JSON twin. ``extra`` holds things only the HTML needs (charts)."""
    if wants_json(request):
        return JSONResponse(jsonable_encoder(data), status_code=status)
    lang = language(request)
    query = dict(request.query_params)
    query.pop("lang", None)
    query["format"] = "json"
    context = {
        "request": request, "data": data, "lang": lang, "languages": LANGUAGES,
        "language_names": LANGUAGE_NAMES, "user": current_user(request),
        "csrf": csrf_token(request),
        "json_url": f"{request.url.path}?{urlencode(query)}",
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **(extra or {}),
    }
    return templates.TemplateResponse(request, template, context, status_code=status)


def error_page(request: Request, status: int, key: str, **params: object) -> Response:
    lang = language(request)
    message = t(key, lang, **params)
    if wants_json(request) or request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def _page_error(request: Request, exc: Exception) -> Response:
    """The page for an error a user can cause, in their language."""
    if isinstance(exc, PageError):
        return error_page(request, exc.status, exc.key, **exc.params)
    if isinstance(exc, NotAuthenticated):
        if wants_json(request):
            return error_page(request, 401, "error.login_required")
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query
                                           else ""), safe="")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    if isinstance(exc, Forbidden):
        return error_page(request, 403, "error.forbidden")
    lang = language(request)
    if wants_json(request):
        return JSONResponse({"error": str(exc)}, status_code=400)
    return render(request, "error.html", {"status": 400, "message": t("error.bad_request", lang),
                                          "detail": str(exc)}, status=400)


USER_ERRORS = (PageError, NotAuthenticated, Forbidden, PeriodError, OrgUnitError, InputError)


def page(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn errors a user can cause into a page in their language, never a traceback.

    Page functions that read the database are plain functions (FastAPI runs them in its
    thread pool, so a slow query does not hold up other requests); those that must await
    the request body are coroutines."""
    if inspect.iscoroutinefunction(func):
        @wraps(func)
        async def async_wrapper(request: Request, *args: Any, **kwargs: Any) -> Response:
            try:
                return await func(request, *args, **kwargs)
            except USER_ERRORS as exc:
                return _page_error(request, exc)

        return async_wrapper

    @wraps(func)
    def wrapper(request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return func(request, *args, **kwargs)
        except USER_ERRORS as exc:
            return _page_error(request, exc)

    return wrapper


def install_error_pages(app: FastAPI) -> None:
    """Error pages (HTML, in the user's language, no stack trace) for paths outside the API:
    unknown pages, malformed parameters, unexpected failures. API paths keep the handlers the
    app had (problem documents)."""
    api_http = app.exception_handlers.get(StarletteHTTPException)
    api_validation = app.exception_handlers.get(RequestValidationError)
    api_unexpected = app.exception_handlers.get(Exception)

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api(request) and api_http is not None:
            return await api_http(request, exc)
        key = {404: "error.not_found", 403: "error.forbidden",
               401: "error.login_required"}.get(exc.status_code, "error.bad_request")
        return error_page(request, exc.status_code, key)

    @app.exception_handler(RequestValidationError)
    async def _bad_parameters(request: Request, exc: RequestValidationError) -> Response:
        if is_api(request) and api_validation is not None:
            return await api_validation(request, exc)
        return error_page(request, 400, "error.bad_request")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        if is_api(request) and api_unexpected is not None:
            return await api_unexpected(request, exc)
        log.exception("unexpected error on %s", request.url.path)
        return error_page(request, 500, "error.server")


def mount_web(app: FastAPI, with_error_pages: bool = True) -> None:
    """Everything the web pages need on an app: the router, ``/static`` and error pages."""
    app.include_router(router)
    if not any(getattr(r, "path", None) == "/static" for r in app.routes):
        app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    if with_error_pages:
        install_error_pages(app)


# -- assets ------------------------------------------------------------------------------------

@router.get("/web/assets/plotly.min.js", include_in_schema=False)
async def plotly_js() -> Response:
    """Plotly's JavaScript from the installed plotly package: no CDN, no copied file."""
    path = Path(str(resources.files("plotly").joinpath("package_data/plotly.min.js")))
    return FileResponse(path, media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/web/geo/provinces-34.geojson", include_in_schema=False)
async def provinces_geojson() -> Response:
    path = Path(str(resources.files("sodo.data").joinpath("vn-provinces-34.geojson")))
    return FileResponse(path, media_type="application/geo+json",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/web/geo/topojson/{name}.json", include_in_schema=False)
async def base_topology(name: str) -> Response:
    return JSONResponse(charts.empty_topology(),
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/lang/{code}", include_in_schema=False)
async def switch_language(request: Request, code: str, next: str = "/") -> Response:
    # only local paths, so the switch cannot be used to redirect elsewhere
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(LANG_COOKIE, normalise_language(code), max_age=365 * 86400,
                        samesite="lax", httponly=True)
    return response


# -- helpers shared by pages ----------------------------------------------------------------------

def unit_label(code: str, lang: str) -> str:
    h = hierarchy()
    return h.get(code).label(lang) if code in h else code


def indicator_name(data: WebData, code: str, lang: str) -> str:
    ind = data.indicator(code)
    if ind is None:
        return t(code, lang) if code.startswith("svc766") else code
    return ind.name_en if lang == "en" and ind.name_en else ind.name


def period_label(period_id: str | None, lang: str) -> str:
    if not period_id:
        return "–"
    try:
        return Period.parse(period_id).label(lang)
    except PeriodError:
        return period_id


def target_summary(data: WebData, a: TargetAssessment, lang: str) -> dict[str, Any]:
    """One assessed target as the pages show it."""
    target = data.target(a.target_id)
    assert target is not None
    indicator = data.indicator(target.indicator)
    return {
        "id": target.id, "title": target.title or indicator_name(data, target.indicator, lang),
        "indicator": target.indicator,
        "indicator_name": indicator_name(data, target.indicator, lang),
        "unit": unit_text(indicator.unit, lang) if indicator else "",
        "orgunit": target.orgunit, "orgunit_name": unit_label(target.orgunit, lang),
        "status": str(a.status), "status_label": t(f"status.{a.status}", lang),
        "value": target.value, "comparator": COMPARATOR_SIGNS.get(str(target.comparator),
                                                              str(target.comparator)),
        "deadline": target.deadline, "deadline_label": period_label(target.deadline, lang),
        "latest_value": a.latest, "latest_period": a.latest_period,
        "latest_period_label": period_label(a.latest_period, lang),
        "projected_value": a.projected, "method": a.method,
        "source": target.source.document if target.source else "",
    }


def task_summary(data: WebData, a: TaskAssessment, lang: str) -> dict[str, Any]:
    task = data.task(a.task_id)
    assert task is not None
    status = str(a.status)
    due = task.due
    return {
        "id": task.id, "title": task.title, "status": status,
        "status_label": t(f"task.{status}", lang),
        "lead": list(task.lead), "lead_names": [unit_label(c, lang) for c in task.lead],
        "lead_note": task.lead_note,
        "deadline": due.due, "deadline_text": task.deadline or "",
        "deadline_label": due.label(lang) if due.is_set else t("task.no_deadline", lang),
        "days_to_due": a.days_to_due, "done_on": a.done_on, "percent": a.percent,
        "source": task.source.document if task.source else "",
        "group": task.group,
    }


def all_tasks(data: WebData, lang: str) -> list[dict[str, Any]]:
    assessed = task_assessments(data)
    return [task_summary(data, assessed[task.id], lang) for task in data.programme.tasks
            if task.id in assessed]


# -- overview --------------------------------------------------------------------------------

@router.get("/", include_in_schema=False)
@page
def overview(request: Request) -> Response:
    lang = language(request)
    data = web_data(request)
    summaries = [target_summary(data, a, lang) for a in target_assessments(data).values()]
    counts = {s: 0 for s in STATUS_ORDER}
    for s in summaries:
        counts[s["status"]] += 1
    attention = sorted((s for s in summaries if s["status"] in ATTENTION),
                       key=lambda s: STATUS_ORDER.index(s["status"]))
    tasks = all_tasks(data, lang)
    urgent = sorted((tk for tk in tasks if tk["status"] in ("overdue", "due_soon")),
                    key=lambda tk: (TASK_STATUS_ORDER.index(tk["status"]),
                                    tk["deadline"] or date.max))
    lagging = index_ranking(data, "province", None, lang)
    result = {
        "title": t("overview.title", lang),
        "target_counts": [{"status": s, "label": t(f"status.{s}", lang), "count": n}
                          for s, n in counts.items() if n],
        "targets_needing_attention": attention,
        "urgent_tasks": urgent,
        "task_counts": {s: sum(1 for tk in tasks if tk["status"] == s) for s in TASK_STATUS_ORDER},
        "lagging_provinces": lagging["rows"][-5:][::-1] if lagging["rows"] else [],
        "index_period": lagging["period"],
        "index_period_label": period_label(lagging["period"], lang),
        "last_run": data.last_run(),
        "freshness": [{**row, "indicator_name": indicator_name(data, row["indicator"], lang),
                       "latest_period_label": period_label(row["latest_period"], lang)}
                      for row in data.freshness()
                      if data.indicator(row["indicator"]) is not None
                      or row["indicator"] == SERVICE_INDEX_TOTAL],
        "reporting": reporting_gaps(request, data, lang),
    }
    result["freshness_groups"] = freshness_groups(result["freshness"])
    return render(request, "overview.html", result)


def freshness_groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Freshness by origin, for the page: one line for the indicators computed from records
    (they share one computation), one per other origin with its newest period and update."""
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        group = groups.setdefault(row["origin"], {"origin": row["origin"], "rows": []})
        group["rows"].append(row)
    out = []
    for group in groups.values():
        newest = max(group["rows"], key=lambda r: (r["latest_period"] or "", str(r["updated_at"])))
        out.append({**group, "count": len(group["rows"]), "latest_period_label":
                    newest["latest_period_label"], "updated_at": newest["updated_at"],
                    "oldest_period_label": min(group["rows"], key=lambda r: r["latest_period"]
                                               or "")["latest_period_label"]})
    return out


def index_ranking(data: WebData, level: str, period: str | None, lang: str,
                  indicator: str = SERVICE_INDEX_TOTAL) -> dict[str, Any]:
    """Units of ``level`` ranked on ``indicator`` for ``period`` (default: newest), with the
    change of value and of rank since the previous period."""
    if period is None:
        period = default_period(data, data.value_periods(indicator))
    if period is None:
        return {"period": None, "previous": None, "rows": []}
    rows = []
    for r in ranking(data, indicator, period, level):
        rows.append({
            "code": r.orgunit, "name": unit_label(r.orgunit, lang), "value": r.value,
            "previous": r.previous_value,
            # rounded: a difference of two stored floats carries binary noise (2.3999999…)
            "change": round(r.value - r.previous_value, 9)
            if r.value is not None and r.previous_value is not None else None,
            "rank": r.rank, "previous_rank": r.previous_rank, "rank_change": r.change,
        })
    return {"period": period, "previous": Period.parse(period).previous().id, "rows": rows}


def recency(period: Period, today: date) -> tuple[bool, date, int]:
    """Order of "latest value": periods that have ended first, then the latest end, then the
    shortest (a month's fresh figure before the half-year that contains it)."""
    return (period.end <= today, period.end, -(period.end - period.start).days)


def default_period(data: WebData, periods: list[str]) -> str | None:
    """The newest period that has ended (a running quarter holds only part of its data),
    else the newest one. ``periods`` come newest first."""
    ended = [p for p in periods if Period.parse(p).end <= data.today]
    return ended[0] if ended else (periods[0] if periods else None)


def reporting_gaps(request: Request, data: WebData, lang: str,
                   orgunit: str | None = None) -> list[dict[str, Any]]:
    """Per report form: the last period whose report is due, how many units owe it, and which
    have not sent it (submitted or approved). With ``orgunit``: that unit's forms only."""
    from sodo.services import reporting
    from sodo.web.account_pages import due_period, form_label, open_period

    system = Actor.system("web")
    out = []
    with request.app.state.sessionmaker() as db:
        for form in reporting.list_forms(db):
            period = due_period(form, data.today)
            units = form.reporting_units(on=period.end)
            if orgunit is not None and orgunit not in units:
                continue
            subs = {sub.orgunit: sub for sub in reporting.list_submissions(
                db, system, form=form.code, period=period.id, limit=100_000).items}
            sent = {u for u, sub in subs.items() if sub.state in ("submitted", "approved")}
            missing = [u for u in units if u not in sent]
            row: dict[str, Any] = {
                "form": form.code, "form_name": form_label(form, lang), "period": period.id,
                "period_label": period.label(lang), "due": form.due_on(period),
                "owed": len(units), "sent": len(units) - len(missing),
                "missing": [{"code": u, "name": unit_label(u, lang)} for u in missing],
            }
            if orgunit is not None:
                current = open_period(form, data.today)
                mine = subs.get(orgunit) if current.id == period.id else next(
                    iter(reporting.list_submissions(db, system, form=form.code,
                                                    orgunit=orgunit, period=current.id).items),
                    None)
                last = subs.get(orgunit)
                row.update(
                    state=last.state if last else "open",
                    state_label=t(f"state.{last.state if last else 'open'}", lang),
                    current_period=current.id, current_period_label=current.label(lang),
                    current_state=mine.state if mine else "open",
                    current_state_label=t(f"state.{mine.state if mine else 'open'}", lang))
            out.append(row)
    return out


# -- targets -----------------------------------------------------------------------------------

@router.get("/targets", include_in_schema=False)
@page
def target_list(request: Request, status: str | None = None) -> Response:
    lang = language(request)
    data = web_data(request)
    rows = [target_summary(data, a, lang) for a in target_assessments(data).values()]
    if status:
        rows = [r for r in rows if r["status"] == status]
    rows.sort(key=lambda r: (STATUS_ORDER.index(r["status"]), r["id"]))
    return render(request, "targets.html", {
        "title": t("targets.title", lang), "targets": rows, "status": status,
        "status_label": t(f"status.{status}", lang) if status else None})


@router.get("/targets/{target_id}", include_in_schema=False)
@page
def target_page(request: Request, target_id: str) -> Response:
    lang = language(request)
    data = web_data(request)
    target = data.target(target_id)
    if target is None:
        raise PageError(404, "targets.not_found", code=target_id)
    a = target_assessments(data)[target_id]
    summary = target_summary(data, a, lang)
    indicator = data.indicator(target.indicator)
    comp = a.components
    # what the assessment saw: periods ended by today (a period still running is not observed)
    observed = [(end, o.value) for o in target_series(data, target)
                if (end := period_end_date(o.period)) <= data.today]
    required = []
    if a.baseline is not None and a.baseline_period:
        required.append((period_end_date(a.baseline_period), a.baseline))
    required += [(period_end_date(m.period), m.value) for m in target.milestones]
    deadline = period_end_date(target.deadline) if target.deadline else None
    if deadline and target.value is not None:
        required.append((deadline, target.value))
    projection = []
    if a.projected is not None and deadline and a.latest_period and a.latest is not None:
        projection = [(period_end_date(a.latest_period), a.latest), (deadline, a.projected)]
        if a.method == "linear" and {"slope_per_year", "mean_t", "level_at_mean_t"} <= set(comp):
            # the fitted line itself, from the first point to the deadline
            def fitted(day: date) -> float:
                return comp["level_at_mean_t"] + comp["slope_per_year"] * (
                    year_fraction(day) - comp["mean_t"])

            start = period_end_date(a.baseline_period) if a.baseline_period else observed[0][0]
            projection = [(start, fitted(start)), (deadline, fitted(deadline))]
    unit = unit_text(indicator.unit, lang) if indicator else ""
    fig = charts.target_chart(observed, required, target.value, deadline, projection, unit,
                              lang)
    result = {
        **summary,
        "method_label": t(f"targets.method.{a.method}", lang),
        "measurement_method": indicator.method if indicator else "",
        "baseline": {"period": a.baseline_period, "value": a.baseline,
                     "from": a.baseline_from},
        "milestones": [{"period": m.period, "label": period_label(m.period, lang),
                        "value": m.value} for m in target.milestones],
        "components": comp, "formula": a.formula, "notes": a.notes,
        "series_source": a.series_source,
        "observed": [{"date": d, "value": v} for d, v in observed],
        "projection": [{"date": d, "value": v} for d, v in projection],
        "source_passage": target.source.passage if target.source else "",
        "note": target.note,
    }
    chart = charts.to_html(fig, "target-chart", summary["title"])
    chart_rows = [[format_date(d, lang), format_value(v, unit, lang)] for d, v in observed]
    return render(request, "target.html", result,
                  extra={"chart": chart, "unit": unit, "chart_rows": chart_rows})


# -- explorer -------------------------------------------------------------------------------

@router.get("/explorer", include_in_schema=False)
@page
def explorer(request: Request, indicator: str | None = None, period: str | None = None,
                   level: str = "province") -> Response:
    lang = language(request)
    data = web_data(request)
    if level not in (OrgUnitLevel.PROVINCE, OrgUnitLevel.MINISTRY):
        raise PageError(400, "error.bad_level", value=level)
    available = data.indicators_with_values()
    choices = [{"code": c, "name": indicator_name(data, c, lang)} for c in available]
    if not available:
        return render(request, "explorer.html", {"title": t("explorer.title", lang),
                                                 "indicators": [], "indicator": None})
    if indicator is None:
        indicator = SERVICE_INDEX_TOTAL if SERVICE_INDEX_TOTAL in available else available[0]
    if indicator not in available:
        raise PageError(404, "explorer.unknown_indicator", code=indicator)
    periods = data.value_periods(indicator)
    if period is not None and period not in periods:
        try:
            Period.parse(period)
        except PeriodError:
            raise PageError(400, "error.bad_period", value=period) from None
    ranked = index_ranking(data, level, period or default_period(data, periods), lang,
                           indicator)
    ind = data.indicator(indicator)
    unit = unit_text(ind.unit, lang) if ind else ("điểm" if lang == "vi" else "points")
    extra: dict[str, Any] = {}
    rows = ranked["rows"]
    if level == "province" and rows:
        fig = charts.choropleth([r["code"] for r in rows], [r["value"] for r in rows],
                                [r["name"] for r in rows], unit, lang,
                                reverse=bool(ind and ind.direction == "lower"))
        extra["map"] = charts.to_html(fig, "explorer-map", t("explorer.map", lang))
    trend = trend_lines(data, indicator, rows, ranked["period"], lang)
    if trend:
        fig = charts.trend_chart(trend, unit, lang)
        extra["trend_chart"] = charts.to_html(fig, "explorer-trend", t("explorer.trend", lang))
    result = {
        "title": t("explorer.title", lang), "indicators": choices, "indicator": indicator,
        "indicator_name": indicator_name(data, indicator, lang), "unit": unit,
        "level": level, "period": ranked["period"],
        "period_label": period_label(ranked["period"], lang),
        "previous_period": ranked["previous"],
        "periods": [{"id": p, "label": period_label(p, lang)} for p in periods],
        "period_groups": [{"type": kind, "label": t(f"period_type.{kind}", lang),
                           "periods": [{"id": p, "label": period_label(p, lang)}
                                       for p in periods if str(Period.parse(p).type) == kind]}
                          for kind in ("year", "half", "quarter", "month", "day", "stage")
                          if any(str(Period.parse(p).type) == kind for p in periods)],
        "rows": rows,
        "trend": {name: [{"period": p, "value": v} for p, v in pts]
                  for name, pts in trend.items()},
    }
    return render(request, "explorer.html", result, extra=extra)


def trend_lines(data: WebData, indicator: str, rows: list[dict[str, Any]], period: str | None,
                lang: str) -> dict[str, list[tuple[str, float | None]]]:
    """The national value (or the mean of the units shown) over the last eight periods of the
    same type, with the best and the worst unit of the chosen period."""
    if period is None:
        return {}
    current = Period.parse(period)
    periods = [p.id for p in (current.shift(-k) for k in range(7, -1, -1))]
    codes = [r["code"] for r in rows]
    ranked = [r for r in rows if r["rank"] is not None]
    picks = [ranked[0]["code"], ranked[-1]["code"]] if len(ranked) >= 2 else []
    points = data.values([indicator], ["VN", *codes], periods)
    by_key = {(p.orgunit, p.period): p.value for p in points}
    lines: dict[str, list[tuple[str, float | None]]] = {}
    national = [by_key.get(("VN", p)) for p in periods]
    if any(v is not None for v in national):
        name = t("common.national", lang)
    else:
        name = "Trung bình các đơn vị" if lang == "vi" else "Mean of units"
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


# -- units ----------------------------------------------------------------------------------------

@router.get("/units", include_in_schema=False)
@page
def unit_list(request: Request) -> Response:
    lang = language(request)
    data = web_data(request)
    groups = []
    for level in (OrgUnitLevel.PROVINCE, OrgUnitLevel.MINISTRY):
        units = level_units(level, data.today)
        groups.append({"level": str(level),
                       "label": t("common.province" if level == "province" else "common.ministry",
                                  lang),
                       "units": [{"code": u.code, "name": u.label(lang)} for u in units]})
    return render(request, "units.html", {"title": t("unit.list", lang), "groups": groups})


@router.get("/units/{code}", include_in_schema=False)
@page
def unit_page(request: Request, code: str) -> Response:
    lang = language(request)
    data = web_data(request)
    h = hierarchy()
    if code not in h:
        raise PageError(404, "unit.not_found", code=code)
    unit = h.get(code)
    level = str(unit.level)
    scorecard: dict[str, Any] = {"period": None, "rows": []}
    extra: dict[str, Any] = {}
    if level in ("province", "ministry"):
        total = index_ranking(data, level, None, lang)
        if total["period"]:
            mine = next((r for r in total["rows"] if r["code"] == code), None)
            groups = {p.indicator: p.value for p in data.values(
                list(SERVICE_INDEX_GROUPS), [code], [total["period"]])}
            rows = [{"code": SERVICE_INDEX_TOTAL, "name": t(SERVICE_INDEX_TOTAL, lang),
                     "value": mine["value"] if mine else None,
                     "max": INDEX_GROUP_MAX[SERVICE_INDEX_TOTAL],
                     "rank": mine["rank"] if mine else None,
                     "rank_change": mine["rank_change"] if mine else None,
                     "of": sum(1 for r in total["rows"] if r["rank"])}]
            rows += [{"code": g, "name": t(g, lang), "value": groups.get(g),
                      "max": INDEX_GROUP_MAX[g]} for g in SERVICE_INDEX_GROUPS]
            scorecard = {"period": total["period"],
                         "period_label": period_label(total["period"], lang), "rows": rows}
            if any(r["value"] is not None for r in rows[1:]):
                fig = charts.bar_chart([r["name"] for r in rows[1:]],
                                       [r["value"] for r in rows[1:]],
                                       [r["max"] for r in rows[1:]], lang)
                extra["scorecard_chart"] = charts.to_html(fig, "scorecard-chart",
                                                          t("unit.scorecard", lang))
    key_rows = []
    mine_values = [p for p in data.values(None, [code], None)
                   if not p.indicator.startswith("svc766")]
    latest: dict[str, Any] = {}
    for p in mine_values:
        held = latest.get(p.indicator)
        if held is None or recency(p.period_obj, data.today) > recency(held.period_obj,
                                                                          data.today):
            latest[p.indicator] = p
    for ind_code, point in sorted(latest.items()):
        national = next((p.value for p in data.values([ind_code], ["VN"], [point.period])),
                        None)
        target = next((tg for tg in data.programme.targets
                       if tg.indicator == ind_code and tg.orgunit == code), None) or next(
            (tg for tg in data.programme.targets
             if tg.indicator == ind_code and tg.orgunit == "VN"), None)
        ind = data.indicator(ind_code)
        key_rows.append({
            "indicator": ind_code, "name": indicator_name(data, ind_code, lang),
            "unit": unit_text(ind.unit, lang) if ind else "", "period": point.period,
            "period_label": period_label(point.period, lang), "value": point.value,
            "national": national, "target": target.value if target else None,
            "target_id": target.id if target else None,
            "target_deadline": period_label(target.deadline, lang) if target else None,
        })
    mine = {tk.id for tk in data.programme.tasks if code in tk.lead or code in tk.partners}
    tasks = [tk for tk in all_tasks(data, lang) if tk["id"] in mine]
    result = {
        "title": unit.label(lang), "code": code, "level": level,
        "level_label": t("common.province" if level == "province" else "common.ministry", lang),
        "full_name": unit.name, "scorecard": scorecard, "key_indicators": key_rows,
        "tasks": tasks, "reporting": reporting_gaps(request, data, lang, orgunit=code),
    }
    return render(request, "unit.html", result, extra=extra)


# -- tasks ---------------------------------------------------------------------------------------

@router.get("/tasks", include_in_schema=False)
@page
def task_board(request: Request, source: str | None = None,
                     lead: str | None = None) -> Response:
    lang = language(request)
    data = web_data(request)
    every = all_tasks(data, lang)
    sources = sorted({tk["source"] for tk in every if tk["source"]})
    leads = sorted({c for tk in every for c in tk["lead"]}, key=lambda c: unit_label(c, lang))
    tasks = [tk for tk in every if (not source or tk["source"] == source)
             and (not lead or lead in tk["lead"])]
    by_status = [{"status": s, "label": t(f"task.{s}", lang),
                  "tasks": [tk for tk in tasks if tk["status"] == s]} for s in TASK_STATUS_ORDER]
    by_lead: dict[str, dict[str, Any]] = {}
    for tk in tasks:
        for c in tk["lead"] or ["—"]:
            row = by_lead.setdefault(c, {"code": c, "name": unit_label(c, lang), "total": 0,
                                         **{s: 0 for s in TASK_STATUS_ORDER}})
            row["total"] += 1
            row[tk["status"]] += 1
    result = {
        "title": t("tasks.title", lang), "source": source, "lead": lead,
        "sources": sources, "leads": [{"code": c, "name": unit_label(c, lang)} for c in leads],
        "by_status": [g for g in by_status if g["tasks"]],
        "by_lead": sorted(by_lead.values(), key=lambda r: (-r["overdue"], -r["total"], r["name"])),
        "count": len(tasks),
    }
    return render(request, "tasks.html", result)


@router.get("/tasks/{task_id}", include_in_schema=False)
@page
def task_page(request: Request, task_id: str, done: str | None = None) -> Response:
    return render_task_page(request, task_id, done=done)


def render_task_page(request: Request, task_id: str, done: str | None = None,
                     form_error: str | None = None) -> Response:
    """The task page; ``form_error`` shows a refused progress update above its form."""
    lang = language(request)
    data = web_data(request)
    task = data.task(task_id)
    if task is None:
        raise PageError(404, "tasks.not_found", code=task_id)
    summary = next(tk for tk in all_tasks(data, lang) if tk["id"] == task_id)
    six = [
        {"key": "ro_nguoi", "label": t("tasks.ro_nguoi", lang),
         "value": ", ".join(summary["lead_names"]) or task.lead_note,
         "detail": ", ".join([unit_label(c, lang) for c in task.partners] + task.partners_other)},
        {"key": "ro_viec", "label": t("tasks.ro_viec", lang), "value": task.work or task.title,
         "detail": ""},
        {"key": "ro_thoi_gian", "label": t("tasks.ro_thoi_gian", lang),
         "value": summary["deadline_label"]
         + (f" ({format_date(summary['deadline'], lang)})" if summary["deadline"] else ""),
         "detail": task.deadline_note},
        {"key": "ro_trach_nhiem", "label": t("tasks.ro_trach_nhiem", lang),
         "value": task.responsible, "detail": ""},
        {"key": "ro_tham_quyen", "label": t("tasks.ro_tham_quyen", lang),
         "value": task.authority, "detail": ""},
        {"key": "ro_ket_qua", "label": t("tasks.ro_ket_qua", lang), "value": task.deliverable,
         "detail": ""},
    ]
    result = {
        **summary, "work": task.work, "six": six,
        "partners": [{"code": c, "name": unit_label(c, lang)} for c in task.partners],
        "partners_other": task.partners_other,
        "source_passage": task.source.passage if task.source else "",
        "history": task_history(request, task_id, lang),
        "can_update": any(allows(actor, Action.UPDATE_TASK, u) for u in task.lead)
        if (actor := current_user(request)) else False,
        "progress_statuses": [{"value": v, "label": t(f"progress.{v}", lang)}
                              for v in ("not_started", "in_progress", "done")],
        "done_message": t("tasks.progress_saved", lang) if done == "progress_saved" else None,
        "form_error": form_error,
    }
    return render(request, "task.html", result,
                  status=422 if form_error and wants_json(request) else 200)


def task_history(request: Request, task_id: str, lang: str) -> list[dict[str, Any]]:
    """Progress updates with their evidence, newest first, from the task-progress service."""
    from sodo.services import task_progress

    actor = current_user(request) or Actor.anonymous()
    with request.app.state.sessionmaker() as db:
        try:
            updates = task_progress.task_updates(db, actor, task_id)
        except NotFound:  # a task of the files not yet imported into the store
            return []
        rows = [task_progress.update_dict(u) for u in updates]
    return [{**row, "status_label": t(f"progress.{row['status']}", lang),
             "by": row["actor"], "date": row["at"],
             "evidence_file_url": f"/api/v1/tasks/evidence/{row['evidence_file']['id']}"
             if row["evidence_file"] else None} for row in rows]


# -- template helpers --------------------------------------------------------------------------

def _fmt_number(value: Any, lang: str = "vi", decimals: int | None = None) -> str:
    return format_number(value, lang, decimals)


templates.env.globals.update(
    t=t, fmt_number=_fmt_number, fmt_value=format_value, fmt_change=format_change,
    fmt_date=format_date, fmt_datetime=format_datetime, period_label=period_label,
    quote=quote,
)


# Pages that act: login, reporting, approval, administration, open data.
from sodo.web import account_pages  # noqa: E402  (they use the helpers above)

router.include_router(account_pages.router)
