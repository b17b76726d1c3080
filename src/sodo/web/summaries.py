"""What several pages show, built once per data version: assessed targets and tasks, the 766
ranking, the reporting compliance of each form — each from its service, as view-models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from sodo.domain.assessment.targets import TargetAssessment
from sodo.domain.assessment.tasks import TaskAssessment
from sodo.domain.orgunits import OrgUnitLevel
from sodo.domain.periods import Period
from sodo.domain.permissions import audience
from sodo.domain.values import latest_period
from sodo.http.downloads import Column
from sodo.http.views import period_label, rank_view, target_view, task_view, unit_label
from sodo.services import compliance
from sodo.services.assessment import assess_targets, assess_tasks, rank
from sodo.stores.operational import values as values_repo
from sodo.web.context import actor_of, app_context, programme, request_version
from sodo.web.i18n import t

DEFAULT_INDEX = "svc766_total"
T = TypeVar("T")


def _cached(request: Request, key: Any, build: Any) -> Any:
    """``build()`` kept per data version; the version is read once per request."""
    return app_context(request).cached(key, build, request_version(request))


def cached_view(request: Request, key: Any, build: Callable[[], T]) -> T:
    """A page's view-model kept per data version (values, runs, record batches, reports, task
    updates, quality scores, today), programme version (a synced one or its files) and
    audience (role, unit and token scopes: all that decides what the visitor may see —
    drafts, reporting states), so visitors with the same rights share it; rebuilt at every
    request when ``page_cache`` is off."""
    if not app_context(request).settings.page_cache:
        return build()
    key = ("view", programme(request).version, audience(actor_of(request)), key)
    return _cached(request, key, build)


def index_code(request: Request) -> str:
    """The code of the 766 index total (from its configuration when the programme has one)."""
    index = programme(request).index
    return index.total_code if index is not None else DEFAULT_INDEX


def index_group_codes(request: Request) -> list[str]:
    index = programme(request).index
    return [index.group_code(g) for g in index.groups] if index is not None else []


def target_assessments(request: Request) -> dict[str, TargetAssessment]:
    """Every target's assessment today, keyed by target id (computed once per data version)."""
    ctx, cat = app_context(request), programme(request)

    def build() -> dict[str, TargetAssessment]:
        with ctx.session() as session:
            return {a.target_id: a for a in assess_targets(
                session, cat.programme, ctx.today(), ctx.settings.assess)}

    return _cached(request, ("targets", cat.version), build)


def target_rows(request: Request, lang: str) -> list[dict[str, Any]]:
    cat = programme(request)
    return [target_view(cat, a, lang) for a in target_assessments(request).values()]


def dataset_names(request: Request, lang: str) -> dict[str, str]:
    """What the data-quality scorecard rates, by its code: each declared dataset's name and
    each report form's, in the reader's language (never "dossiers" on a Vietnamese page)."""
    from sodo.services.datasets import load_datasets

    ctx, cat = app_context(request), programme(request)
    declared = _cached(request, "datasets", lambda: {
        code: (ds.name, ds.name_en) for code, ds in
        load_datasets(ctx.settings.programme_path()).items()})
    names = {code: en if lang == "en" and en else vi for code, (vi, en) in declared.items()}
    return {**names, **{f.code: f.label(lang) for f in cat.forms}}


def target_columns(lang: str, *, full: bool = True) -> list[Column]:
    """The download columns of a list of :func:`target_rows`: the target list's (``full``),
    or the overview's shorter one (no indicator, source or provisional mark)."""
    more = {"indicator_name", "source_label", "provisional_label"}
    return [Column(key, t(label, lang), number=number) for key, label, number in (
        ("target_id", "common.code", False),
        ("title", "common.target", False),
        ("indicator_name", "common.indicator", False),
        ("orgunit_name", "common.orgunit", False),
        ("status_label", "common.status", False),
        ("latest", "targets.latest", True),
        ("comparator", "common.comparator", False),
        ("target_value", "common.target_value", True),
        ("unit", "common.unit", False),
        ("deadline_label", "common.deadline", False),
        ("source_label", "common.source", False),
        ("provisional_label", "common.provisional_column", False),
    ) if full or key not in more]


