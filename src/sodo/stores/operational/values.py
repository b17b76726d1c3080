"""The values repository: the only reader and writer of ``indicator_value`` and ``compute_run``.

Writers: the engine replaces a run's scope of computed values in bulk (one transaction: delete,
then insert with the driver's fastest path — ``executemany`` on SQLite, ``COPY`` on
PostgreSQL — so millions of values load in seconds and readers never see half a run); the
reporting service publishes an approved report's values; the catalogue replaces a programme's
seed values (figures its documents give). Readers get :class:`~sodo.domain.values.Candidate`
rows; which of them stands is decided by :mod:`sodo.domain.values`, never here.
"""

from __future__ import annotations

import json
import math
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    String,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    inspect,
    select,
    type_coerce,
    update,
)
from sqlalchemy.engine import Connection, Engine

from sodo.domain.periods import Period
from sodo.domain.values import APPROVED, COMPUTED, NEVER, REPORTED, SEED, Candidate
from sodo.stores.operational.tables import compute_run, indicator_value

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    Bind = Engine | Connection | Session
INSERT_COLUMNS = ("indicator", "orgunit", "period", "period_type", "category", "value",
                  "numerator", "denominator", "origin", "state", "run_id", "source", "note",
                  "updated_at", "provisional", "estimate", "derived", "programme")
_CHUNK = 900  # stays under SQLite's bound-parameter limit in IN (...) lists
# What a candidate is read from, in the order of Candidate's fields.
_CANDIDATE_COLUMNS = ("indicator", "orgunit", "period", "value", "origin", "updated_at",
                      "source", "state", "category", "numerator", "denominator",
                      "provisional", "estimate", "derived", "note")
# pysqlite hands the GIL back and forth at every row it steps; with dozens of web threads doing
# that at once they convoy. One read at a time is far faster overall.
_SQLITE_GATE = threading.Lock()


def _is_session(bind: object) -> bool:
    """Whether ``bind`` is an ORM session, without importing the ORM (a process that never
    imported it holds no session)."""
    orm = sys.modules.get("sqlalchemy.orm")
    return orm is not None and isinstance(bind, orm.Session)


@contextmanager
def _connection(bind: Bind) -> Iterator[Connection]:
    if _is_session(bind):
        yield bind.connection()
    elif isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


@contextmanager
def _transaction(bind: Bind) -> Iterator[Connection]:
    """A connection in a transaction: the caller's (a session or connection commits with the
    caller's other changes), or a new one committed here (an engine)."""
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            yield conn
    else:
        with _connection(bind) as conn:
            yield conn


def _dialect(bind: Bind) -> str:
    if _is_session(bind):
        return bind.get_bind().dialect.name
    return bind.dialect.name if isinstance(bind, Connection | Engine) else ""


@contextmanager
def _gate(bind: Bind) -> Iterator[None]:
    if _dialect(bind) == "sqlite":
        with _SQLITE_GATE:
            yield
    else:
        yield


def has_store(bind: Bind) -> bool:
    """Whether the value table exists (a store never migrated has none)."""
    with _connection(bind) as conn:
        return inspect(conn).has_table("indicator_value")


# -- compute runs ------------------------------------------------------------------------------

def start_run(bind: Bind, backend: str, periods: Sequence[str],
              indicators: Sequence[str]) -> int:
    with _transaction(bind) as conn:
        result = conn.execute(insert(compute_run).values(
            started_at=datetime.now(UTC), backend=backend, periods=json.dumps(list(periods)),
            indicators=json.dumps(list(indicators)), status="running"))
        return int(result.inserted_primary_key[0])


def finish_run(bind: Bind, run_id: int, *, record_count: int, value_count: int,
               status: str = "done", message: str = "",
               periods: Sequence[str] | None = None) -> None:
    values: dict[str, Any] = dict(finished_at=datetime.now(UTC), record_count=record_count,
                                  value_count=value_count, status=status, message=message)
    if periods is not None:
        values["periods"] = json.dumps(list(periods))
    with _transaction(bind) as conn:
        conn.execute(update(compute_run).where(compute_run.c.id == run_id).values(**values))


