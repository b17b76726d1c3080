"""The operational store's shared SQLAlchemy metadata and its core tables.

Other store modules add their tables to :data:`metadata`; Alembic migrations cover them all.
``indicator_value`` holds every value of each indicator × org unit × period × category — computed
from records, reported by an agency and approved, or quoted from a programme document — with its
provenance, so pages and the API read a small indexed table and never scan raw records. Only
:mod:`sodo.stores.operational.values` reads or writes it; which value stands is decided by
:mod:`sodo.domain.values`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    false,
)
from sqlalchemy.engine import Engine

metadata = MetaData()


def utcnow() -> datetime:
    return datetime.now(UTC)


compute_run = Table(
    "compute_run",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False, default=utcnow),
    Column("finished_at", DateTime(timezone=True)),
    Column("backend", String(32), nullable=False),
    Column("record_count", Integer, nullable=False, default=0),
    Column("periods", Text, nullable=False, default="[]"),  # JSON list of period ids
    Column("indicators", Text, nullable=False, default="[]"),  # JSON list of codes
    Column("value_count", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False, default="running"),
    Column("message", Text, nullable=False, default=""),
)

indicator_value = Table(
    "indicator_value",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("indicator", String(64), nullable=False),
    Column("orgunit", String(32), nullable=False),
    Column("period", String(16), nullable=False),
    Column("period_type", String(8), nullable=False),
    Column("category", String(64), nullable=False, default=""),
    Column("value", Float),  # NULL = not applicable (empty denominator)
    Column("numerator", Float),
    Column("denominator", Float),
    # computed | reported | seed (from the programme's documents)
    Column("origin", String(16), nullable=False),
    # approved values are public; computed values are approved by construction
    Column("state", String(16), nullable=False, default="approved"),
    Column("run_id", Integer, ForeignKey("compute_run.id", ondelete="SET NULL")),
    Column("source", Text, nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    # When the value was established: the compute run, the approval, the document's date of
    # issue (1970-01-01 when a document gives none). Recency in the standing-value rule.
    Column("updated_at", DateTime(timezone=True), nullable=False, default=utcnow),
    # A quarter or year computed before all its months have records is provisional (tạm tính).
    Column("provisional", Boolean, nullable=False, default=False, server_default=false()),
    Column("estimate", Boolean, nullable=False, default=False, server_default=false()),
    # Derived by arithmetic from other figures rather than stated by a source.
    Column("derived", Boolean, nullable=False, default=False, server_default=false()),
    # The programme whose documents give a seed value (seeds are replaced per programme).
    Column("programme", String(64), nullable=False, default="", server_default=""),
    # Two documents may quote one figure: a cell holds one value per origin and source.
    UniqueConstraint("indicator", "orgunit", "period", "category", "origin", "source",
                     name="uq_indicator_value"),
)
Index("ix_value_lookup", indicator_value.c.indicator, indicator_value.c.period,
      indicator_value.c.orgunit)
Index("ix_value_orgunit", indicator_value.c.orgunit, indicator_value.c.period)


def make_engine(url: str) -> Engine:
    """An engine for the operational store; SQLite gets WAL and foreign keys."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

    return engine
