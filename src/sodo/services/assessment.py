"""Assessment as a use case: each target's status from its observed series, each task's
timeliness from its progress, the per-agency accountability table, and rankings.

Values come from the values service (the standing value of each period, by the rule of
:mod:`sodo.domain.values`); a programme read from files and not yet synced contributes its own
document figures the same way the sync would. The judgement itself is pure
(:mod:`sodo.domain.assessment`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from sodo.domain.assessment.config import DEFAULT_CONFIG, AssessmentConfig
from sodo.domain.assessment.targets import (
    TargetAssessment,
    TargetStatus,
    assess_target,
    sense_of,
)
from sodo.domain.assessment.tasks import TaskAssessment, TaskProgress, accountability, assess_task
from sodo.domain.orgunits import Hierarchy, OrgUnitLevel, default_hierarchy
from sodo.domain.periods import Period, PeriodError, vietnam_today
from sodo.domain.problems import InputError
from sodo.domain.programme import Programme, Target
from sodo.domain.ranking import RankRow, rank_units
from sodo.domain.values import Candidate, seed_candidates, standing
from sodo.services import task_progress, task_workflow
from sodo.services import values as value_service
from sodo.stores.operational import values as values_repo

Bind = Session | Engine | Connection | None


def target_candidates(bind: Bind, programme: Programme, pairs: Iterable[tuple[str, str]]
                      ) -> dict[tuple[str, str], list[Candidate]]:
    """Every approved value of the (indicator, org unit) pairs: the store's, plus the
    programme's own document figures when the store does not hold them (not synced)."""
    wanted = set(pairs)
    out: dict[tuple[str, str], list[Candidate]] = {}
    store_has_seeds = False
    if bind is not None and values_repo.has_store(bind):
        out = {k: list(v) for k, v in values_repo.candidates_for_pairs(bind, wanted).items()}
        store_has_seeds = values_repo.has_seeds(bind, programme.code)
    if not store_has_seeds:
        for cand in seed_candidates(programme):
            key = (cand.indicator, cand.orgunit)
            if key in wanted and not cand.category:
                out.setdefault(key, []).append(cand)
    return out


def assess_targets(bind: Bind, programme: Programme, as_of: date | None = None,
                   config: AssessmentConfig | None = None, *, target_ids: Iterable[str] = (),
                   orgunit: str | None = None) -> list[TargetAssessment]:
    """Assess every target of ``programme`` (or those named) at ``as_of`` (default today)."""
    as_of = as_of or vietnam_today()
    config = config or DEFAULT_CONFIG
    wanted = set(target_ids)
    unknown = sorted(wanted - {t.id for t in programme.targets})
    if unknown:
        raise InputError(f"no such target: {', '.join(unknown)}")
    targets = [t for t in programme.targets
               if (not wanted or t.id in wanted) and (orgunit is None or t.orgunit == orgunit)]
    indicators = {ind.code: ind for ind in programme.indicators}
    found = target_candidates(bind, programme, ((t.indicator, t.orgunit) for t in targets))
    results = []
    for target in targets:
        indicator = indicators.get(target.indicator)
        if indicator is None:
            # The lint reports it as an error; one broken target must not blank the others.
            results.append(_undefined_indicator(target, as_of))
            continue
        series, description, alternatives = value_service.series_of(
            found.get((target.indicator, target.orgunit), []), indicator, target, as_of)
        results.append(assess_target(target, indicator, series, as_of, config,
                                     series_source=description, alternatives=alternatives))
    return results


def target_series(bind: Bind, programme: Programme, target: Target,
                  as_of: date | None = None) -> list[Any]:
    """The observed series the assessment of ``target`` uses."""
    indicator = next((i for i in programme.indicators if i.code == target.indicator), None)
    key = (target.indicator, target.orgunit)
    cands = target_candidates(bind, programme, [key]).get(key, [])
    return value_service.series_of(cands, indicator, target, as_of)[0]


def series_by_target(bind: Bind, programme: Programme, as_of: date | None = None,
                     target_ids: Iterable[str] = ()) -> dict[str, list[Any]]:
    """The observed series the assessment uses of each target (or of those named), read in
    one query."""
    wanted = set(target_ids)
    targets = [t for t in programme.targets if not wanted or t.id in wanted]
    indicators = {ind.code: ind for ind in programme.indicators}
    found = target_candidates(bind, programme, ((t.indicator, t.orgunit) for t in targets))
    return {t.id: value_service.series_of(found.get((t.indicator, t.orgunit), []),
                                          indicators.get(t.indicator), t, as_of)[0]
            for t in targets}


def _undefined_indicator(target: Target, as_of: date) -> TargetAssessment:
    return TargetAssessment(
        target_id=target.id, indicator=target.indicator, orgunit=target.orgunit,
        deadline=target.deadline, target_value=target.value, baseline=None,
        baseline_period=None, baseline_from="", latest=None, latest_period=None, projected=None,
        status=TargetStatus.INSUFFICIENT_DATA, method="none", title=target.title,
        components={"as_of": as_of.isoformat(),
                    "formula": f"indicator '{target.indicator}' is not defined in the programme"},
        notes=[f"indicator '{target.indicator}' is not defined in the programme"])


