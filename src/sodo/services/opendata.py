"""Open data: which values are open, the releases that open computed values, and each
published indicator as a dataset (its rows, when it was issued and last changed).

**What is open.** The programme declares which indicators are open data and on which terms
(:class:`sodo.domain.programme.OpenData`; nothing declared: every indicator, CC BY 4.0). Of an
open indicator, each cell (indicator × org unit × period × category) publishes its *standing*
value — the one value every page, the API and the assessment show
(:func:`sodo.domain.values.standing`) — when that value is open:

- reported by an agency: open once approved (only approved values stand);
- quoted from a programme document (origin ``seed``): open once the programme is synced, the
  documents being public, unless the programme says ``documents_open: false``;
- computed from records: open once the programme office has *released* it — a recorded act
  (who, when, which indicators, which periods; audited) covering the value's period. A release
  of ``2025`` covers 2025's halves, quarters, months and days. Recomputing a released period
  publishes the new figures (the latest version, Art. 43); a withdrawn release no longer counts.

A cell whose standing value is not open is left out rather than replaced by a lesser figure:
open data never shows a value that sodo itself no longer takes as the figure.

:func:`is_open` and :func:`open_indicators` say which indicators are published as open data
(the "Dùng chung" principle of the data-quality checks reads them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sodo.domain.orgunits import OrgUnitLevel, default_hierarchy
from sodo.domain.periods import Period, PeriodError, PeriodType, vietnam_today
from sodo.domain.permissions import Action, Actor, Conflict, NotFound, require
from sodo.domain.problems import InputError, Problem
from sodo.domain.programme import Indicator, OpenData
from sodo.domain.values import COMPUTED, NEVER, REPORTED, SEED, Candidate, standing
from sodo.services import audit, catalogue
from sodo.services.catalogue import Catalogue
from sodo.stores.operational import values as values_repo
from sodo.stores.operational.opendata_models import OpenDataRelease

# Finest period type of a dataset → its accrual periodicity (EU frequency vocabulary).
FREQUENCIES = {"day": "DAILY", "month": "MONTHLY", "quarter": "QUARTERLY", "half": "ANNUAL_2",
               "year": "ANNUAL", "stage": "IRREG"}
_TYPE_ORDER = [str(t) for t in PeriodType]


def policy(cat: Catalogue) -> OpenData:
    """The programme's open-data terms (the defaults where it declares none)."""
    return cat.programme.open_data or OpenData()


def declared_open(cat: Catalogue) -> list[str]:
    """Codes of the catalogue's indicators the programme declares open, in catalogue order."""
    terms = policy(cat)
    return [i.code for i in cat.programme.indicators if terms.is_declared_open(i.code)]


# -- releases ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Release:
    """A release as readers see it (the row, detached from its session)."""

    id: int
    programme: str
    at: datetime
    actor: str
    indicators: tuple[str, ...]
    periods: tuple[str, ...]
    note: str = ""
    withdrawn_at: datetime | None = None
    withdrawn_by: str = ""
    withdraw_reason: str = ""

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    def covers(self, indicator: str, period: str) -> bool:
        return self.active and indicator in self.indicators and any(
            _contains(p, period) for p in self.periods)

    def to_dict(self, with_actor: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "programme": self.programme, "at": self.at.isoformat(),
            "indicators": list(self.indicators), "periods": list(self.periods),
            "note": self.note, "active": self.active,
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
            "withdraw_reason": self.withdraw_reason}
        if with_actor:
            out["actor"], out["withdrawn_by"] = self.actor, self.withdrawn_by
        return out


@lru_cache(maxsize=65536)
def _contains(outer: str, inner: str) -> bool:
    try:
        return Period.parse(outer).contains(Period.parse(inner))
    except PeriodError:
        return False


def _release(row: OpenDataRelease) -> Release:
    return Release(row.id, row.programme, row.at, row.actor, tuple(row.indicators or ()),
                   tuple(row.periods or ()), row.note or "", row.withdrawn_at,
                   row.withdrawn_by or "", row.withdraw_reason or "")


def releases(session: Session, programme: str | None = None) -> list[Release]:
    """Every release (withdrawn ones too), oldest first."""
    stmt = select(OpenDataRelease).order_by(OpenDataRelease.at, OpenDataRelease.id)
    if programme is not None:
        stmt = stmt.where(OpenDataRelease.programme == programme)
    return [_release(r) for r in session.scalars(stmt)]


def release_version(session: Session) -> tuple[Any, ...]:
    """Changes whenever a release is made or withdrawn (index look-ups)."""
    return (session.scalar(select(func.max(OpenDataRelease.id))),
            session.scalar(select(func.max(OpenDataRelease.withdrawn_at))))


