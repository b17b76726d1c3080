"""Import a programme loaded from its files into the operational store.

Each indicator, target, task, report form and seed value becomes a ``programme_item`` holding
its full definition. Re-importing compares item by item and records what was added, changed
(with the fields) or removed in ``programme_import`` / ``programme_change`` and the audit log;
an unchanged programme is a no-op. Removed items are kept, marked inactive, so history that
refers to them still resolves.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sodo.domain.orgunits import default_hierarchy
from sodo.domain.permissions import Action, Actor, require
from sodo.services import audit
from sodo.services.programme import LoadedProgramme
from sodo.services.reporting import load_forms
from sodo.stores.operational.models import (
    OrgUnitRow,
    ProgrammeChange,
    ProgrammeImport,
    ProgrammeItem,
    ProgrammeRow,
    utcnow,
)


@dataclass
class ImportResult:
    programme: str
    import_id: int | None
    added: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str, list[str]]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    unchanged: bool = False

    def summary(self) -> str:
        if self.unchanged:
            return f"{self.programme}: unchanged"
        return (f"{self.programme}: {len(self.added)} added, {len(self.changed)} changed, "
                f"{len(self.removed)} removed")


def _items(loaded: LoadedProgramme) -> dict[tuple[str, str], tuple[str, str, dict[str, Any]]]:
    """(kind, key) → (name, orgunit, definition) for everything the programme declares."""
    prog = loaded.programme
    out: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = {}
    for ind in prog.indicators:
        out[("indicator", ind.code)] = (ind.name, "", ind.model_dump(mode="json"))
    for tgt in prog.targets:
        out[("target", tgt.id)] = (tgt.title, tgt.orgunit, tgt.model_dump(mode="json"))
    for task in prog.tasks:
        out[("task", task.id)] = (task.title, task.lead[0] if task.lead else "",
                                  task.model_dump(mode="json"))
    for val in prog.values:
        doc = val.source.document if val.source else ""
        key = f"{val.indicator}|{val.orgunit}|{val.period}|{val.category}|{doc}"
        out[("value", key)] = ("", val.orgunit, val.model_dump(mode="json"))
    for form in load_forms(loaded, strict=False):
        out[("form", form.code)] = (form.name, "", form.model_dump(mode="json"))
    return out


def _meta(loaded: LoadedProgramme) -> dict[str, Any]:
    skip = {"indicators", "targets", "tasks", "values"}
    return {k: v for k, v in loaded.programme.model_dump(mode="json").items() if k not in skip}


def _hash(meta: dict[str, Any], items: dict) -> str:
    blob = json.dumps([meta, sorted((k, v[2]) for k, v in items.items())], sort_keys=True,
                      ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _changed_fields(before: Any, after: Any) -> list[str]:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return ["*"]
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def import_programme(session: Session, loaded: LoadedProgramme,
                     actor: Actor | None = None) -> ImportResult:
    """Bring the store's copy of ``loaded`` up to date and record what changed (the caller
    commits). Admins only."""
    actor = actor or Actor.cli()
    require(actor, Action.ADMIN)
    sync_orgunits(session)
    prog = loaded.programme
    items = _items(loaded)
    meta = _meta(loaded)
    digest = _hash(meta, items)
    row = session.scalar(select(ProgrammeRow).where(ProgrammeRow.code == prog.code))
    if row is not None and row.content_hash == digest:
        return ImportResult(prog.code, None, unchanged=True)
    new_programme = row is None
    if row is None:
        row = ProgrammeRow(code=prog.code, name=prog.name, version=0)
        session.add(row)
        session.flush()
    before_meta = None if new_programme else dict(row.data or {})
    row.name, row.name_en, row.period, row.owner = prog.name, prog.name_en, prog.period, \
        prog.owner
    row.data, row.content_hash = meta, digest
    row.version = (row.version or 0) + 1
    row.imported_at = utcnow()
    record = ProgrammeImport(programme_id=row.id, actor=actor.username,
                             source_path=str(loaded.path), content_hash=digest)
    session.add(record)
    session.flush()
    result = ImportResult(prog.code, record.id)
    if before_meta is not None and before_meta != meta:
        fields = _changed_fields(before_meta, meta)
        record.changes.append(ProgrammeChange(kind="programme", key=prog.code, change="changed",
                                              fields=fields, before=before_meta, after=meta))
        result.changed.append(("programme", prog.code, fields))

    existing = {(i.kind, i.key): i for i in session.scalars(
        select(ProgrammeItem).where(ProgrammeItem.programme_id == row.id))}
    now = utcnow()
    for (kind, key), (name, orgunit, data) in items.items():
        item = existing.get((kind, key))
        if item is None:
            session.add(ProgrammeItem(programme_id=row.id, kind=kind, key=key, name=name,
                                      orgunit=orgunit, data=data, active=True, updated_at=now))
            record.changes.append(ProgrammeChange(kind=kind, key=key, change="added",
                                                  after=data))
            result.added.append((kind, key))
        elif item.data != data or not item.active:
            fields = _changed_fields(item.data, data) if item.active else ["(restored)"]
            record.changes.append(ProgrammeChange(kind=kind, key=key, change="changed",
                                                  fields=fields, before=item.data, after=data))
            item.name, item.orgunit, item.data, item.active, item.updated_at = (
                name, orgunit, data, True, now)
            result.changed.append((kind, key, fields))
    for (kind, key), item in existing.items():
        if (kind, key) not in items and item.active:
            item.active = False
            item.updated_at = now
            record.changes.append(ProgrammeChange(kind=kind, key=key, change="removed",
                                                  before=item.data))
            result.removed.append((kind, key))
    record.added, record.changed, record.removed = (len(result.added), len(result.changed),
                                                    len(result.removed))
    audit.record(session, actor, "programme.import", "programme", prog.code,
                 None if new_programme else {"version": row.version - 1},
                 {"version": row.version, "added": record.added, "changed": record.changed,
                  "removed": record.removed, "import_id": record.id})
    session.flush()
    return result


def sync_orgunits(session: Session) -> int:
    """Fill the org-unit snapshot table when empty or out of date; returns rows written."""
    hierarchy = default_hierarchy()
    count = session.scalar(select(func.count()).select_from(OrgUnitRow)) or 0
    if count == len(hierarchy):
        return 0
    have = set(session.scalars(select(OrgUnitRow.code)))
    rows = [OrgUnitRow(code=u.code, name=u.name, level=str(u.level), parent=u.parent,
                       valid_from=u.valid_from.isoformat() if u.valid_from else None,
                       valid_to=u.valid_to.isoformat() if u.valid_to else None)
            for u in hierarchy if u.code not in have]
    session.add_all(rows)
    session.flush()
    return len(rows)


def programme_imports(session: Session, code: str) -> list[ProgrammeImport]:
    row = session.scalar(select(ProgrammeRow).where(ProgrammeRow.code == code))
    if row is None:
        return []
    return list(session.scalars(select(ProgrammeImport).where(
        ProgrammeImport.programme_id == row.id).order_by(ProgrammeImport.id)))


# -- reading the imported catalogue (public metadata) ------------------------------------

KINDS = ("indicator", "target", "task", "form", "value")


def list_programmes(session: Session) -> list[ProgrammeRow]:
    return list(session.scalars(select(ProgrammeRow).order_by(ProgrammeRow.code)))


def get_programme(session: Session, code: str) -> ProgrammeRow:
    from sodo.domain.permissions import NotFound

    row = session.scalar(select(ProgrammeRow).where(ProgrammeRow.code == code))
    if row is None:
        raise NotFound(f"no programme '{code}'")
    return row


def list_items(session: Session, kind: str, *, programme: str | None = None,
               orgunit: str | None = None, q: str | None = None, limit: int = 100,
               offset: int = 0) -> tuple[list[ProgrammeItem], int]:
    """Active items of one kind, by key; ``q`` matches key or name ignoring diacritics."""
    from sodo.domain.text import fold

    stmt = select(ProgrammeItem).where(ProgrammeItem.kind == kind,
                                       ProgrammeItem.active.is_(True))
    if programme:
        stmt = stmt.join(ProgrammeRow).where(ProgrammeRow.code == programme)
    if orgunit:
        stmt = stmt.where(ProgrammeItem.orgunit == orgunit)
    rows = list(session.scalars(stmt.order_by(ProgrammeItem.key)))
    if q:
        needle = fold(q)
        rows = [r for r in rows if needle in fold(r.key) or needle in fold(r.name or "")]
    return rows[offset:offset + limit], len(rows)


def get_item(session: Session, kind: str, key: str) -> ProgrammeItem:
    from sodo.domain.permissions import NotFound

    row = session.scalar(select(ProgrammeItem).where(
        ProgrammeItem.kind == kind, ProgrammeItem.key == key, ProgrammeItem.active.is_(True))
        .order_by(ProgrammeItem.id.desc()).limit(1))
    if row is None:
        raise NotFound(f"no {kind} '{key}'")
    return row
