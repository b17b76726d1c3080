"""The audit entry a command writes on a Core connection (``sodo compute``, without the ORM) is
the entry the ORM writes: same table, columns, types and JSON, read back alike."""

from __future__ import annotations

from sqlalchemy import inspect

from sodo.domain.permissions import Actor
from sodo.services import audit
from sodo.services.context import AppContext
from sodo.stores.operational.audit_log import AUDIT_LOG
from sodo.stores.operational.models import AuditEntry


def test_core_entry_reads_back_as_the_orm_entry(database_url: str) -> None:
    ctx = AppContext.for_database(database_url, migrate=True)
    try:
        actor = Actor.cli()
        after = {"run": 7, "timings": {"scan": 0.5}, "note": "Tỉnh Thanh Hóa", "n": None}
        with ctx.session() as session:
            audit.record(session, actor, "values.compute", "compute_run", "7", None, after)
            session.commit()
        with ctx.engine.begin() as conn:
            audit.record_on(conn, actor, "values.compute", "compute_run", 7, None, after)
        with ctx.session() as session:
            page = audit.query(session, Actor.system("test"), action="values.compute")
        orm, core = sorted(page.entries, key=lambda e: e.id)
        fields = ("actor", "source", "action", "object_type", "object_id", "before", "after")
        assert [getattr(core, f) for f in fields] == [getattr(orm, f) for f in fields]
        assert core.after == after and core.before is None
        assert core.at.tzinfo is not None and core.at >= orm.at
    finally:
        ctx.close()


def test_core_table_is_the_models_table() -> None:
    columns = {c.name for c in AuditEntry.__table__.columns} - {"id"}
    assert {c.name for c in AUDIT_LOG.columns} == columns
    for col in AUDIT_LOG.columns:
        assert type(col.type) is type(AuditEntry.__table__.columns[col.name].type), col.name
    assert inspect(AuditEntry).local_table.name == AUDIT_LOG.name
