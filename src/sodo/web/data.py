"""What the pages read: the programme, the org-unit tree and computed values, cached per app.

Pages read the small ``indicator_value`` table and the programme, never raw records. Where a
service of the layer below exists (``sodo.services.value_query``,
``sodo.services.assess``) the pages call it; until it lands, the thin readers here stand in
for it so the pages can be built and tested.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from sodo.domain.orgunits import Hierarchy, OrgUnitLevel, default_hierarchy
from sodo.domain.periods import Period, PeriodError
from sodo.domain.programme import Indicator, Programme, Target, Task
from sodo.services.assess.service import (
    RankRow,
    assess_targets,
    assess_tasks,
    choose_series,
    competition_ranks,
    programme_values,
    rank,
    stored_values,
)
from sodo.services.assess.targets import STATUS_SEVERITY, Observation, TargetAssessment
from sodo.services.assess.tasks import TaskAssessment
from sodo.services.programme import LoadedProgramme, load_programme
from sodo.stores.operational.tables import compute_run, indicator_value, make_engine

# Origin preference when the same indicator × unit × period has several values.
ORIGIN_RANK = {"computed": 0, "reported": 1, "seed": 2}
SERVICE_INDEX_TOTAL = "svc766_total"
SERVICE_INDEX_GROUPS = ("svc766_g1", "svc766_g2", "svc766_g3", "svc766_g4", "svc766_g5")
# Worst first, as a steering committee reads them.
STATUS_ORDER = tuple(str(s) for s in sorted(STATUS_SEVERITY, key=STATUS_SEVERITY.get))
TASK_STATUS_ORDER = ("overdue", "due_soon", "in_progress", "recurring", "no_deadline",
                     "done_late", "done_on_time")


@lru_cache(maxsize=1)
def hierarchy() -> Hierarchy:
    return default_hierarchy()


@dataclass(frozen=True)
class Point:
    """One observed value of an indicator for a unit and period."""

    indicator: str
    orgunit: str
    period: str
    value: float | None
    origin: str = "seed"
    state: str = "approved"
    numerator: float | None = None
    denominator: float | None = None
    source: str = ""
    updated_at: datetime | None = None

    @property
    def period_obj(self) -> Period:
        return Period.parse(self.period)


@dataclass
class WebData:
    """The programme and store one app serves; the programme reloads when its files change."""

    programme_path: Path | None
    engine: Engine
    today_override: date | None = None
    _loaded: LoadedProgramme | None = None
    _stamp: tuple[float, ...] = ()
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _indicators: dict[str, Indicator] = field(default_factory=dict)
    # Summaries of the whole value table (periods held, freshness), kept until the store
    # changes: pages must not scan the table on every view.
    _summaries: dict[Any, Any] = field(default_factory=dict)
    _summaries_version: tuple[Any, ...] = ()

    @classmethod
    def create(cls, programme_path: str | Path | None, engine: Engine | str,
               today: date | None = None) -> WebData:
        if isinstance(engine, str):
            engine = make_engine(engine)
            # a bare store (tests of the pages alone): the two tables pages read
            compute_run.metadata.create_all(engine, tables=[compute_run, indicator_value])
        return cls(Path(programme_path) if programme_path else None, engine, today)

    # -- programme ------------------------------------------------------------------
    def _files_stamp(self) -> tuple[float, ...]:
        if self.programme_path is None or not self.programme_path.exists():
            return ()
        if self.programme_path.is_file():
            return (self.programme_path.stat().st_mtime,)
        return tuple(p.stat().st_mtime for p in sorted(self.programme_path.glob("*.y*ml")))

    def refresh(self) -> None:
        """Reload the programme if its files changed (called once per request, so a page
        sees one programme throughout)."""
        stamp = self._files_stamp()
        with self._lock:
            if self._loaded is None or stamp != self._stamp:
                self._loaded = load_programme(self.programme_path)
                self._stamp = stamp
                self._indicators = {i.code: i for i in self._loaded.programme.indicators}

    @property
    def loaded(self) -> LoadedProgramme:
        if self._loaded is None:
            self.refresh()
        assert self._loaded is not None
        return self._loaded

    @property
    def programme(self) -> Programme:
        return self.loaded.programme

    def store_version(self) -> tuple[Any, ...]:
        """Changes whenever values are added or recomputed: the newest value row and the
        newest computation run (both primary-key lookups, not scans)."""
        with self.engine.connect() as conn:
            return (conn.execute(select(func.max(indicator_value.c.id))).scalar(),
                    conn.execute(select(func.max(compute_run.c.id))).scalar(),
                    conn.execute(select(func.max(compute_run.c.finished_at))).scalar())

    def _cached(self, key: Any, build: Any) -> Any:
        version = self.store_version()
        with self._lock:
            if version != self._summaries_version:
                self._summaries = {}
                self._summaries_version = version
            if key in self._summaries:
                return self._summaries[key]
        value = build()
        with self._lock:
            if version == self._summaries_version:
                self._summaries[key] = value
        return value

    @property
    def today(self) -> date:
        return self.today_override or date.today()

    def indicator(self, code: str) -> Indicator | None:
        self.loaded  # noqa: B018  (loads the programme and its index on first use)
        return self._indicators.get(code)

    def target(self, target_id: str) -> Target | None:
        return next((t for t in self.programme.targets if t.id == target_id), None)

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.programme.tasks if t.id == task_id), None)

    # -- values -----------------------------------------------------------------------
    def values(self, indicators: list[str] | None = None, orgunits: list[str] | None = None,
               periods: list[str] | None = None) -> list[Point]:
        """Approved values of the store plus the programme's seed values, one per indicator ×
        unit × period (computed beats reported beats seed). Pages show approved values only:
        drafts live in the reporting pages of their own unit."""
        query = select(indicator_value).where(indicator_value.c.category == "",
                                              indicator_value.c.state == "approved")
        if indicators is not None:
            query = query.where(indicator_value.c.indicator.in_(indicators))
        if orgunits is not None:
            query = query.where(indicator_value.c.orgunit.in_(orgunits))
        if periods is not None:
            query = query.where(indicator_value.c.period.in_(periods))
        best: dict[tuple[str, str, str], Point] = {}

        def offer(point: Point) -> None:
            key = (point.indicator, point.orgunit, point.period)
            held = best.get(key)
            if held is None or ORIGIN_RANK.get(point.origin, 9) < ORIGIN_RANK.get(held.origin, 9):
                best[key] = point

        with self.engine.connect() as conn:
            for row in conn.execute(query).mappings():
                offer(Point(row["indicator"], row["orgunit"], row["period"], row["value"],
                            row["origin"], row["state"], row["numerator"], row["denominator"],
                            row["source"], row["updated_at"]))
        for v in self.programme.values:
            if v.category or (indicators is not None and v.indicator not in indicators):
                continue
            if orgunits is not None and v.orgunit not in orgunits:
                continue
            if periods is not None and v.period not in periods:
                continue
            offer(Point(v.indicator, v.orgunit, v.period, v.value, "seed", "approved",
                        v.numerator, v.denominator, v.source.document if v.source else ""))
        return sorted(best.values(), key=lambda p: (p.indicator, p.orgunit, p.period_obj))

    def value_periods(self, indicator: str) -> list[str]:
        """Periods holding values of ``indicator``, newest first."""
        return self._cached(("periods", indicator), lambda: self._value_periods(indicator))

    def _value_periods(self, indicator: str) -> list[str]:
        with self.engine.connect() as conn:
            found = {r[0] for r in conn.execute(
                select(indicator_value.c.period).where(indicator_value.c.indicator == indicator,
                                                       indicator_value.c.state == "approved")
                .distinct())}
        found |= {v.period for v in self.programme.values if v.indicator == indicator}
        return sorted(found, key=Period.parse, reverse=True)

    def indicators_with_values(self) -> list[str]:
        return self._cached("indicators", self._indicators_with_values)

    def _indicators_with_values(self) -> list[str]:
        with self.engine.connect() as conn:
            found = {r[0] for r in conn.execute(select(indicator_value.c.indicator).where(
                indicator_value.c.state == "approved").distinct())}
        return sorted(found | {v.indicator for v in self.programme.values})

    def last_run(self) -> dict[str, Any] | None:
        """The newest finished computation: when, on which engine, over how many records."""
        run = compute_run.c
        query = (select(run.id, run.finished_at, run.backend, run.record_count, run.value_count,
                        run.status, run.periods)
                 .where(run.finished_at.is_not(None)).order_by(run.finished_at.desc()).limit(1))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return dict(row) if row else None

    def freshness(self) -> list[dict[str, Any]]:
        return self._cached("freshness", self._freshness)

    def _freshness(self) -> list[dict[str, Any]]:
        """Per indicator and origin: the newest period, when it was last written, how many
        values. One grouped query; the newest period of each period type is its greatest id
        (ids of one type sort in time order), and the types are compared by their end."""
        iv = indicator_value.c
        query = (select(iv.indicator, iv.origin, iv.period_type,
                        func.max(iv.period).label("latest_period"),
                        func.max(iv.updated_at).label("updated_at"),
                        func.count().label("rows"))
                 .where(iv.state == "approved")
                 .group_by(iv.indicator, iv.origin, iv.period_type))
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query).mappings():
                key = (row["indicator"], row["origin"])
                held = merged.get(key)
                if held is None:
                    merged[key] = {"indicator": row["indicator"], "origin": row["origin"],
                                   "updated_at": row["updated_at"], "rows": row["rows"],
                                   "latest_period": row["latest_period"]}
                    continue
                held["rows"] += row["rows"]
                if row["updated_at"] and (held["updated_at"] is None
                                          or row["updated_at"] > held["updated_at"]):
                    held["updated_at"] = row["updated_at"]
                if _newest_first(row["latest_period"]) < _newest_first(held["latest_period"]):
                    held["latest_period"] = row["latest_period"]
        return [merged[k] for k in sorted(merged)]


def _newest_first(period_id: str) -> tuple[Any, ...]:
    """Sort key: the period that starts latest first, the finer of two that start together
    (October 2026 before Q4 2026 and the second half of 2026: it is what the data reached)."""
    period = Period.parse(period_id)
    return (-period.start.toordinal(), period.end.toordinal())


# -- assessment, through the assessment service ------------------------------------------

def target_assessments(data: WebData) -> dict[str, TargetAssessment]:
    """Every target's assessment at the app's date, keyed by target id."""
    return {a.target_id: a for a in assess_targets(data.engine, data.programme,
                                                   as_of=data.today)}


def target_series(data: WebData, target: Target) -> list[Observation]:
    """The observed series the assessment used for ``target`` (same choice rules)."""
    indicator = data.indicator(target.indicator)
    if indicator is None:
        return []
    key = (target.indicator, target.orgunit)
    candidates = programme_values(data.programme).get(key, []) + stored_values(
        data.engine, [key]).get(key, [])
    series, _description, _alternatives = choose_series(indicator, target, candidates)
    return series


def task_assessments(data: WebData) -> dict[str, TaskAssessment]:
    return {a.task_id: a for a in assess_tasks(data.engine, data.programme, as_of=data.today)}


def ranking(data: WebData, indicator: str, period: str, level: str) -> list[RankRow]:
    """Units of ``level`` ranked on ``indicator`` in ``period`` with the change of rank, by the
    assessment service; an indicator the programme does not define (e.g. the 766 index kept in
    its own configuration) is ranked here from the store with the same competition ranking."""
    if data.indicator(indicator) is not None:
        return rank(data.engine, data.programme, indicator, period, level, hierarchy())
    current = Period.parse(period)
    previous = current.previous().id
    units = hierarchy().at_level(OrgUnitLevel(level), on=current.end)
    codes = [u.code for u in units]
    values = {(p.orgunit, p.period): p.value
              for p in data.values([indicator], codes, [current.id, previous])}
    now = {c: v for c in codes if (v := values.get((c, current.id))) is not None}
    before = {c: v for c in codes if (v := values.get((c, previous))) is not None}
    now_ranks, before_ranks = competition_ranks(now, 1), competition_ranks(before, 1)
    rows = []
    for unit in units:
        r, b = now_ranks.get(unit.code), before_ranks.get(unit.code)
        rows.append(RankRow(r, unit.code, unit.name, now.get(unit.code), b,
                            before.get(unit.code), b - r if r and b else None))
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.orgunit))
    return rows


def period_or_none(text: str | None) -> Period | None:
    if not text:
        return None
    try:
        return Period.parse(text)
    except PeriodError:
        return None


def period_end_date(period_id: str) -> date:
    return Period.parse(period_id).end


def level_units(level: str, on: date) -> list[Any]:
    return hierarchy().at_level(OrgUnitLevel(level), on=on)
