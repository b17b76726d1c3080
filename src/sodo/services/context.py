"""The application context: the settings and the stores one process works with, made once.

The CLI makes one per command, the HTTP app one per process (its composition root); services
take it (or a session made from it) and never build engines of their own.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.pool import QueuePool

from sodo.domain.periods import vietnam_today
from sodo.domain.problems import InputError
from sodo.services.settings import Settings
from sodo.stores.operational.tables import make_engine
from sodo.stores.operational.values import data_version_marks

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

# The ORM (its sessions, the mapped classes of the store) is imported at the first session: a
# command that works on Core connections only (``sodo compute``) never builds it.

T = TypeVar("T")

# Connections per web worker, at most: 16 kept open, so a busy worker opens none per request
# (a new PostgreSQL connection forks a server process); with the overflow, more than the
# thread pool's threads, so threads waiting for a connection can never hold up every
# connection (sessions return theirs at the end of a request, which needs a thread). A
# worker's share of ``Settings.db_connections`` may make them fewer (:func:`web_pool_shape`).
WEB_POOL_SIZE, WEB_POOL_OVERFLOW = 16, 32
WEB_THREADS = 40  # anyio's default thread pool
MIN_WORKER_CONNECTIONS = 4  # the version marks' own, and three pooled
PING_AFTER_IDLE = 5.0  # seconds a pooled connection may sit unused before it is pinged
CACHED_VERSIONS = 2  # data versions whose computed pictures are kept


class AppContext:
    """Settings, the operational store's engine and sessions, the clock, and a cache of what
    is computed per data version (so a page view does not recompute an unchanged picture)."""

    def __init__(self, settings: Settings, *, web: bool = False, migrate: bool = False,
                 engine: Engine | None = None) -> None:
        self.settings = settings
        if migrate:
            from sodo.stores.operational.migrate import upgrade  # Alembic: only when asked

            upgrade(settings.database_url)
        # a web worker's pool and threads: its share of the server's store connections
        self.pool_shape = (web_pool_shape(settings.db_connections, settings.workers) if web
                           else None)
        self.engine = engine or (_web_engine(settings.database_url, self.pool_shape)
                                 if self.pool_shape is not None
                                 else make_engine(settings.database_url))
        self._sessionmaker: sessionmaker[Session] | None = None
        self._lock = threading.Lock()
        self._caches: OrderedDict[Any, dict[Any, Any]] = OrderedDict()  # version -> entries
        self._building: dict[tuple[Any, Any], threading.Lock] = {}
        self._version_statement: Any = None
        self._version_shape = (0, 0)
        self._marks_turn = threading.Condition()
        self._marks_conn: Connection | None = None  # used by one read at a time
        self._marks: tuple[Any, ...] = ()
        self._marks_started = self._marks_done = 0
        self._marks_running = False

    @classmethod
    def for_database(cls, database_url: str, *, migrate: bool = False) -> AppContext:
        return cls(Settings.for_database(database_url), migrate=migrate)

    @property
    def sessionmaker(self) -> sessionmaker[Session]:
        """Sessions of this context's engine (made at the first use)."""
        if self._sessionmaker is None:
            from sqlalchemy.orm import sessionmaker

            import sodo.stores.operational.models  # noqa: F401  (every mapped class)

            self._sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        return self._sessionmaker

    def session(self) -> Session:
        return self.sessionmaker()

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for a few independent reads (the version marks, the programme's newest
        row) on an autocommit connection: each statement sees the store as it is, and the
        session costs no BEGIN and no ROLLBACK round trip (a web request reads the marks on
        every request). Never for writes."""
        from sqlalchemy.orm import Session

        import sodo.stores.operational.models  # noqa: F401  (every mapped class)

        with self._autocommit() as conn, Session(bind=conn) as session:
            yield session

    def _autocommit(self) -> Connection:
        """A new connection on which each statement commits (sees the store as it is now)."""
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def today(self) -> date:
        """The date sodo takes as today (``SODO_TODAY`` pins it for demos and tests)."""
        return self.settings.today or vietnam_today()

    # -- per data version cache ------------------------------------------------------------
    def version(self) -> tuple[Any, ...]:
        """Changes whenever the figures, the programme or the reports change: the data,
        programme and activity marks (index look-ups, not scans), read in one statement on an
        autocommit connection, so every process sees a change made by any other at once."""
        if self._version_statement is None:  # built once: building costs more than running
            from sodo.services.catalogue import catalogue_marks
            from sodo.stores.operational.models import activity_marks

            data, programme, activity = data_version_marks(), catalogue_marks(), activity_marks()
            self._version_shape = (len(data), len(data) + len(programme))
            self._version_statement = select(*data, *programme, *activity)
        if self.engine.dialect.name == "sqlite":  # in-process: a connection costs nothing
            with self._autocommit() as conn:
                marks = tuple(conn.execute(self._version_statement).one())
        else:
            marks = self._read_marks()
        first, second = self._version_shape
        return (marks[:first], marks[first:second], marks[second:], self.today())

    def _read_marks(self) -> tuple[Any, ...]:
        """The marks, read on the process's own autocommit connection, so a request reads them
        without taking a pooled connection (a cache hit takes none, and a route holding a
        session never waits for a second connection for them). Reads are shared: a request
        arriving while one is under way waits for the next one, which starts after it arrived
        (so it still sees every change committed before it asked), and that one read answers
        every request waiting for it. A dropped connection (a server restart) is replaced."""
        with self._marks_turn:
            wanted = self._marks_started + 1  # the first read that starts after this call
            while True:
                if self._marks_done >= wanted:
                    return self._marks
                if not self._marks_running:
                    break
                self._marks_turn.wait()
            self._marks_running = True
            self._marks_started += 1
            mine = self._marks_started
        try:
            marks = self._marks_query()
        except BaseException:
            with self._marks_turn:
                self._marks_running = False
                self._marks_turn.notify_all()
            raise
        with self._marks_turn:
            self._marks, self._marks_done, self._marks_running = marks, mine, False
            self._marks_turn.notify_all()
        return marks

    def _marks_query(self) -> tuple[Any, ...]:
        for attempt in (1, 2):
            conn = self._marks_conn
            if conn is None or conn.closed or conn.invalidated:
                conn = self._marks_conn = self._autocommit()
            try:
                return tuple(conn.execute(self._version_statement).one())
            except DBAPIError as exc:
                self._marks_conn = None
                with suppress(Exception):
                    conn.close()
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    def cached(self, key: Any, build: Callable[[], T], version: Any = None, *,
               most: int | None = None, keep: Callable[[T], bool] | None = None) -> T:
        """``build()``'s result for ``key``, kept until the data version changes (``version``:
        one the caller already read, e.g. once per request).

        For keys a client chooses (a query's parameters), ``key`` is a tuple whose first item
        names its group and ``most`` bounds the group's entries per version (the oldest goes
        first); ``keep(value)`` false: the value is returned but not kept (too large).

        Entries live under the version read *before* they were built, so a later reader of a
        newer version never gets them. The two newest versions are kept (a request that read
        the old one just before a write does not empty the new one's cache), and one thread
        builds a missing entry while the others asking for it wait (50 clients arriving after
        a recompute build the overview once, not 50 times)."""
        version = self.version() if version is None else version
        with self._lock:
            entries = self._caches.get(version)
            if entries is None:
                entries = self._caches[version] = {}
                while len(self._caches) > CACHED_VERSIONS:
                    self._caches.popitem(last=False)
            if key in entries:
                return entries[key]
            building = self._building.setdefault((version, key), threading.Lock())
        with building:
            with self._lock:
                if key in entries:
                    return entries[key]
            try:
                value = build()
                if keep is None or keep(value):
                    with self._lock:
                        if most is not None:
                            group = [k for k in entries if isinstance(k, tuple) and k
                                     and k[0] == key[0]]
                            for old in group[:max(0, len(group) - most + 1)]:
                                del entries[old]
                        entries[key] = value
            finally:
                with self._lock:
                    self._building.pop((version, key), None)
        return value

    def clear_cache(self) -> None:
        """Forget every cached picture (the next reader of each builds it afresh)."""
        with self._lock:
            self._caches.clear()

    def close(self) -> None:
        with self._marks_turn:
            if self._marks_conn is not None:
                with suppress(Exception):
                    self._marks_conn.close()
                self._marks_conn = None
        self.engine.dispose()

    def __enter__(self) -> AppContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def web_pool_shape(total: int, workers: int) -> tuple[int, int, int]:
    """One web worker's share of ``total`` store connections among ``workers``: (pool size,
    overflow, threads). The worker's own autocommit connection for the version marks counts
    too, so ``workers × (size + overflow + 1) <= total``; its thread pool is kept smaller
    than its pool, so a request waiting in a thread for a connection never holds up every
    connection. Fewer than :data:`MIN_WORKER_CONNECTIONS` each is refused."""
    share = total // max(workers, 1)
    if share < MIN_WORKER_CONNECTIONS:
        raise InputError(f"SODO_DB_CONNECTIONS / server.db_connections = {total} leaves "
                         f"{workers} workers {share} store connections each; give each at "
                         f"least {MIN_WORKER_CONNECTIONS} (or run fewer workers)")
    pooled = min(share - 1, WEB_POOL_SIZE + WEB_POOL_OVERFLOW)
    size = min(WEB_POOL_SIZE, pooled)
    return size, pooled - size, min(WEB_THREADS, pooled - 1)


def _web_engine(url: str, shape: tuple[int, int, int] = (WEB_POOL_SIZE, WEB_POOL_OVERFLOW,
                                                           WEB_THREADS)) -> Engine:
    """The store's engine with a connection pool sized for a web worker. A connection is
    pinged before use only when it sat idle in the pool for ``PING_AFTER_IDLE`` seconds (a
    server restart or a dropped connection is then noticed and the connection replaced): a
    ping on every checkout costs a round trip per request under load, when no connection is
    ever idle that long."""
    engine = make_engine(url)
    pool = engine.pool
    if isinstance(pool, QueuePool):
        engine.pool = QueuePool(
            pool._creator, pool_size=shape[0], max_overflow=shape[1],
            pre_ping=False, timeout=pool._timeout,
            recycle=pool._recycle, reset_on_return=pool._reset_on_return,
            _dispatch=pool.dispatch, dialect=pool._dialect)  # keeps the connect listeners
        if engine.dialect.name != "sqlite":
            _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine.pool, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["sodo_idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("sodo_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            if not getattr(dbapi_conn, "autocommit", True):
                # the ping opened a transaction; end it, or the connection could not be
                # switched to autocommit (AppContext.read_session) and would sit in it
                dbapi_conn.rollback()
        except Exception as exc:  # the pool retries with a fresh connection
            raise DisconnectionError(str(exc)) from exc
