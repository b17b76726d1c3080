"""Indicator values as every interface reads them: the standing value of each cell (by the one
rule of :mod:`sodo.domain.values`), series and latest values, and DHIS2-style queries — ``dx``
(indicators), ``pe`` (periods) and ``ou`` (org units), each a ``;``-separated list.

- ``pe``: period ids (``2025``, ``2025Q4``, ``2025-11``…) or relative ones: ``THIS_YEAR``,
  ``LAST_YEAR``, ``LAST_<n>_MONTHS``, ``LAST_<n>_QUARTERS``, ``LAST_<n>_YEARS``.
- ``ou``: org-unit codes (or names, diacritics optional), plus selectors ``LEVEL-<level>`` (nation, ministry, province,
  commune) and ``CHILDREN-<code>``. As in DHIS2, when selectors are given the plain codes are
  boundaries: ``VN;LEVEL-province`` means the provinces under VN, not VN itself.

Only approved values stand, so the public and every signed-in user read the same figures;
drafts stay in the reporting pages of their unit. ``all_origins`` lists every approved
candidate of a cell (computed, reported and document figures side by side) for analysts.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session

from sodo.domain.orgunits import NATION_CODE, OrgUnitError, OrgUnitLevel, default_hierarchy
from sodo.domain.periods import Period, PeriodError, PeriodType, vietnam_today
from sodo.domain.permissions import Action, Actor, in_subtree, require
from sodo.domain.problems import InputError, Problem
from sodo.domain.programme import Aggregation, Indicator, Target
from sodo.domain.values import Candidate, choose_series, latest, standing
from sodo.stores.operational import values as repo

if TYPE_CHECKING:
    from sodo.services.context import AppContext

T = TypeVar("T")

MAX_ITEMS = 1000  # items per dimension; a query listing more is refused (422), not truncated
MAX_NAME_SEARCHES = 10  # ou items that are neither a code nor an exact name: fuzzy searches
LOOKUP_BUDGET_S = 1.0  # seconds of org-unit look-up work one query may spend
MAX_PROBLEMS = 20  # problems listed in a refusal (the summary counts all of them)
CACHED_QUERIES = 64  # answers to distinct value queries a process keeps per store version
CACHED_BYTES = 512 * 1024  # a larger encoded answer is not kept
COLUMNS = ("indicator", "orgunit", "period", "category", "value", "numerator", "denominator",
           "origin", "state", "provisional", "estimate", "source")
_RELATIVE = re.compile(r"^LAST_(\d{1,3})_(MONTHS|QUARTERS|YEARS)$")


def _split(text: str, name: str) -> list[str]:
    items = [p.strip() for p in (text or "").split(";") if p.strip()]
    if not items:
        raise InputError(f"'{name}' is empty; give one or more items separated by ';'",
                         [Problem(f"'{name}' is empty", column=name, rule="required")])
    if len(items) > MAX_ITEMS:
        raise InputError(f"'{name}' lists {len(items)} items; at most {MAX_ITEMS} per query "
                         "(split the query)",
                         [Problem(f"'{name}' lists {len(items)} items; at most {MAX_ITEMS}",
                                  column=name, rule="limit")])
    return list(dict.fromkeys(items))


def parse_periods(text: str, today: date | None = None) -> list[str]:
    today = today or vietnam_today()
    out: list[str] = []
    problems: list[Problem] = []
    for item in _split(text, "pe"):
        upper = item.upper()
        if upper == "THIS_YEAR":
            out.append(Period.containing(today, PeriodType.YEAR).id)
            continue
        if upper == "LAST_YEAR":
            out.append(Period.containing(today, PeriodType.YEAR).previous().id)
            continue
        match = _RELATIVE.match(upper)
        if match:
            count = int(match.group(1))
            ptype = {"MONTHS": PeriodType.MONTH, "QUARTERS": PeriodType.QUARTER,
                     "YEARS": PeriodType.YEAR}[match.group(2)]
            if not 1 <= count <= 120:
                problems.append(Problem(f"'{item}': between 1 and 120", column="pe",
                                        rule="period"))
                continue
            cur = Period.containing(today, ptype).previous()
            periods = [cur]
            for _ in range(count - 1):
                cur = cur.previous()
                periods.append(cur)
            out.extend(p.id for p in reversed(periods))
            continue
        try:
            out.append(Period.parse(item).id)
        except PeriodError as exc:
            problems.append(Problem(f"'{item[:80]}': {exc}"[:300], column="pe",
                                    rule="period"))
    if problems:
        raise InputError(_summary("pe", problems), problems[:MAX_PROBLEMS])
    return list(dict.fromkeys(out))


def parse_orgunits(text: str, on: date | None = None) -> list[str]:
    return list(_parse_orgunits(text, on or vietnam_today()))


@lru_cache(maxsize=512)
def _parse_orgunits(text: str, on: date) -> tuple[str, ...]:
    # The hierarchy is fixed for the process, so a selection depends only on text and day.
    # The work is bounded: codes and exact names are dictionary look-ups; at most
    # MAX_NAME_SEARCHES items get a fuzzy search, all within LOOKUP_BUDGET_S.
    hierarchy = default_hierarchy()
    bounds: list[str] = []
    selected: list[str] = []
    has_selector = False
    problems: list[Problem] = []
    searches = 0
    deadline = time.monotonic() + LOOKUP_BUDGET_S
    for item in _split(text, "ou"):
        if time.monotonic() > deadline:
            raise InputError(f"ou: resolving the org units took longer than "
                             f"{LOOKUP_BUDGET_S:g} s; use org-unit codes",
                             [Problem("look-up budget exceeded", column="ou", rule="limit")])
        upper = item.upper()
        if upper.startswith("LEVEL-"):
            has_selector = True
            name = item[6:].lower()
            try:
                level = OrgUnitLevel(name)
            except ValueError:
                levels = ", ".join(lv.value for lv in OrgUnitLevel)
                problems.append(Problem(f"'{item[:80]}': unknown level (one of {levels})",
                                        column="ou", rule="orgunit"))
                continue
            selected.extend(u.code for u in hierarchy.at_level(level, on=on))
        elif upper.startswith("CHILDREN-"):
            has_selector = True
            code = item[9:]
            if code not in hierarchy:
                problems.append(Problem(f"'{item[:80]}': unknown org unit '{code[:80]}'",
                                        column="ou", rule="orgunit"))
                continue
            selected.extend(u.code for u in hierarchy.children(code, on=on))
        elif item in hierarchy:
            bounds.append(item)
        else:
            # A name, as `sodo values` accepts: "Hà Nội", "ha noi". Exact names come from
            # the prebuilt index; only the first few others are searched for.
            fuzzy = searches < MAX_NAME_SEARCHES and not hierarchy.lookup(item, on=on)
            searches += fuzzy
            try:
                bounds.append(hierarchy.resolve(item, on=on, fuzzy=fuzzy).code)
            except OrgUnitError as exc:
                problems.append(Problem(f"'{item[:80]}': {exc}"[:300],
                                        column="ou", rule="orgunit"))
    if problems:
        raise InputError(_summary("ou", problems), problems[:MAX_PROBLEMS])
    if not has_selector:
        return tuple(bounds)
    if bounds and bounds != [NATION_CODE]:
        selected = [c for c in selected if any(in_subtree(c, b) for b in bounds)]
    return tuple(dict.fromkeys(selected))


def _summary(name: str, problems: list[Problem]) -> str:
    more = len(problems) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''}" + (
        f"; the first {MAX_PROBLEMS} are listed)" if len(problems) > MAX_PROBLEMS else ")")
    return f"{name}: {problems[0].message}" + (tail if more else "")


def parse_indicators(session: Session | None, text: str) -> list[str]:
    """The codes of ``dx``; with a session, also checked against the imported indicators."""
    codes = _split(text, "dx")
    if session is not None:
        check_indicators(session, codes)
    return codes


def check_indicators(session: Session, codes: list[str]) -> None:
    """Refuse codes that are not indicators of the synced programme (when one is synced)."""
    from sodo.services.catalogue import current

    cat = current(session)
    if cat is None:
        return  # no programme synced: values may still have been computed
    unknown = [c for c in codes if cat.indicator(c) is None]
    if unknown:
        raise InputError(_summary("dx", [Problem(f"unknown indicator '{c[:80]}'", column="dx",
                                                  rule="indicator") for c in unknown]),
                         [Problem(f"unknown indicator '{c[:80]}'", column="dx",
                                  rule="indicator") for c in unknown[:MAX_PROBLEMS]])


@dataclass
class ValueQuery:
    indicators: list[str]
    periods: list[str]  # empty: every period (only when the caller allowed it)
    orgunits: list[str]  # empty: every org unit (only when the caller allowed it)


def parse_query(session: Session | None, dx: str, pe: str, ou: str,
                today: date | None = None, *, allow_all: bool = False) -> ValueQuery:
    """Parse ``dx``/``pe``/``ou``. The API needs all three; the CLI (``allow_all``) may leave
    ``pe`` or ``ou`` empty to mean every period or every org unit."""
    problems: list[Problem] = []
    summaries: list[str] = []
    parsed: dict[str, list[str]] = {}
    for name, text, func in (("dx", dx, lambda: parse_indicators(None, dx)),
                             ("pe", pe, lambda: parse_periods(pe, today)),
                             ("ou", ou, lambda: parse_orgunits(ou, today))):
        if allow_all and name != "dx" and not (text or "").strip():
            parsed[name] = []
            continue
        try:
            parsed[name] = func()
        except (InputError, OrgUnitError) as exc:
            problems.extend(getattr(exc, "problems", []) or [Problem(str(exc), column=name)])
            summaries.append(exc.summary if isinstance(exc, InputError) else str(exc))
    if problems:
        raise InputError(f"bad value query: {'; '.join(summaries)}", problems[:MAX_PROBLEMS])
    return ValueQuery(parsed["dx"], parsed["pe"], parsed["ou"])


def _row(cand: Candidate) -> dict[str, Any]:
    return {"indicator": cand.indicator, "orgunit": cand.orgunit, "period": cand.period,
            "category": cand.category, "value": cand.value, "numerator": cand.numerator,
            "denominator": cand.denominator, "origin": cand.origin, "state": cand.state,
            "provisional": cand.provisional, "estimate": cand.estimate, "source": cand.source}


def query_values(session: Session, actor: Actor, query: ValueQuery, *, limit: int = 10000,
                 offset: int = 0, all_origins: bool = False
                 ) -> tuple[list[dict[str, Any]], bool]:
    """Rows of ``COLUMNS`` for the query — the standing value of each cell, or with
    ``all_origins`` every approved candidate — ordered by indicator, period, org unit,
    category; and whether more rows follow beyond ``limit``."""
    require(actor, Action.READ_PUBLIC)
    rows: list[dict[str, Any]] = []
    found: set[str] = set()
    skipped = 0
    more = False
    for cell in repo.query_candidates(session, query.indicators, query.periods,
                                      query.orgunits):
        found.add(cell[0].indicator)
        chosen = cell if all_origins else [standing(cell) or cell[0]]
        for cand in chosen:
            if skipped < offset:
                skipped += 1
                continue
            if len(rows) == limit:
                more = True
                break
            rows.append(_row(cand))
        if more:
            break
    if offset == 0 and not set(query.indicators) <= found:
        # Codes are checked only when some have no rows: the common query costs one trip.
        check_indicators(session, [c for c in query.indicators if c not in found])
    return rows, more


def answer(ctx: AppContext, actor: Actor, query: ValueQuery,
           encode: Callable[[list[dict[str, Any]], bool], T], form: str, *,
           limit: int = 10000, offset: int = 0, all_origins: bool = False) -> T:
    """``encode(rows, more)`` of :func:`query_values`, ``form`` naming the encoding (``json``,
    ``csv``): the API's answer. The reader's right is checked on every call; the encoded answer
    is then kept per version of the store (:meth:`AppContext.cached`: the values, computations,
    programme and reports marks, read in one cheap statement), so a repeated query costs that
    statement and a dictionary look-up, and a computation finishing in any process changes the
    version every worker reads. Rebuilt every time when ``page_cache`` is off."""
    require(actor, Action.READ_PUBLIC)

    def build() -> T:
        with ctx.session() as session:
            rows, more = query_values(session, actor, query, limit=limit, offset=offset,
                                      all_origins=all_origins)
        return encode(rows, more)

    if not ctx.settings.page_cache:
        return build()
    key = ("values", tuple(query.indicators), tuple(query.periods), tuple(query.orgunits),
           limit, offset, all_origins, form)
    return ctx.cached(key, build, most=CACHED_QUERIES,
                      keep=lambda body: len(body) <= CACHED_BYTES)  # type: ignore[arg-type]


# -- series and latest values, for pages, reports and the assessment -----------------------------

def candidates(session: Session, indicators: Sequence[str] | None = None,
               orgunits: Sequence[str] | None = None,
               periods: Sequence[str] | None = None) -> list[Candidate]:
    """Every approved total value of the indicators × units × periods (each optional)."""
    return repo.candidates(session, indicators=indicators, orgunits=orgunits, periods=periods)


def standing_values(session: Session, indicators: Sequence[str] | None = None,
                    orgunits: Sequence[str] | None = None,
                    periods: Sequence[str] | None = None
                    ) -> dict[tuple[str, str, str], Candidate]:
    """The standing value of each (indicator, org unit, period) with a value."""
    grouped: dict[tuple[str, str, str], list[Candidate]] = {}
    for cand in candidates(session, indicators, orgunits, periods):
        grouped.setdefault((cand.indicator, cand.orgunit, cand.period), []).append(cand)
    out = {}
    for key, cands in grouped.items():
        chosen = standing(cands)
        if chosen is not None and chosen.value is not None:
            out[key] = chosen
    return out


def series_rule(indicator: Indicator | None, target: Target | None = None
                ) -> dict[str, Any]:
    """How the series of ``indicator`` is chosen (for a target: comparable with its deadline)."""
    deadline_type = None
    if target is not None and target.deadline:
        deadline_type = str(Period.parse(target.deadline).type)
    return {"sums_over_time": bool(indicator and indicator.aggregation_time is Aggregation.SUM),
            "deadline_type": deadline_type}


def series_of(cands: Sequence[Candidate], indicator: Indicator | None,
              target: Target | None = None, as_of: date | None = None
              ) -> tuple[list[Any], str, list[dict[str, Any]]]:
    """The observed series (``choose_series``) of one indicator for one unit."""
    return choose_series(cands, as_of=as_of, **series_rule(indicator, target))


def latest_values(session: Session, pairs: Iterable[tuple[str, str]],
                  indicators: dict[str, Indicator], as_of: date,
                  targets: dict[tuple[str, str], Target] | None = None
                  ) -> dict[tuple[str, str], Candidate]:
    """The latest value of each (indicator, org unit) pair, by the rule every page, the API
    and the assessment share (``domain.values.latest``)."""
    targets = targets or {}
    out = {}
    for key, cands in repo.candidates_for_pairs(session, pairs).items():
        found = latest(cands, as_of=as_of,
                       **series_rule(indicators.get(key[0]), targets.get(key)))
        if found is not None:
            out[key] = found
    return out


def candidates_for_pairs(session: Session, pairs: Iterable[tuple[str, str]]
                         ) -> dict[tuple[str, str], list[Candidate]]:
    return repo.candidates_for_pairs(session, pairs)


def last_computation(bind: Any) -> dict[str, Any] | None:
    """The newest finished computation of the store (when, engine, records, values), or None
    when nothing was ever computed: commands and pages say so instead of showing blanks."""
    if not repo.has_store(bind):
        return None
    return repo.last_run(bind)
