"""Gather what the assessment needs and run it: observed series per target, task progress,
rankings of provinces and ministries.

Series come from two places: the programme's own ``values`` (figures the source documents
report, origin ``seed``) and the operational store's ``indicator_value`` rows (origin
``computed`` or ``reported``; only ``approved`` values, only the total category ``''``).

Choosing one series per target when sources disagree:

1. keep only period types comparable with the target: for an indicator that sums over time
   (a flow such as a count of transactions) only values of the deadline's period type; for a
   level or ratio any period type;
2. within a period type, each period takes the value of the most recent source (the latest
   ``updated_at`` of a stored value, the ``issued`` date of a seed's document; ties go to
   computed, then reported, then seed);
3. the period type whose series reaches furthest (then has most points; then the coarsest,
   whose values are the official ones) is assessed; the others, and every value that lost to a
   more recent source, are listed in the components as ``other_series`` and ``disagreements``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import (
    Engine,
    MetaData,
    String,
    Table,
    and_,
    inspect,
    select,
    type_coerce,
)

from sodo.domain.orgunits import Hierarchy, OrgUnitLevel, default_hierarchy
from sodo.domain.periods import Period, PeriodError, PeriodType
from sodo.domain.problems import InputError
from sodo.domain.programme import Aggregation, Indicator, Programme, Target
from sodo.services.assess.config import AssessmentConfig, load_config
from sodo.services.assess.targets import (
    Observation,
    TargetAssessment,
    TargetStatus,
    assess_target,
    period_end,
    sense_of,
)
from sodo.services.assess.tasks import (
    TaskAssessment,
    TaskProgress,
    accountability,
    assess_task,
)
from sodo.services.workspace import Workspace
from sodo.stores.operational.tables import indicator_value, make_engine

# Vietnam keeps UTC+7 all year: a task update stamped 23:30 UTC on 31/01 was made on 01/02.
VIETNAM = timezone(timedelta(hours=7))
ORIGIN_PRIORITY = {"computed": 3, "reported": 2, "seed": 1}
_TYPE_RANK = {t: i for i, t in enumerate(PeriodType)}

StoreSource = Workspace | Engine | str | Path | None


class SourcedValue(NamedTuple):
    """One candidate value for one period, with where it came from and how recent it is.
    (A named tuple: hundreds of thousands are made per assessment.)"""

    period: str
    value: float
    origin: str
    source: str
    recency: datetime

    @property
    def period_type(self) -> str:
        return period_type_of(self.period)

    @property
    def label(self) -> str:
        return f"{self.origin}: {self.source}" if self.source else self.origin


@lru_cache(maxsize=65536)
def period_type_of(period_id: str) -> str:
    return Period.parse(period_id).type.value


@lru_cache(maxsize=65536)
def _period_info(period_id: str) -> tuple[date, str]:
    period = Period.parse(period_id)
    return period.end, period.type.value


def engine_of(source: StoreSource) -> Engine | None:
    """An engine for the operational store named by ``source`` (a workspace, an engine, a URL
    or a SQLite file), or None when there is none."""
    if source is None:
        return None
    if isinstance(source, Engine):
        return source
    if isinstance(source, Workspace):
        return make_engine(source.database_url)
    text = str(source)
    if "://" in text:
        return make_engine(text)
    return make_engine(f"sqlite:///{Path(text).resolve().as_posix()}")


def _has_table(engine: Engine, name: str) -> bool:
    return inspect(engine).has_table(name)


# ---------------------------------------------------------------------------------------------
# Series
# ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _recency(raw: datetime | str | None) -> datetime:
    """A stored ``updated_at`` as an aware datetime. Read raw (SQLite gives text) and cached:
    a compute run stamps thousands of values with the same moment."""
    if isinstance(raw, str):
        try:
            raw = datetime.fromisoformat(raw)
        except ValueError:
            return datetime.min.replace(tzinfo=UTC)
    return _aware(raw)


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def programme_values(programme: Programme) -> dict[tuple[str, str], list[SourcedValue]]:
    """The programme's own figures (origin ``seed``) by (indicator, org unit)."""
    out: dict[tuple[str, str], list[SourcedValue]] = defaultdict(list)
    for value in programme.values:
        if value.category:
            continue
        issued = value.source.issued if value.source else None
        recency = (datetime(issued.year, issued.month, issued.day, tzinfo=UTC) if issued
                   else datetime.min.replace(tzinfo=UTC))
        label = value.source.document if value.source else "programme"
        if value.estimate:
            label += " (ước tính)"
        out[(value.indicator, value.orgunit)].append(
            SourcedValue(value.period, value.value, "seed", label, recency))
    return out