def get_run(bind: Bind, run_id: int) -> dict[str, Any] | None:
    with _connection(bind) as conn:
        row = conn.execute(select(compute_run).where(compute_run.c.id == run_id)).mappings().first()
        return dict(row) if row else None


def last_run(bind: Bind) -> dict[str, Any] | None:
    """The newest finished computation: when, on which engine, over how many records."""
    run = compute_run.c
    query = (select(run.id, run.finished_at, run.backend, run.record_count, run.value_count,
                    run.status, run.periods)
             .where(run.finished_at.is_not(None)).order_by(run.finished_at.desc()).limit(1))
    with _connection(bind) as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def data_version_marks() -> list[Any]:
    """The scalar subqueries :func:`data_version` reads (to combine with other marks)."""
    return [select(func.max(indicator_value.c.id)).scalar_subquery(),
            select(func.max(compute_run.c.id)).scalar_subquery(),
            select(func.max(compute_run.c.finished_at)).scalar_subquery()]


def data_version(bind: Bind) -> tuple[Any, ...]:
    """Changes whenever values are added, replaced or recomputed: the newest value row and the
    newest computation run (primary-key lookups, not scans), in one statement."""
    with _connection(bind) as conn:
        return tuple(conn.execute(select(*data_version_marks())).one())


# -- writing -----------------------------------------------------------------------------------

#: the columns :func:`replace_computed_values` reads
VALUE_FRAME_COLUMNS = ("indicator", "orgunit", "period", "period_type", "value", "numerator",
                       "denominator")


def _plain(column: Sequence[Any]) -> list[Any]:
    """A column as Python objects (NumPy and pandas scalars are not every driver's)."""
    tolist = getattr(column, "tolist", None)
    return tolist() if tolist is not None else list(column)


