"""Which value stands: the one rule for indicator values when several sources give one.

An indicator × org unit × period × category may hold several values: computed from raw records
(origin ``computed``), reported by an agency and approved (``reported``), or quoted from a
document of the programme (``seed``) — sometimes two documents for one figure. Every page, API
route, CLI command, the assessment and the reports decide with the functions here, so they
cannot disagree.

**The standing value of a cell** (:func:`standing`), among its candidates:

1. only approved values stand (drafts and submitted reports live in the reporting pages of
   their own unit; they never reach a page, an export or an assessment);
2. origin: ``computed`` (measured from the records) beats ``reported`` (an agency's approved
   figure) beats ``seed`` (a document's figure). Agreement between computed and reported
   figures is a data-quality question (Đồng bộ), not settled by which came last;
3. recency within an origin: the value established last (the compute run, the approval, the
   document's date of issue);
4. provenance, to break what is left: a figure not marked as an estimate beats an estimate,
   then the source name, so the choice never depends on storage order.

**The series of an indicator for one unit** (:func:`choose_series`) takes the standing value
of each period whose end has passed and that is complete (a quarter or year computed from only
some of its months is *provisional* and takes no part). Periods of several types (months,
quarters, years) form separate series; the one assessed is the series reaching furthest (then
with most points; then the coarsest, whose figures are the official ones). For an indicator
that sums over time only the target deadline's period type is comparable. The **latest value**
is the last point of that series — on every page, in the API and in the assessment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sodo.domain.periods import Period, PeriodType

COMPUTED, REPORTED, SEED = "computed", "reported", "seed"
ORIGINS = (COMPUTED, REPORTED, SEED)
ORIGIN_PRECEDENCE = {COMPUTED: 3, REPORTED: 2, SEED: 1}
APPROVED = "approved"
NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # recency of a figure whose date is unknown
_TYPE_RANK = {t: i for i, t in enumerate(PeriodType)}


class Candidate(NamedTuple):
    """One value offered for one cell, with where it came from and when it was established.
    (A named tuple: an assessment reads hundreds of thousands.)"""

    indicator: str
    orgunit: str
    period: str
    value: float | None
    origin: str
    recency: datetime
    source: str = ""
    state: str = APPROVED
    category: str = ""
    numerator: float | None = None
    denominator: float | None = None
    provisional: bool = False
    estimate: bool = False
    derived: bool = False
    note: str = ""

    @property
    def cell(self) -> tuple[str, str, str, str]:
        return (self.indicator, self.orgunit, self.period, self.category)

    @property
    def label(self) -> str:
        """Where the value comes from, as the assessment's components name it."""
        text = f"{self.origin}: {self.source}" if self.source else self.origin
        return text + (" (ước tính)" if self.estimate else "")


class Observation(NamedTuple):
    """One observed value of the series being assessed (a named tuple: series are long)."""

    period: str
    value: float
    source: str = ""


def standing_key(candidate: Candidate) -> tuple[Any, ...]:
    """The order of :func:`standing`: the greatest key stands (rules 1–4 of the module)."""
    return (candidate.state == APPROVED, ORIGIN_PRECEDENCE.get(candidate.origin, 0),
            candidate.recency, not candidate.estimate, candidate.source)


def standing(candidates: Iterable[Candidate]) -> Candidate | None:
    """The value that stands among the candidates of one cell; None if none is approved."""
    best: Candidate | None = None
    best_key: tuple[Any, ...] | None = None
    for cand in candidates:
        if cand.state != APPROVED:
            continue
        key = standing_key(cand)
        if best_key is None or key > best_key:
            best, best_key = cand, key
    return best


def standing_by_cell(candidates: Iterable[Candidate]
                     ) -> dict[tuple[str, str, str, str], Candidate]:
    """The standing value of every cell the candidates cover."""
    grouped: dict[tuple[str, str, str, str], list[Candidate]] = {}
    for cand in candidates:
        grouped.setdefault(cand.cell, []).append(cand)
    out = {}
    for cell, cands in grouped.items():
        chosen = cands[0] if len(cands) == 1 and cands[0].state == APPROVED else standing(cands)
        if chosen is not None:
            out[cell] = chosen
    return out


def disagreements(candidates: Iterable[Candidate]) -> list[dict[str, Any]]:
    """Approved values that lost to the standing value of their cell with a different
    figure: what the data-quality view and the assessment's components show as conflicts."""
    grouped: dict[tuple[str, str, str, str], list[Candidate]] = {}
    for cand in candidates:
        if cand.state == APPROVED:
            grouped.setdefault(cand.cell, []).append(cand)
    out = []
    for cands in grouped.values():
        if len(cands) < 2:
            continue
        winner = standing(cands)
        assert winner is not None
        for cand in cands:
            if cand is not winner and cand.value != winner.value:
                out.append({"period": cand.period, "orgunit": cand.orgunit,
                            "value": cand.value, "source": cand.label, "used": winner.value,
                            "used_source": winner.label})
    return out


# -- periods -------------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def period_info(period_id: str) -> tuple[date, str]:
    """The last day and the type of a period (cached: series repeat the same ids)."""
    period = Period.parse(period_id)
    return period.end, period.type.value


