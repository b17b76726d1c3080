"""DHIS2-style value queries over ``indicator_value``: ``dx`` (indicators), ``pe`` (periods)
and ``ou`` (org units), each a ``;``-separated list.

- ``pe``: period ids (``2025``, ``2025Q4``, ``2025-11``…) or relative ones: ``THIS_YEAR``,
  ``LAST_YEAR``, ``LAST_<n>_MONTHS``, ``LAST_<n>_QUARTERS``, ``LAST_<n>_YEARS``.
- ``ou``: org-unit codes (or names, diacritics optional), plus selectors ``LEVEL-<level>`` (nation, ministry, province,
  commune) and ``CHILDREN-<code>``. As in DHIS2, when selectors are given the plain codes are
  boundaries: ``VN;LEVEL-province`` means the provinces under VN, not VN itself.

The anonymous public sees approved values only; a signed-in user also sees values in other
states for its own subtree.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from sodo.domain.orgunits import NATION_CODE, OrgUnitError, OrgUnitLevel, default_hierarchy
from sodo.domain.periods import Period, PeriodError, PeriodType
from sodo.domain.permissions import Action, Actor, allows, in_subtree, require
from sodo.domain.problems import InputError, Problem
from sodo.stores.operational.models import ProgrammeItem
from sodo.stores.operational.tables import indicator_value

MAX_ITEMS = 5000  # items per dimension; a query listing more is refused, not truncated
COLUMNS = ("indicator", "orgunit", "period", "category", "value", "numerator", "denominator",
           "origin", "state")
_RELATIVE = re.compile(r"^LAST_(\d{1,3})_(MONTHS|QUARTERS|YEARS)$")


def _split(text: str, name: str) -> list[str]:
    items = [p.strip() for p in (text or "").split(";") if p.strip()]
    if not items:
        raise InputError(f"'{name}' is empty; give one or more items separated by ';'",
                         [Problem(f"'{name}' is empty", column=name, rule="required")])
    if len(items) > MAX_ITEMS:
        raise InputError(f"'{name}' lists {len(items)} items; at most {MAX_ITEMS}")
    return list(dict.fromkeys(items))


def parse_periods(text: str, today: date | None = None) -> list[str]:
    today = today or date.today()
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
            problems.append(Problem(f"'{item}': {exc}", column="pe", rule="period"))
    if problems:
        raise InputError(f"pe: {problems[0].message}", problems)
    return list(dict.fromkeys(out))


def parse_orgunits(text: str, on: date | None = None) -> list[str]:
    return list(_parse_orgunits(text, on or date.today()))


@lru_cache(maxsize=512)
def _parse_orgunits(text: str, on: date) -> tuple[str, ...]:
    # The hierarchy is fixed for the process, so a selection depends only on text and day.
    hierarchy = default_hierarchy()
    bounds: list[str] = []
    selected: list[str] = []
    has_selector = False
    problems: list[Problem] = []
    for item in _split(text, "ou"):
        upper = item.upper()
        if upper.startswith("LEVEL-"):
            has_selector = True
            name = item[6:].lower()
            try:
                level = OrgUnitLevel(name)
            except ValueError:
                levels = ", ".join(lv.value for lv in OrgUnitLevel)
                problems.append(Problem(f"'{item}': unknown level (one of {levels})",
                                        column="ou", rule="orgunit"))
                continue
            selected.extend(u.code for u in hierarchy.at_level(level, on=on))
        elif upper.startswith("CHILDREN-"):
            has_selector = True
            code = item[9:]
            if code not in hierarchy:
                problems.append(Problem(f"'{item}': unknown org unit '{code}'", column="ou",
                                        rule="orgunit"))
                continue
            selected.extend(u.code for u in hierarchy.children(code, on=on))
        elif item in hierarchy:
            bounds.append(item)
        else:
            try:  # a name, as `sodo values` accepts: "Hà Nội", "ha noi"
                bounds.append(hierarchy.resolve(item, on=on).code)
            except OrgUnitError as exc:
                problems.append(Problem(f"'{item}': {exc}",
                                        column="ou", rule="orgunit"))
    if problems:
        raise InputError(f"ou: {problems[0].message}", problems)
    if not has_selector:
        return tuple(bounds)
    if bounds and bounds != [NATION_CODE]:
        selected = [c for c in selected if any(in_subtree(c, b) for b in bounds)]
    return tuple(dict.fromkeys(selected))


def parse_indicators(session: Session | None, text: str) -> list[str]:
    """The codes of ``dx``; with a session, also checked against the imported indicators."""
    codes = _split(text, "dx")
    if session is not None:
        check_indicators(session, codes)
    return codes


def check_indicators(session: Session, codes: list[str]) -> None:
    """Refuse codes that are not indicators of an imported programme (when one is imported)."""
    known = set(session.scalars(select(ProgrammeItem.key).where(
        ProgrammeItem.kind == "indicator", ProgrammeItem.key.in_(codes))))
    if known == set(codes):
        return
    if session.scalar(select(ProgrammeItem.id).where(ProgrammeItem.kind == "indicator")
                      .limit(1)) is None:
        return  # no programme imported: values may still have been computed
    unknown = [c for c in codes if c not in known]
    raise InputError(f"dx: unknown indicator '{unknown[0]}'",
                     [Problem(f"unknown indicator '{c}'", column="dx", rule="indicator")
                      for c in unknown])


@dataclass
class ValueQuery:
    indicators: list[str]
    periods: list[str]  # empty: every period (only when the caller allowed it)
    orgunits: list[str]  # empty: every org unit (only when the caller allowed it)


def parse_query(session: Session, dx: str, pe: str, ou: str,
                today: date | None = None, *, allow_all: bool = False) -> ValueQuery:
    """Parse ``dx``/``pe``/``ou``. The API needs all three; the CLI (``allow_all``) may leave
    ``pe`` or ``ou`` empty to mean every period or every org unit."""
    problems: list[Problem] = []
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
    if problems:
        raise InputError(f"bad value query: {problems[0].message}", problems)
    return ValueQuery(parsed["dx"], parsed["pe"], parsed["ou"])


def _statement(variant: str, by_period: bool = True, by_orgunit: bool = True) -> Any:
    """The query for a variant (all | public | subtree), built once: constructing a select
    costs more than running it on this hot path. Lists bind as expanding parameters."""
    key = (variant, by_period, by_orgunit)
    stmt = _STATEMENTS.get(key)
    if stmt is not None:
        return stmt
    c = indicator_value.c
    stmt = select(*(getattr(c, name) for name in COLUMNS)).where(
        c.indicator.in_(bindparam("dx", expanding=True)))
    if by_period:
        stmt = stmt.where(c.period.in_(bindparam("pe", expanding=True)))
    if by_orgunit:
        stmt = stmt.where(c.orgunit.in_(bindparam("ou", expanding=True)))
    if variant == "public":
        stmt = stmt.where(c.state == "approved")
    elif variant == "subtree":
        stmt = stmt.where(or_(c.state == "approved",
                              and_(c.state != "approved",
                                   c.orgunit.in_(bindparam("own", expanding=True)))))
    # The index (indicator, period, orgunit) carries the row id, so this order needs no sort.
    stmt = stmt.order_by(c.indicator, c.period, c.orgunit, c.id) \
        .limit(bindparam("lim")).offset(bindparam("off"))
    _STATEMENTS[key] = stmt
    return stmt


_STATEMENTS: dict[tuple[str, bool, bool], Any] = {}
_SQLITE_GATE = threading.Lock()


def query_values(session: Session, actor: Actor, query: ValueQuery, *, limit: int = 10000,
                 offset: int = 0) -> tuple[list[dict[str, Any]], bool]:
    """Rows of ``COLUMNS`` for the query, ordered by indicator, period, org unit (then as
    stored); and whether
    more rows follow beyond ``limit``. The public sees approved values; a signed-in user also
    the other states within its subtree; an admin everything."""
    require(actor, Action.READ_PUBLIC)
    params: dict[str, Any] = {"dx": query.indicators, "lim": limit + 1, "off": offset}
    if query.periods:
        params["pe"] = query.periods
    if query.orgunits:
        params["ou"] = query.orgunits
    variant = "public"
    if actor.is_admin:
        variant = "all"
    elif actor.is_authenticated and allows(actor, Action.READ_DRAFT, actor.orgunit):
        if actor.orgunit == NATION_CODE:
            variant = "all"
        else:
            variant = "subtree"
            params["own"] = [actor.orgunit,
                             *(u.code for u in default_hierarchy().descendants(actor.orgunit))]
    statement = _statement(variant, bool(query.periods), bool(query.orgunits))
    if session.get_bind().dialect.name == "sqlite":
        # pysqlite hands the GIL back and forth at every row it steps; with dozens of web
        # threads doing that at once they convoy. One query at a time is far faster overall.
        with _SQLITE_GATE:
            fetched = session.execute(statement, params).all()
    else:
        fetched = session.execute(statement, params).all()
    if offset == 0:
        # Codes are checked only when some have no rows: the common query costs one trip.
        found = {r[0] for r in fetched}
        if not set(query.indicators) <= found:
            check_indicators(session, [c for c in query.indicators if c not in found])
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in fetched[:limit]]
    return rows, len(fetched) > limit