def _none(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _bulk_insert(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert rows of ``INSERT_COLUMNS`` with the driver's fastest path."""
    if not rows:
        return
    raw = conn.connection.driver_connection
    name = conn.dialect.name
    if name == "postgresql":
        cols = ", ".join(INSERT_COLUMNS)
        with raw.cursor() as cur, cur.copy(f"COPY indicator_value ({cols}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
    elif name == "sqlite":
        marks = ", ".join("?" for _ in INSERT_COLUMNS)
        at = INSERT_COLUMNS.index("updated_at")
        cur = raw.cursor()
        cur.executemany(f"INSERT INTO indicator_value ({', '.join(INSERT_COLUMNS)}) "
                        f"VALUES ({marks})",
                        [(*r[:at], r[at].isoformat(sep=" "), *r[at + 1:]) for r in rows])
        cur.close()
    else:  # any other SQLAlchemy dialect
        stmt = insert(indicator_value).values({c: bindparam(c) for c in INSERT_COLUMNS})
        conn.execute(stmt, [dict(zip(INSERT_COLUMNS, r, strict=True)) for r in rows])


def replace_computed_values(bind: Bind, run_id: int, values: Mapping[str, Sequence[Any]],
                            indicators: Sequence[str], periods: Iterable[str] | None,
                            source: str = "", stats: dict[str, int] | None = None) -> int:
    """Make the computed values of ``indicators`` in ``periods`` (all periods when ``None``)
    equal to ``values`` (columns by name — the engine's NumPy columns or a pandas frame —
    indicator, orgunit, period, period_type, value, numerator, denominator, and optionally
    provisional; NaN or None is no value), in one transaction. Returns the number of values
    the scope now holds.

    Only what changed is written: a value equal to the stored one (same value, numerator,
    denominator, provisional flag) keeps its row, its run and its time; a changed or new value
    is inserted (its old row deleted); a stored value the run no longer produces is deleted.
    A recompute over unchanged records therefore writes nothing. ``stats`` (optional)
    receives the counts ``unchanged``, ``inserted`` and ``deleted``."""
    now = datetime.now(UTC)
    frame = {name: _plain(values[name]) for name in VALUE_FRAME_COLUMNS}
    flags = (_plain(values["provisional"]) if "provisional" in values
             else [False] * len(frame["indicator"]))
    period_list = None if periods is None else sorted(set(periods))
    codes = list(indicators)
    with _transaction(bind) as conn:
        stored = _stored_computed(conn, codes, period_list)
        rows, stale = [], []
        unchanged = 0
        for ind, ou, per, pt, v, n, d, prov in zip(
                frame["indicator"], frame["orgunit"], frame["period"], frame["period_type"],
                frame["value"], frame["numerator"], frame["denominator"], flags, strict=True):
            v, n, d, prov = _none(v), _none(n), _none(d), bool(prov)
            old = stored.pop((ind, ou, per), None)
            if old is not None:
                if old[1:] == (v, n, d, prov):
                    unchanged += 1
                    continue
                stale.append(old[0])
            rows.append((ind, ou, per, pt, "", v, n, d, COMPUTED, APPROVED, run_id, source, "",
                         now, prov, False, False, ""))
        stale.extend(old[0] for old in stored.values())  # no longer produced
        for i in range(0, len(stale), _CHUNK):
            conn.execute(delete(indicator_value).where(
                indicator_value.c.id.in_(stale[i:i + _CHUNK])))
        _bulk_insert(conn, rows)
    if stats is not None:
        stats.update(unchanged=unchanged, inserted=len(rows), deleted=len(stale))
    return unchanged + len(rows)


def _stored_computed(conn: Connection, codes: Sequence[str], periods: Sequence[str] | None
                     ) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    """The stored computed totals of ``codes`` in ``periods`` (all when None), by cell: (id,
    value, numerator, denominator, provisional). A duplicate cell (never written by this
    module) keeps one row; the others are returned for deletion with the changed ones."""
    c = indicator_value.c
    out: dict[tuple[str, str, str], tuple[Any, ...]] = {}
    base = select(c.id, c.indicator, c.orgunit, c.period, c.value, c.numerator, c.denominator,
                  c.provisional, c.category).where(c.origin == COMPUTED)
    for i in range(0, len(codes), _CHUNK):
        scope = base.where(c.indicator.in_(codes[i:i + _CHUNK]))
        chunks = ([scope] if periods is None else
                  [scope.where(c.period.in_(periods[j:j + _CHUNK]))
                   for j in range(0, len(periods), _CHUNK)])
        for stmt in chunks:
            for rid, ind, ou, per, v, n, d, prov, cat in _fetch(conn, stmt):
                key = (ind, ou, per)
                if cat or key in out:  # not a row this writer keeps: replace it
                    out[(ind, ou, per, rid)] = (rid, object(), None, None, None)  # type: ignore[index]
                    continue
                out[key] = (rid, v, n, d, bool(prov))
    return out


def publish_reported(bind: Bind, orgunit: str, period: str,
                     values: Iterable[dict[str, Any]], source: str) -> int:
    """Publish the values of an approved report (replacing what the unit reported before for
    those cells), in the caller's transaction. ``values``: dicts with indicator, category,
    value, numerator, denominator, note. Returns the values written."""
    period_type = str(Period.parse(period).type)
    now = datetime.now(UTC)
    rows = []
    with _transaction(bind) as conn:
        iv = indicator_value.c
        for v in values:
            conn.execute(delete(indicator_value).where(
                iv.indicator == v["indicator"], iv.orgunit == orgunit, iv.period == period,
                iv.category == v.get("category", ""), iv.origin == REPORTED))
            if v.get("value") is None:
                continue
            rows.append((v["indicator"], orgunit, period, period_type, v.get("category", ""),
                         v["value"], v.get("numerator"), v.get("denominator"), REPORTED,
                         APPROVED, None, source, v.get("note", ""), now, False,
                         bool(v.get("estimate")), False, ""))
        _bulk_insert(conn, rows)
    return len(rows)


def replace_seeds(bind: Bind, programme: str, seeds: Iterable[Candidate]) -> int:
    """Replace the seed values of ``programme`` (figures its documents give, as candidates
    whose recency is the document's date) by ``seeds``, in the caller's transaction."""
    rows = [(c.indicator, c.orgunit, c.period, str(Period.parse(c.period).type), c.category,
             c.value, c.numerator, c.denominator, SEED, APPROVED, None, c.source, c.note,
             c.recency, False, c.estimate, c.derived, programme) for c in seeds]
    with _transaction(bind) as conn:
        conn.execute(delete(indicator_value).where(indicator_value.c.origin == SEED,
                                                   indicator_value.c.programme == programme))
        _bulk_insert(conn, rows)
    return len(rows)


def has_seeds(bind: Bind, programme: str) -> bool:
    """Whether the store holds the seed values of ``programme`` (it was synced)."""
    c = indicator_value.c
    with _connection(bind) as conn:
        return conn.execute(select(c.id).where(c.origin == SEED, c.programme == programme)
                            .limit(1)).first() is not None


def add_values(bind: Bind, values: Iterable[dict[str, Any]]) -> int:
    """Insert values given as column dicts (synthetic demo history, fixtures), in the caller's
    transaction; missing columns take their defaults."""
    defaults = {"category": "", "numerator": None, "denominator": None, "state": APPROVED,
                "run_id": None, "source": "", "note": "", "provisional": False,
                "estimate": False, "derived": False, "programme": ""}
    rows = []
    for v in values:
        row = {**defaults, **v}
        row.setdefault("period_type", str(Period.parse(row["period"]).type))
        row.setdefault("updated_at", datetime.now(UTC))
        rows.append(tuple(row[c] for c in INSERT_COLUMNS))
    with _transaction(bind) as conn:
        _bulk_insert(conn, rows)
    return len(rows)


# -- reading -----------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _moment(raw: datetime | str | None) -> datetime:
    """A stored ``updated_at`` as an aware datetime. Read raw (SQLite gives text) and cached:
    a compute run stamps thousands of values with the same moment."""
    if isinstance(raw, str):
        try:
            raw = datetime.fromisoformat(raw)
        except ValueError:
            return NEVER
    if raw is None:
        return NEVER
    return raw if raw.tzinfo else raw.replace(tzinfo=UTC)


def _candidate_columns() -> list[Any]:
    c = indicator_value.c
    return [type_coerce(c.updated_at, String) if name == "updated_at" else getattr(c, name)
            for name in _CANDIDATE_COLUMNS]


def _to_candidates(raw_rows: Iterable[tuple[Any, ...]]) -> Iterator[Candidate]:
    make = tuple.__new__  # builds the named tuple in C: hundreds of thousands of rows
    moments: dict[Any, datetime] = {}
    for row in raw_rows:
        ind, ou, per, value, origin, at, source, state, cat, num, den, prov, est, der, note = row
        moment = moments.get(at)
        if moment is None:
            moment = moments[at] = _moment(at)
        yield make(Candidate, (ind, ou, per, value, origin, moment, source or "", state,
                               cat, num, den, bool(prov), bool(est), bool(der), note or ""))


def _fetch(conn: Connection, query: Any, params: dict[str, Any] | None = None
           ) -> list[tuple[Any, ...]]:
    # The driver's own rows: SQLAlchemy's per-row processing costs more than the query at this
    # size (600,000 values: seconds), and these columns need none of it.
    result = conn.execute(query, params or {})
    rows = result.cursor.fetchall() if result.cursor is not None else []
    result.close()
    return rows


def candidates(bind: Bind, *, indicators: Sequence[str] | None = None,
               orgunits: Sequence[str] | None = None, periods: Sequence[str] | None = None,
               category: str | None = "", approved_only: bool = True,
               origin: str | None = None) -> list[Candidate]:
    """Every stored value matching the filters (each optional), as candidates, ordered by
    indicator, period, org unit. ``category`` ``''`` is the total; ``None`` every category."""
    c = indicator_value.c
    stmt = select(*_candidate_columns())
    conditions = []
    if indicators is not None:
        conditions.append(c.indicator.in_(list(indicators)))
    if orgunits is not None:
        conditions.append(c.orgunit.in_(list(orgunits)))
    if periods is not None:
        conditions.append(c.period.in_(list(periods)))
    if category is not None:
        conditions.append(c.category == category)
    if approved_only:
        conditions.append(c.state == APPROVED)
    if origin is not None:
        conditions.append(c.origin == origin)
    if conditions:
        stmt = stmt.where(and_(*conditions))
    stmt = stmt.order_by(c.indicator, c.period, c.orgunit, c.id)
    with _gate(bind), _connection(bind) as conn:
        return list(_to_candidates(_fetch(conn, stmt)))


def winning_origins(bind: Bind, indicators: Sequence[str]) -> set[tuple[str, str, str]]:
    """(indicator, period, origin) of every cell's standing value among ``indicators`` — its
    origin only: the standing value is the approved one of the highest origin precedence
    (``sodo.domain.values.ORIGIN_PRECEDENCE``), so one grouped query answers without reading
    the values themselves (what open data needs to know which indicators it publishes)."""
    from sodo.domain.values import ORIGIN_PRECEDENCE

    if not indicators:
        return set()
    c = indicator_value.c
    rank = case({o: n for o, n in ORIGIN_PRECEDENCE.items()}, value=c.origin, else_=0)
    cells = select(c.indicator, c.period, func.max(rank).label("top")).where(
        c.indicator.in_(list(indicators)), c.state == APPROVED).group_by(
        c.indicator, c.orgunit, c.period, c.category).subquery()
    stmt = select(cells.c.indicator, cells.c.period, cells.c.top).distinct()
    by_rank = {n: o for o, n in ORIGIN_PRECEDENCE.items()}
    with _gate(bind), _connection(bind) as conn:
        return {(ind, per, by_rank.get(top, "")) for ind, per, top in _fetch(conn, stmt)}


def candidates_for_pairs(bind: Bind, pairs: Iterable[tuple[str, str]]
                         ) -> dict[tuple[str, str], list[Candidate]]:
    """Approved total values of the (indicator, org unit) pairs, by pair, with a value."""
    wanted = set(pairs)
    out: dict[tuple[str, str], list[Candidate]] = {}
    if not wanted:
        return out
    c = indicator_value.c
    units = sorted({unit for _, unit in wanted})
    with _gate(bind), _connection(bind) as conn:
        # By org unit (indexed), in chunks that keep the IN list within what every database
        # accepts; the indicators are narrowed in SQL and the exact pairs here.
        for start in range(0, len(units), 500):
            chunk = set(units[start:start + 500])
            codes = sorted({ind for ind, unit in wanted if unit in chunk})
            stmt = select(*_candidate_columns()).where(and_(
                c.orgunit.in_(sorted(chunk)), c.indicator.in_(codes), c.category == "",
                c.state == APPROVED, c.value.is_not(None))).order_by(c.period, c.id)
            for cand in _to_candidates(_fetch(conn, stmt)):
                key = (cand.indicator, cand.orgunit)
                if key in wanted:
                    out.setdefault(key, []).append(cand)
    return out


_STATEMENTS: dict[tuple[bool, bool], Any] = {}


def query_candidates(bind: Bind, indicators: Sequence[str], periods: Sequence[str],
                     orgunits: Sequence[str]) -> Iterator[list[Candidate]]:
    """Approved candidates of the DHIS2-style query, grouped by cell, in the order indicator,
    period, org unit, category: the hot path of ``/api/v1/values``. Empty ``periods`` or
    ``orgunits`` mean every period or unit. Cells are yielded as read, so a caller that needs
    only a page reads only that far."""
    key = (bool(periods), bool(orgunits))
    stmt = _STATEMENTS.get(key)
    if stmt is None:  # built once: constructing a select costs more than running it here
        c = indicator_value.c
        stmt = select(*_candidate_columns()).where(
            c.indicator.in_(bindparam("dx", expanding=True)), c.state == APPROVED)
        if periods:
            stmt = stmt.where(c.period.in_(bindparam("pe", expanding=True)))
        if orgunits:
            stmt = stmt.where(c.orgunit.in_(bindparam("ou", expanding=True)))
        # The index (indicator, period, orgunit) carries the row id: this order needs no sort.
        stmt = _STATEMENTS[key] = stmt.order_by(c.indicator, c.period, c.orgunit, c.category,
                                                c.id)
    params: dict[str, Any] = {"dx": list(indicators)}
    if periods:
        params["pe"] = list(periods)
    if orgunits:
        params["ou"] = list(orgunits)
    with _gate(bind), _connection(bind) as conn:
        rows = _fetch(conn, stmt, params)
    cell: list[Candidate] = []
    for cand in _to_candidates(rows):
        if cell and cand.cell != cell[0].cell:
            yield cell
            cell = []
        cell.append(cand)
    if cell:
        yield cell


def periods_of(bind: Bind, indicator: str) -> list[tuple[str, bool]]:
    """The periods holding approved values of ``indicator``, each with whether all its values
    are provisional."""
    c = indicator_value.c
    stmt = (select(c.period, func.min(case((c.provisional, 1), else_=0)))
            .where(c.indicator == indicator, c.state == APPROVED).group_by(c.period))
    with _connection(bind) as conn:
        return [(p, bool(flag)) for p, flag in conn.execute(stmt)]


def indicators_with_values(bind: Bind) -> list[str]:
    c = indicator_value.c
    with _connection(bind) as conn:
        return sorted(r[0] for r in conn.execute(
            select(c.indicator).where(c.state == APPROVED).distinct()))


def freshness(bind: Bind) -> list[dict[str, Any]]:
    """Per indicator and origin: the newest period of each period type, when values were last
    written, how many. One grouped query."""
    c = indicator_value.c
    query = (select(c.indicator, c.origin, c.period_type,
                    func.max(c.period).label("latest_period"),
                    func.max(c.updated_at).label("updated_at"), func.count().label("rows"))
             .where(c.state == APPROVED)
             .group_by(c.indicator, c.origin, c.period_type))
    with _connection(bind) as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for row in rows:  # a figure whose date is unknown was never "written" on 01/01/1970
        if row["updated_at"] is not None and _moment(row["updated_at"]) <= NEVER:
            row["updated_at"] = None
    return rows


def read_values(bind: Bind, indicators: Sequence[str] | None = None,
                periods: Sequence[str] | None = None, orgunits: Sequence[str] | None = None,
                origin: str | None = None) -> list[dict[str, Any]]:
    """Stored rows filtered by indicator, period and org-unit codes (each optional), as dicts:
    for exports and tests that need every column."""
    cols = indicator_value.c
    stmt = select(cols.indicator, cols.orgunit, cols.period, cols.period_type, cols.category,
                  cols.value, cols.numerator, cols.denominator, cols.origin, cols.state,
                  cols.run_id, cols.source, cols.updated_at, cols.provisional)
    if indicators:
        stmt = stmt.where(cols.indicator.in_(list(indicators)))
    if periods:
        stmt = stmt.where(cols.period.in_(list(periods)))
    if orgunits is not None:
        stmt = stmt.where(cols.orgunit.in_(list(orgunits)))
    if origin:
        stmt = stmt.where(cols.origin == origin)
    stmt = stmt.order_by(cols.indicator, cols.period, cols.orgunit)
    with _connection(bind) as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]