def stored_values(engine: Engine | None, pairs: Iterable[tuple[str, str]]
                  ) -> dict[tuple[str, str], list[SourcedValue]]:
    """Approved total values of the operational store for the (indicator, org unit) pairs."""
    out: dict[tuple[str, str], list[SourcedValue]] = defaultdict(list)
    wanted = set(pairs)
    if engine is None or not wanted or not _has_table(engine, "indicator_value"):
        return out
    iv = indicator_value.c
    units = sorted({unit for _, unit in wanted})
    make = tuple.__new__  # builds the named tuple in C: hundreds of thousands of rows
    moments: dict[Any, datetime] = {}  # a compute run stamps thousands of values alike
    with engine.connect() as conn:
        # By org unit (indexed), in chunks that keep the IN list within what every database
        # accepts; the indicators are narrowed in SQL and the exact pairs here.
        for start in range(0, len(units), 500):
            chunk = set(units[start:start + 500])
            codes = sorted({ind for ind, unit in wanted if unit in chunk})
            query = select(iv.indicator, iv.orgunit, iv.period, iv.value, iv.origin, iv.source,
                           iv.run_id, type_coerce(iv.updated_at, String)).where(
                and_(iv.orgunit.in_(sorted(chunk)), iv.indicator.in_(codes),
                     iv.category == "", iv.state == "approved", iv.value.is_not(None)))
            # The driver's own rows: SQLAlchemy's per-row processing costs more than the query
            # at this size (600,000 values: seconds), and these columns need none of it.
            result = conn.execute(query)
            raw_rows = result.cursor.fetchall() if result.cursor is not None else []
            result.close()
            for ind, unit, period, value, origin, source, run_id, updated_at in raw_rows:
                key = (ind, unit)
                if key not in wanted:
                    continue
                moment = moments.get(updated_at)
                if moment is None:
                    moment = moments[updated_at] = _recency(updated_at)
                if not source and run_id:
                    source = f"run {run_id}"
                out[key].append(make(SourcedValue, (period, value, origin, source, moment)))
    return out