def plan_history(bind: Bind, programme: Programme, as_of: date | None = None
                 ) -> dict[tuple[str, str], list[tuple[str, float]]]:
    """Each target's observed series (as the assessment chooses it) from the periods over by
    ``as_of`` (default today: a year under way is not yet a year's pace), for the khả thi /
    đột phá lint."""
    as_of = as_of or vietnam_today()
    indicators = {ind.code: ind for ind in programme.indicators}
    found = target_candidates(bind, programme, ((t.indicator, t.orgunit)
                                                for t in programme.targets))
    history: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for target in programme.targets:
        key = (target.indicator, target.orgunit)
        indicator = indicators.get(target.indicator)
        if indicator is None or key in history:
            continue
        series = value_service.series_of(found.get(key, []), indicator, target, as_of)[0]
        history[key] = [(obs.period, obs.value) for obs in series]
    return history


# -- tasks -----------------------------------------------------------------------------------

def assess_tasks(bind: Bind, programme: Programme, as_of: date | None = None,
                 config: AssessmentConfig | None = None, *, lead: str | None = None,
                 progress: dict[str, TaskProgress] | None = None) -> list[TaskAssessment]:
    """The status of every task at ``as_of`` from its latest progress in the store."""
    as_of = as_of or vietnam_today()
    config = config or DEFAULT_CONFIG
    extensions: dict[str, date] = {}
    if bind is not None and values_repo.has_store(bind):
        with _task_session(bind) as session:
            if progress is None:
                progress = task_progress.progress_by_task(session, programme.code, as_of)
            extensions = task_workflow.granted_extensions(session, programme.code, as_of)
    progress = progress or {}
    return [assess_task(task, progress.get(task.id), as_of, config, extensions.get(task.id))
            for task in programme.tasks if lead is None or lead in task.lead]


class _task_session:
    """A session over ``bind`` for the task-progress service (the caller's, if it is one)."""

    def __init__(self, bind: Any) -> None:
        self.bind, self.own = bind, not isinstance(bind, Session)

    def __enter__(self) -> Session:
        self.session = Session(self.bind) if self.own else self.bind
        return self.session

    def __exit__(self, *exc: object) -> None:
        if self.own:
            self.session.close()


def accountability_rows(assessments: Iterable[TaskAssessment],
                        hierarchy: Hierarchy | None = None) -> list[dict[str, Any]]:
    """The "6 rõ" accountability table as rows: lead agency, its name, and the counts."""
    hierarchy = hierarchy or default_hierarchy()
    rows = []
    for lead, counts in accountability(assessments).items():
        name = hierarchy.get(lead).name if lead in hierarchy else lead
        rows.append({"lead": lead, "name": name, **counts})
    return rows


# -- rankings --------------------------------------------------------------------------------

RANK_LEVELS = (OrgUnitLevel.PROVINCE, OrgUnitLevel.MINISTRY)


def rank(bind: Bind, programme: Programme, indicator: str, period: str,
         level: str = "province", hierarchy: Hierarchy | None = None) -> list[RankRow]:
    """Rank the org units of ``level`` (province or ministry) active at the period's end on
    ``indicator`` for ``period`` — their standing values — with the change of rank since the
    previous period of the same type. Units without a value are listed last, unranked."""
    hierarchy = hierarchy or default_hierarchy()
    try:
        lvl = OrgUnitLevel(level)
    except ValueError:
        raise InputError(f"level must be province or ministry, not '{level}'") from None
    if lvl not in RANK_LEVELS:
        raise InputError(f"level must be province or ministry, not '{level}'")
    current = Period.parse(period)
    try:
        previous = current.previous()
    except ValueError:  # before year 1: no calendar to go back to
        raise PeriodError(f"'{period}' has no previous period to compare with") from None
    ind = next((i for i in programme.indicators if i.code == indicator), None)
    units = hierarchy.at_level(lvl, on=current.end)
    codes = [u.code for u in units]
    cells: dict[tuple[str, str], list[Candidate]] = {}
    in_store = bind is not None and values_repo.has_store(bind)
    if in_store:
        for cand in values_repo.candidates(bind, indicators=[indicator], orgunits=codes,
                                           periods=[current.id, previous.id]):
            cells.setdefault((cand.orgunit, cand.period), []).append(cand)
    if not (in_store and values_repo.has_seeds(bind, programme.code)):
        for cand in seed_candidates(programme):
            if (cand.indicator == indicator and cand.orgunit in codes and not cand.category
                    and cand.period in (current.id, previous.id)):
                cells.setdefault((cand.orgunit, cand.period), []).append(cand)
    values: dict[str, dict[str, float]] = {current.id: {}, previous.id: {}}
    for (unit, per), cands in cells.items():
        chosen = standing(cands)
        if chosen is not None and chosen.value is not None:
            values[per][unit] = float(chosen.value)
    if ind is None and not values[current.id] and not values[previous.id]:
        raise InputError(f"no such indicator: '{indicator}' is not in the programme and the "
                         f"store holds no {lvl} values of it for {current.id} or {previous.id}")
    sense = sense_of(Target(id="rank", indicator=indicator), ind)[0] if ind else 1
    return rank_units([(u.code, u.display_name) for u in units], values[current.id],
                      values[previous.id], sense)