def list_releases(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The releases, newest first; who made them only for signed-in readers."""
    require(actor, Action.READ_PUBLIC)
    return [r.to_dict(actor.is_authenticated) for r in reversed(releases(session))]


def release(session: Session, actor: Actor, periods: Sequence[str],
            indicators: Sequence[str] | None = None, note: str = "",
            today: date | None = None) -> Release:
    """Release the computed values of ``indicators`` (default: every open indicator of the
    programme that is computed from records or has computed values) for ``periods``: from now on they are open
    data. Programme office (admins) only; the caller commits. A period must have ended by
    ``today``: releasing a period still running would publish figures no one has reviewed."""
    require(actor, Action.ADMIN)
    cat = catalogue.current(session)
    if cat is None:
        raise InputError("no programme in the store; run: sodo programme sync")
    today = today or vietnam_today()
    problems: list[Problem] = []
    period_ids: list[str] = []
    for text in periods:
        try:
            period = Period.parse(str(text).strip())
        except PeriodError as exc:
            problems.append(Problem(f"'{text}': {exc}", column="period", rule="period"))
            continue
        if period.end >= today:
            problems.append(Problem(f"'{period.id}' has not ended (ends "
                                    f"{period.end:%d/%m/%Y}); release it once it has",
                                    column="period", rule="period-ended"))
            continue
        period_ids.append(period.id)
    if not periods:
        problems.append(Problem("name at least one period to release", column="period",
                                rule="required"))
    open_codes = declared_open(cat)
    if indicators is None or not list(indicators):
        measured = {r["indicator"] for r in values_repo.freshness(session)
                    if r["origin"] == COMPUTED}
        codes = [c for c in open_codes if c in measured or (
            (ind := cat.indicator(c)) is not None and str(ind.obtained) == COMPUTED)]
    else:
        codes = list(dict.fromkeys(indicators))
        for code in codes:
            if cat.indicator(code) is None:
                problems.append(Problem(f"unknown indicator '{code}'", column="indicator",
                                        rule="indicator"))
            elif code not in open_codes:
                problems.append(Problem(f"'{code}' is not declared open data in the programme "
                                        "(open_data.indicators / exclude)", column="indicator",
                                        rule="open-data"))
    if problems:
        raise InputError(f"release refused: {problems[0].message}", problems)
    row = OpenDataRelease(programme=cat.code, actor=actor.username, indicators=codes,
                          periods=list(dict.fromkeys(period_ids)), note=note.strip())
    session.add(row)
    session.flush()
    audit.record(session, actor, "opendata.release", "opendata_release", str(row.id), None,
                 {"programme": cat.code, "indicators": codes, "periods": row.periods,
                  "note": row.note})
    return _release(row)


def withdraw(session: Session, actor: Actor, release_id: int, reason: str) -> Release:
    """Withdraw a release: its values are no longer open (unless another release covers
    them). Admins only; a reason is required; the caller commits."""
    require(actor, Action.ADMIN)
    if not reason.strip():
        raise InputError("say why the release is withdrawn",
                         [Problem("a reason is required", column="reason", rule="required")])
    row = session.get(OpenDataRelease, release_id)
    if row is None:
        raise NotFound(f"no release {release_id}")
    if row.withdrawn_at is not None:
        raise Conflict(f"release {release_id} was already withdrawn")
    before = _release(row).to_dict(True)
    row.withdrawn_at = datetime.now(row.at.tzinfo)
    row.withdrawn_by, row.withdraw_reason = actor.username, reason.strip()
    session.flush()
    audit.record(session, actor, "opendata.withdraw", "opendata_release", str(row.id),
                 before, _release(row).to_dict(True))
    return _release(row)


# -- published values ----------------------------------------------------------------------

@dataclass(frozen=True)
class Dataset:
    """One published indicator: its open rows and when they were issued and last changed."""

    indicator: Indicator
    rows: tuple[Candidate, ...]
    issued: datetime
    modified: datetime
    last_release: datetime | None
    levels: tuple[str, ...]
    period_types: tuple[str, ...]
    first_period: str
    last_period: str
    withheld: int = 0  # cells whose standing value is not open (yet)

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def frequency(self) -> str:
        return FREQUENCIES.get(self.period_types[0], "IRREG") if self.period_types else "IRREG"

    @property
    def temporal(self) -> tuple[date, date]:
        return Period.parse(self.first_period).start, Period.parse(self.last_period).end


@dataclass
class OpenState:
    """What the open data of one catalogue version rests on: the terms and the releases."""

    catalogue: Catalogue
    terms: OpenData
    releases: list[Release] = field(default_factory=list)
    # indicator → when the programme's sync first added, and last changed, its documents'
    # figures (the date of a figure whose document gives none); and the first sync
    documents: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)
    first_sync: datetime = NEVER

    def is_value_open(self, cand: Candidate) -> bool:
        return self.is_origin_open(cand.indicator, cand.period, cand.origin)

    def is_origin_open(self, indicator: str, period: str, origin: str) -> bool:
        """Whether a standing value of this origin, indicator and period is open."""
        if origin == REPORTED:
            return True
        if origin == SEED:
            return self.terms.documents_open
        if origin == COMPUTED:
            return any(r.covers(indicator, period) for r in self.releases)
        return False

    def published_at(self, cand: Candidate) -> datetime | None:
        """When this version of the value became public (None: unknown date)."""
        at = None if cand.recency == NEVER else cand.recency
        if at is None and cand.origin == SEED and cand.indicator in self.documents:
            at = self.documents[cand.indicator][0]
        if cand.origin == COMPUTED:
            first = min((r.at for r in self.releases if r.covers(cand.indicator, cand.period)),
                        default=None)
            at = max(d for d in (at, first) if d is not None) if (at or first) else None
        return at


def open_state(session: Session, cat: Catalogue | None = None) -> OpenState | None:
    """The terms and releases of the synced programme (None when no programme is synced)."""
    cat = cat or catalogue.current(session)
    if cat is None:
        return None
    documents: dict[str, tuple[datetime, datetime]] = {}
    imports = catalogue.programme_imports(session, cat.code) if cat.synced else []
    for record in imports:
        for change in record.changes:
            if change.kind != "value":
                continue
            code = change.key.split("|", 1)[0]
            first, _ = documents.get(code, (record.at, record.at))
            documents[code] = (first, record.at)
    return OpenState(cat, policy(cat), releases(session, cat.code) if cat.synced else [],
                     documents, imports[0].at if imports else NEVER)


def _cells(cands: list[Candidate]) -> list[list[Candidate]]:
    """Candidates grouped by cell (they arrive sorted by it)."""
    cells: list[list[Candidate]] = []
    last: tuple[str, str, str] | None = None
    for cand in cands:
        key = (cand.orgunit, cand.period, cand.category)
        if key == last:
            cells[-1].append(cand)
        else:
            cells.append([cand])
            last = key
    return cells


def dataset(session: Session, state: OpenState, code: str) -> Dataset | None:
    """The open data of one indicator, or None when it is not published (not declared open,
    not in the programme, or no value of it open yet)."""
    ind = state.catalogue.indicator(code)
    if ind is None or not state.terms.is_declared_open(code):
        return None
    return _dataset(state, ind, values_repo.candidates(session, indicators=[code],
                                                       category=None))


def datasets(session: Session, state: OpenState) -> list[Dataset]:
    """Every published indicator, in catalogue order (one read of the values)."""
    codes = declared_open(state.catalogue)
    by_code: dict[str, list[Candidate]] = {c: [] for c in codes}
    for cand in values_repo.candidates(session, indicators=codes, category=None):
        by_code[cand.indicator].append(cand)
    out = []
    for code in codes:
        ind = state.catalogue.indicator(code)
        found = _dataset(state, ind, by_code[code]) if ind is not None else None
        if found is not None:
            out.append(found)
    return out


def _dataset(state: OpenState, ind: Indicator, found: list[Candidate]) -> Dataset | None:
    code = ind.code
    found.sort(key=lambda c: (c.period, c.orgunit, c.category))  # stable: the API's order
    rows: list[Candidate] = []
    withheld = 0
    for cell in _cells(found):
        chosen = standing(cell)
        if chosen is None:
            continue
        if state.is_value_open(chosen):
            rows.append(chosen)
        else:
            withheld += 1
    if not rows:
        return None
    moments = [m for m in (state.published_at(c) for c in rows) if m is not None]
    touching = [r for r in state.releases if code in r.indicators]
    last_release = max((r.at for r in touching if r.active), default=None)
    changes = [*moments, *(r.at for r in touching if r.active),
               *(r.withdrawn_at for r in touching if r.withdrawn_at is not None)]
    if code in state.documents:
        changes.append(state.documents[code][1])
    fallback = state.first_sync
    hierarchy = default_hierarchy()
    order = [str(lv) for lv in OrgUnitLevel]
    levels = sorted({str(hierarchy.get(u).level) for u in {c.orgunit for c in rows}
                     if u in hierarchy}, key=order.index)
    periods = [Period.parse(p) for p in {c.period for c in rows}]
    types = sorted({str(p.type) for p in periods}, key=_TYPE_ORDER.index)
    first = min(periods, key=lambda p: (p.start, p.end)).id
    last = max(periods, key=lambda p: (p.end, p.start)).id
    return Dataset(ind, tuple(rows), min(moments, default=fallback),
                   max(changes, default=fallback), last_release, tuple(levels), tuple(types),
                   first, last, withheld)


def is_open(session: Session, indicator: str) -> bool:
    """Whether ``indicator`` is published as open data: declared open by the synced programme
    and at least one of its values open (approved, released, or from a public document)."""
    state = open_state(session)
    return state is not None and dataset(session, state, indicator) is not None


def open_indicators(session: Session) -> list[str]:
    """Codes of every indicator published as open data, in catalogue order: those of
    :func:`datasets`, found from the origin of each cell's standing value alone (one grouped
    query) rather than by building every dataset."""
    state = open_state(session)
    if state is None:
        return []
    codes = [c for c in declared_open(state.catalogue)
             if state.catalogue.indicator(c) is not None]
    found: set[str] = set()
    for indicator, period, origin in values_repo.winning_origins(session, codes):
        if indicator not in found and state.is_origin_open(indicator, period, origin):
            found.add(indicator)
    return [c for c in codes if c in found]