def choose_series(indicator: Indicator, target: Target, candidates: list[SourcedValue],
                  as_of: date | None = None,
                  ) -> tuple[list[Observation], str, list[dict[str, Any]]]:
    """One series for the target out of every candidate value (rules in the module doc).
    Returns the observations, a description of the chosen series and the alternatives.
    With ``as_of``, values of periods not ended by then take no part in the choice (a quarter
    under way must not beat the months already over)."""
    deadline_type = period_type_of(target.deadline) if target.deadline else None
    only_deadline_type = indicator.aggregation_time is Aggregation.SUM and deadline_type
    # period type → period id → candidates; one cached lookup per candidate (series are long).
    by_type: dict[str, dict[str, list[SourcedValue]]] = {}
    not_comparable: set[str] = set()
    for cand in candidates:
        end, ptype = _period_info(cand.period)
        if as_of is not None and end > as_of:
            continue
        if only_deadline_type and ptype != deadline_type:
            not_comparable.add(ptype)
            continue
        periods = by_type.get(ptype)
        if periods is None:
            periods = by_type[ptype] = {}
        slot = periods.get(cand.period)
        if slot is None:
            periods[cand.period] = [cand]
        else:
            slot.append(cand)
    skipped = [{"period_types": sorted(not_comparable), "reason": "a sum over a shorter "
                "period is not comparable with the target"}] if not_comparable else []
    if not by_type:
        return [], "", skipped

    def best(values: list[SourcedValue]) -> SourcedValue:
        if len(values) == 1:
            return values[0]
        return max(values, key=lambda v: (v.recency, ORIGIN_PRIORITY.get(v.origin, 0)))

    summaries = []
    for ptype, periods in by_type.items():
        # Ids of one period type sort in time order as plain text (2025-09 < 2025-10).
        ordered = [best(periods[p]) for p in sorted(periods)]
        summaries.append((ptype, ordered, periods))
    summaries.sort(key=lambda s: (period_end(s[1][-1].period)[0], len(s[1]),
                                  _TYPE_RANK[PeriodType(s[0])]), reverse=True)
    ptype, ordered, periods = summaries[0]
    labels = {(v.origin, v.source): v.label for v in ordered}  # few distinct sources
    sources = sorted(set(labels.values()))
    description = f"{ptype}: {', '.join(sources)}"
    alternatives: list[dict[str, Any]] = []
    for other_type, other, _ in summaries[1:]:
        alternatives.append({"period_type": other_type, "points": len(other),
                             "latest_period": other[-1].period, "latest": other[-1].value,
                             "sources": sorted({f"{o}: {src}" if src else o
                                                for o, src in {(v.origin, v.source)
                                                               for v in other}})})
    disagreements = []
    for period, vals in periods.items():
        if len(vals) == 1:
            continue
        winner = best(vals)
        for val in vals:
            if val is not winner and val.value != winner.value:
                disagreements.append({"period": period, "value": val.value,
                                      "source": val.label, "used": winner.value,
                                      "used_source": winner.label})
    if disagreements:
        alternatives.append({"disagreements": disagreements})
    alternatives.extend(skipped)
    make = tuple.__new__
    series = [make(Observation, (v.period, v.value, labels[(v.origin, v.source)]))
              for v in ordered]
    return series, description, alternatives


# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------

def _config_for(source: StoreSource, config: AssessmentConfig | None) -> AssessmentConfig:
    if config is not None:
        return config
    if isinstance(source, Workspace):
        return load_config(source.root)
    return AssessmentConfig()


def assess_targets(source: StoreSource, programme: Programme, as_of: date | None = None,
                   config: AssessmentConfig | None = None, *, target_ids: Iterable[str] = (),
                   orgunit: str | None = None) -> list[TargetAssessment]:
    """Assess every target of ``programme`` (or those named) at ``as_of`` (default today)
    against the programme's own values and the store's approved values."""
    as_of = as_of or date.today()
    config = _config_for(source, config)
    wanted = set(target_ids)
    known = {t.id for t in programme.targets}
    unknown = sorted(wanted - known)
    if unknown:
        raise InputError(f"no such target: {', '.join(unknown)}")
    targets = [t for t in programme.targets
               if (not wanted or t.id in wanted) and (orgunit is None or t.orgunit == orgunit)]
    indicators = {ind.code: ind for ind in programme.indicators}
    seeds = programme_values(programme)
    stored = stored_values(engine_of(source), ((t.indicator, t.orgunit) for t in targets))
    results = []
    for target in targets:
        indicator = indicators.get(target.indicator)
        if indicator is None:
            # The lint reports it as an error; one broken target must not blank the others.
            results.append(_undefined_indicator(target, as_of))
            continue
        key = (target.indicator, target.orgunit)
        series, description, alternatives = choose_series(
            indicator, target, seeds.get(key, []) + stored.get(key, []), as_of)
        results.append(assess_target(target, indicator, series, as_of, config,
                                     series_source=description, alternatives=alternatives))
    return results