def task_assessments(request: Request) -> dict[str, TaskAssessment]:
    ctx, cat = app_context(request), programme(request)

    def build() -> dict[str, TaskAssessment]:
        with ctx.session() as session:
            return {a.task_id: a for a in assess_tasks(session, cat.programme, ctx.today(),
                                                       ctx.settings.assess)}

    return _cached(request, ("tasks", cat.version), build)


def task_rows(request: Request, lang: str) -> list[dict[str, Any]]:
    cat = programme(request)
    assessed = task_assessments(request)
    return [task_view(cat, assessed[task.id], lang) for task in cat.programme.tasks
            if task.id in assessed]


def value_periods(request: Request, indicator: str) -> list[tuple[str, bool]]:
    """The periods holding values of ``indicator`` with whether they are provisional, newest
    first."""
    ctx = app_context(request)

    def build() -> list[tuple[str, bool]]:
        with ctx.session() as session:
            found = values_repo.periods_of(session, indicator)
        return sorted(found, key=lambda p: (Period.parse(p[0]).end, Period.parse(p[0]).start),
                      reverse=True)

    return _cached(request, ("periods", indicator), build)


def default_period(request: Request, indicator: str) -> str | None:
    """The period a view of many units opens on (``domain.values.latest_period``)."""
    return latest_period(value_periods(request, indicator), app_context(request).today())


def index_ranking(request: Request, level: str, period: str | None, lang: str,
                  indicator: str | None = None) -> dict[str, Any]:
    """Units of ``level`` ranked on ``indicator`` (default: the 766 total) for ``period``
    (default: the latest complete one), with the change of value and of rank."""
    indicator = indicator or index_code(request)
    if period is None:
        period = default_period(request, indicator)
    if period is None:
        return {"period": None, "previous": None, "rows": []}
    ctx, cat = app_context(request), programme(request)

    def build() -> list[Any]:
        with ctx.session() as session:
            return rank(session, cat.programme, indicator, period, level)

    rows = _cached(request, ("rank", indicator, period, level, cat.version), build)
    provisional = dict(value_periods(request, indicator)).get(period, False)
    return {"period": period, "previous": Period.parse(period).previous().id,
            "provisional": provisional, "rows": [rank_view(r, lang) for r in rows]}


def reporting_rows(request: Request, lang: str,
                   orgunit: str | None = None) -> list[dict[str, Any]]:
    """Per report form: the period due, who owes it, who has sent it — as the visitor may
    see it (the compliance service hides unapproved states from those who may not see
    drafts)."""
    ctx, cat = app_context(request), programme(request)
    with ctx.session() as session:
        status = compliance.reporting_status(session, actor_of(request), ctx.today(),
                                             orgunit=orgunit, forms=cat.forms)
    out = []
    for item in status:
        row: dict[str, Any] = {
            "form": item.form, "form_name": item.name_en if lang == "en" and item.name_en
            else item.name, "period": item.period,
            "period_label": period_label(item.period, lang), "due": item.due,
            "owed": item.owed, "sent": item.sent, "overdue": item.overdue,
            "missing": [{"code": u, "name": unit_label(u, lang)} for u in item.missing],
        }
        if orgunit is not None and item.units:
            mine = item.units[0]
            row.update(state=mine.state, state_label=t(f"state.{mine.state}", lang),
                       current_period=item.current_period,
                       current_period_label=period_label(item.current_period, lang),
                       current_state=item.current_state,
                       current_state_label=t(f"state.{item.current_state}", lang))
        out.append(row)
    return out


def level_units(level: str, request: Request) -> list[Any]:
    from sodo.domain.orgunits import default_hierarchy

    return default_hierarchy().at_level(OrgUnitLevel(level), on=app_context(request).today())