def observable(candidate: Candidate, as_of: date | None) -> bool:
    """A value is observed once its period has ended by ``as_of`` and it is complete."""
    if candidate.provisional:
        return False
    return as_of is None or period_info(candidate.period)[0] <= as_of


# -- series and the latest value -----------------------------------------------------------

def choose_series(candidates: Sequence[Candidate], *, sums_over_time: bool = False,
                  deadline_type: str | None = None, as_of: date | None = None,
                  ) -> tuple[list[Observation], str, list[dict[str, Any]]]:
    """The series of one indicator for one unit out of every candidate value (rules in the
    module doc). Returns the observations, a description of the chosen series and the
    alternatives (other period types, values that lost their cell, what was left out).

    ``sums_over_time`` with a ``deadline_type``: only values of that period type count (a sum
    over a month is not comparable with a yearly target)."""
    only_type = deadline_type if sums_over_time and deadline_type else None
    by_type: dict[str, dict[str, list[Candidate]]] = {}
    not_comparable: set[str] = set()
    provisional: set[str] = set()
    for cand in candidates:
        if cand.value is None or cand.state != APPROVED:
            continue
        end, ptype = period_info(cand.period)
        if as_of is not None and end > as_of:
            continue
        if cand.provisional:
            provisional.add(cand.period)
            continue
        if only_type and ptype != only_type:
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
    skipped: list[dict[str, Any]] = []
    if not_comparable:
        skipped.append({"period_types": sorted(not_comparable), "reason": "a sum over a "
                        "shorter period is not comparable with the target"})
    if provisional:
        skipped.append({"provisional_periods": sorted(provisional), "reason": "provisional: "
                        "the period's data is not complete yet"})
    if not by_type:
        return [], "", skipped

    summaries = []
    for ptype, periods in by_type.items():
        # Ids of one period type sort in time order as plain text (2025-09 < 2025-10).
        ordered = [periods[p][0] if len(periods[p]) == 1 else standing(periods[p])
                   for p in sorted(periods)]
        summaries.append((ptype, ordered, periods))
    summaries.sort(key=lambda s: (period_info(s[1][-1].period)[0], len(s[1]),
                                  _TYPE_RANK[PeriodType(s[0])]), reverse=True)
    ptype, ordered, periods = summaries[0]
    labels = {(v.origin, v.source, v.estimate): v.label for v in ordered}  # few sources
    description = f"{ptype}: {', '.join(sorted(set(labels.values())))}"
    alternatives: list[dict[str, Any]] = []
    for other_type, other, _ in summaries[1:]:
        alternatives.append({"period_type": other_type, "points": len(other),
                             "latest_period": other[-1].period, "latest": other[-1].value,
                             "sources": sorted({v.label for v in other})})
    conflicts = disagreements(c for cands in periods.values() for c in cands)
    if conflicts:
        alternatives.append({"disagreements": [{k: v for k, v in d.items() if k != "orgunit"}
                                               for d in conflicts]})
    alternatives.extend(skipped)
    make = tuple.__new__
    series = [make(Observation, (v.period, v.value, labels[(v.origin, v.source, v.estimate)]))
              for v in ordered]
    return series, description, alternatives


def latest(candidates: Sequence[Candidate], *, sums_over_time: bool = False,
           deadline_type: str | None = None, as_of: date | None = None) -> Candidate | None:
    """The latest value: the standing value of the last point of :func:`choose_series`."""
    series, _, _ = choose_series(candidates, sums_over_time=sums_over_time,
                                 deadline_type=deadline_type, as_of=as_of)
    if not series:
        return None
    last = series[-1].period
    return standing(c for c in candidates if c.period == last and c.value is not None)


def latest_period(periods: Iterable[tuple[str, bool]], as_of: date) -> str | None:
    """The period a view of many units shows by default: of the ``(period, provisional)``
    pairs that hold values, the newest complete one ended by ``as_of`` (by the order of
    :func:`choose_series`: latest end, then the coarsest type); else the newest of any."""
    items = list(periods)
    if not items:
        return None

    def order(item: tuple[str, bool]) -> tuple[Any, ...]:
        end, ptype = period_info(item[0])
        return (end, _TYPE_RANK[PeriodType(ptype)])

    complete = [p for p in items if not p[1] and period_info(p[0])[0] <= as_of]
    pool = complete or items
    return max(pool, key=order)[0]


def seed_candidates(programme: Any) -> list[Candidate]:
    """The figures a programme's documents give (its ``values``), as candidates: recency is
    the document's date of issue."""
    out = []
    for v in programme.values:
        issued = v.source.issued if v.source else None
        recency = (datetime(issued.year, issued.month, issued.day, tzinfo=UTC) if issued
                   else NEVER)
        out.append(Candidate(v.indicator, v.orgunit, v.period, v.value, SEED, recency,
                             v.source.document if v.source else programme.code, APPROVED,
                             v.category, v.numerator, v.denominator, False, v.estimate,
                             bool(getattr(v, "derived", False)), v.note))
    return out