def _undefined_indicator(target: Target, as_of: date) -> TargetAssessment:
    return TargetAssessment(
        target_id=target.id, indicator=target.indicator, orgunit=target.orgunit,
        deadline=target.deadline, target_value=target.value, baseline=None,
        baseline_period=None, baseline_from="", latest=None, latest_period=None, projected=None,
        status=TargetStatus.INSUFFICIENT_DATA, method="none", title=target.title,
        components={"as_of": as_of.isoformat(),
                    "formula": f"indicator '{target.indicator}' is not defined in the programme"},
        notes=[f"indicator '{target.indicator}' is not defined in the programme"])


# ---------------------------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------------------------

def _local_date(moment: datetime | date | None) -> date | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return _aware(moment).astimezone(VIETNAM).date()
    return moment


def task_progress(source: StoreSource, programme_code: str = "",
                  as_of: date | None = None) -> dict[str, TaskProgress]:
    """The latest progress of each task from the store's ``task_update`` history (if the table
    exists), as known at ``as_of``. A task's done date is the first update of the run of
    ``done`` updates it ends with (reopened tasks are not done)."""
    engine = engine_of(source)
    if engine is None or not _has_table(engine, "task_update"):
        return {}
    table = Table("task_update", MetaData(), autoload_with=engine)
    cols = table.c
    query = select(table)
    if programme_code and "programme" in cols:
        query = query.where(cols.programme.in_([programme_code, ""]))
    query = query.order_by(cols.task, cols.at, cols.id)
    history: dict[str, list[Any]] = defaultdict(list)
    with engine.connect() as conn:
        for row in conn.execute(query):
            day = _local_date(row.at)
            if as_of is not None and day is not None and day > as_of:
                continue
            history[row.task].append(row)
    progress: dict[str, TaskProgress] = {}
    for task_id, rows in history.items():
        last = rows[-1]
        done_on = None
        if str(last.status).lower() == "done":
            first_done = last
            for row in reversed(rows):
                if str(row.status).lower() != "done":
                    break
                first_done = row
            done_on = _local_date(first_done.at)
        progress[task_id] = TaskProgress(
            status=str(last.status), percent=last.percent, done_on=done_on,
            updated_on=_local_date(last.at), note=last.note or "")
    return progress


def assess_tasks(source: StoreSource, programme: Programme, as_of: date | None = None,
                 config: AssessmentConfig | None = None, *, lead: str | None = None,
                 progress: dict[str, TaskProgress] | None = None) -> list[TaskAssessment]:
    """The status of every task at ``as_of`` from its latest progress in the store."""
    as_of = as_of or date.today()
    config = _config_for(source, config)
    if progress is None:
        progress = task_progress(source, programme.code, as_of)
    out = []
    for task in programme.tasks:
        if lead is not None and lead not in task.lead:
            continue
        out.append(assess_task(task, progress.get(task.id), as_of, config))
    return out


def accountability_rows(assessments: Iterable[TaskAssessment],
                        hierarchy: Hierarchy | None = None) -> list[dict[str, Any]]:
    """The "6 rõ" accountability table as rows: lead agency, its name, and the counts."""
    hierarchy = hierarchy or default_hierarchy()
    rows = []
    for lead, counts in accountability(assessments).items():
        name = hierarchy.get(lead).name if lead in hierarchy else lead
        rows.append({"lead": lead, "name": name, **counts})
    return rows


# ---------------------------------------------------------------------------------------------
# Rankings
# ---------------------------------------------------------------------------------------------

@dataclass
class RankRow:
    rank: int | None
    orgunit: str
    name: str
    value: float | None
    previous_rank: int | None
    previous_value: float | None
    change: int | None  # positive: moved up (better rank than in the previous period)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def competition_ranks(values: dict[str, float], sense: int) -> dict[str, int]:
    """Standard competition ranking ("1224"): equal values share a rank and the next rank
    skips. ``sense`` +1 ranks the highest value first, −1 the lowest."""
    ordered = sorted(values.items(), key=lambda kv: (-sense * kv[1], kv[0]))
    ranks: dict[str, int] = {}
    previous_value: float | None = None
    previous_rank = 0
    for position, (code, value) in enumerate(ordered, start=1):
        if previous_value is None or value != previous_value:
            previous_rank = position
        ranks[code] = previous_rank
        previous_value = value
    return ranks


def _level_values(engine: Engine | None, seeds: dict[tuple[str, str], list[SourcedValue]],
                  indicator: str, period: str, codes: list[str]) -> dict[str, float]:
    candidates: dict[str, list[SourcedValue]] = defaultdict(list)
    for code in codes:
        for cand in seeds.get((indicator, code), []):
            if cand.period == period:
                candidates[code].append(cand)
    if engine is not None and _has_table(engine, "indicator_value"):
        iv = indicator_value.c
        query = select(iv.orgunit, iv.value, iv.origin, iv.source, iv.updated_at).where(
            and_(iv.indicator == indicator, iv.period == period, iv.category == "",
                 iv.state == "approved", iv.value.is_not(None), iv.orgunit.in_(codes)))
        with engine.connect() as conn:
            for row in conn.execute(query):
                candidates[row.orgunit].append(SourcedValue(
                    period, float(row.value), row.origin, row.source or "",
                    _aware(row.updated_at)))
    return {code: max(vals, key=lambda v: (v.recency, ORIGIN_PRIORITY.get(v.origin, 0))).value
            for code, vals in candidates.items() if vals}


def rank(source: StoreSource, programme: Programme, indicator: str, period: str,
         level: str = "province", hierarchy: Hierarchy | None = None) -> list[RankRow]:
    """Rank the org units of ``level`` (province or ministry) active at the period's end on
    ``indicator`` for ``period``, with the change of rank since the previous period of the same
    type. Units without a value are listed last, unranked. An indicator the programme does not
    define (the 766 index total, say) is ranked from the store, higher is better."""
    hierarchy = hierarchy or default_hierarchy()
    try:
        ind: Indicator | None = programme.indicator(indicator)
    except KeyError:
        # Not a programme indicator (e.g. the 766 service index, computed from its own
        # configuration): ranked from stored values, higher is better.
        ind = None
    try:
        lvl = OrgUnitLevel(level)
    except ValueError:
        raise InputError(f"level must be province or ministry, not '{level}'") from None
    if lvl not in (OrgUnitLevel.PROVINCE, OrgUnitLevel.MINISTRY):
        raise InputError(f"level must be province or ministry, not '{level}'")
    current = Period.parse(period)
    try:
        previous = current.previous()
    except ValueError:  # before year 1: no calendar to go back to
        raise PeriodError(f"'{period}' has no previous period to compare with") from None
    units = hierarchy.at_level(lvl, on=current.end)
    codes = [u.code for u in units]
    names = {u.code: u.name for u in units}
    engine = engine_of(source)
    seeds = programme_values(programme)
    sense = sense_of(Target(id="rank", indicator=indicator), ind)[0] if ind else 1
    now_values = _level_values(engine, seeds, indicator, current.id, codes)
    before_values = _level_values(engine, seeds, indicator, previous.id, codes)
    if ind is None and not now_values and not before_values:
        raise InputError(f"no such indicator: '{indicator}' is not in the programme and the "
                         f"store holds no {lvl} values of it for {current.id} or {previous.id}")
    now_ranks = competition_ranks(now_values, sense)
    before_ranks = competition_ranks(before_values, sense)
    rows = []
    for code in codes:
        now_rank, before_rank = now_ranks.get(code), before_ranks.get(code)
        change = before_rank - now_rank if now_rank and before_rank else None
        rows.append(RankRow(now_rank, code, names[code], now_values.get(code), before_rank,
                            before_values.get(code), change))
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.orgunit))
    return rows
