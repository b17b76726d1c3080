"""The programme catalogue: the one source of the programme that every interface reads.

A programme lives in files (YAML, in git); :func:`sync` is the explicit step that brings the
operational store's copy up to date — every indicator (including those of the 766 index, with
names, units and maxima from ``svc766.yaml``), target, task, report form and the figures the
programme's documents give (seed values, written to the values repository). Re-syncing compares
item by item and records what was added, changed (with the fields) or removed in
``programme_import`` / ``programme_change`` and the audit log; an unchanged programme is a no-op.
Removed items are kept, marked inactive, so history that refers to them still resolves.

Readers call :func:`current`: the synced programme as a :class:`Catalogue` (cached per
version), or — where no store holds one yet — the files themselves. :func:`status` says whether
the store is out of date with the files (``sodo programme check`` prints it).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from sodo.domain.forms import ReportForm
from sodo.domain.indicators import IndexConfig
from sodo.domain.orgunits import default_hierarchy
from sodo.domain.permissions import Action, Actor, NotFound, require
from sodo.domain.programme import Indicator, Programme, Source, Target, Task
from sodo.domain.text import fold
from sodo.domain.values import seed_candidates
from sodo.services import audit
from sodo.services.engine.definitions import load_engine_config
from sodo.services.programme import (
    LoadedProgramme,
    default_programme_path,
    load_forms,
    load_programme,
)
from sodo.stores.operational import values as values_repo
from sodo.stores.operational.models import (
    OrgUnitRow,
    ProgrammeChange,
    ProgrammeImport,
    ProgrammeItem,
    ProgrammeRow,
    utcnow,
)
from sodo.stores.operational.synced_items import PLAN_KIND

KINDS = ("indicator", "target", "task", "form", "value", "index")


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


def index_indicators(index: IndexConfig) -> list[Indicator]:
    """Every value code the 766 index produces as an indicator, named and explained from its
    configuration: the rate of each component (in percent, or days for 2.2), the points it
    earns, the points of each group, the total and the rank."""
    source = {"document": index.source} if index.source else None
    out: list[Indicator] = []
    for ind in index.indicators:
        percent = ind.unit == "%"
        lower = not percent and not ind.display  # no such component today; rates go up
        out.append(Indicator.model_validate({
            "code": ind.code, "name": ind.name, "name_en": ind.name_en or ind.name,
            "unit": ind.unit, "value_type": "percent" if percent else "number",
            "direction": "lower" if (lower or ind.display) else "higher",
            "obtained": "computed", "aggregation_time": "ratio",
            "aggregation_hierarchy": "ratio", "area": "Chính phủ số", "source": source,
            "method": (f"Chỉ số {ind.id} của Bộ chỉ số 766: tử số / mẫu số theo cấu hình "
                       f"svc766.yaml{'' if ind.display else f' (ngưỡng {ind.threshold:g} %)'}. "
                       + (ind.note or "")).strip(),
            "method_en": (f"Indicator {ind.id} of the Decision 766 index: numerator / "
                          f"denominator as configured in svc766.yaml"
                          f"{'' if ind.display else f' (threshold {ind.threshold:g} %)'}. "
                          + (ind.note_en or "")).strip(),
            "description": "" if ind.display else
            f"Thuộc nhóm {ind.group}; tối đa {ind.max:g} điểm.",
            "description_en": "" if ind.display else
            f"In group {ind.group}; at most {ind.max:g} points.",
            "decimals": 2}))
        if not ind.display:
            out.append(Indicator.model_validate({
                "code": index.score_code(ind), "name": f"Điểm chỉ số {ind.id}: {ind.name}",
                "name_en": f"Points of indicator {ind.id}: {ind.name_en or ind.name}",
                "unit": "điểm", "value_type": "score", "direction": "higher",
                "obtained": "computed", "aggregation_time": "none",
                "aggregation_hierarchy": "none", "area": "Chính phủ số", "source": source,
                "method": (f"Điểm = {ind.max:g} nếu tỷ lệ ≥ {ind.threshold:g} %, ngược lại "
                           f"tỷ lệ × {ind.max:g} / {ind.threshold:g}; mẫu số bằng 0: không "
                           "tính (N/A)."),
                "method_en": (f"Points = {ind.max:g} if the rate is ≥ {ind.threshold:g} %, "
                              f"otherwise rate × {ind.max:g} / {ind.threshold:g}; a zero "
                              "denominator: not computed (N/A)."),
                "description": f"Tối đa {ind.max:g} điểm (nhóm {ind.group}).",
                "description_en": f"At most {ind.max:g} points (group {ind.group}).",
                "decimals": 2}))
    for group in index.groups:
        members = [i.id for i in index.indicators if i.group == group.code and not i.display]
        out.append(Indicator.model_validate({
            "code": index.group_code(group), "name": f"Nhóm {group.code}: {group.name}",
            "name_en": f"Group {group.code}: {group.name_en or group.name}", "unit": "điểm",
            "value_type": "score", "direction": "higher", "obtained": "computed",
            "aggregation_time": "none", "aggregation_hierarchy": "none",
            "area": "Chính phủ số", "source": source,
            "method": (f"Tổng điểm các chỉ số {', '.join(members) or '—'} tính được từ dữ "
                       f"liệu; nhóm tối đa {group.max:g} điểm theo Quyết định 766."),
            "method_en": (f"Sum of the points of indicators {', '.join(members) or '—'} "
                          f"computable from the data; at most {group.max:g} points for the "
                          "group under Decision 766."),
            "description": f"Tối đa {group.max:g} điểm.",
            "description_en": f"At most {group.max:g} points.", "decimals": 2}))
    out.append(Indicator.model_validate({
        "code": index.total_code, "name": f"Tổng điểm {index.name}",
        "name_en": f"Total score: {index.name_en or index.name}", "unit": "điểm/100",
        "value_type": "score", "direction": "higher", "obtained": "computed",
        "aggregation_time": "none", "aggregation_hierarchy": "none", "area": "Chính phủ số",
        "source": source, "method": "100 × điểm đạt được / số điểm tối đa tính được từ dữ liệu.",
        "method_en": "100 × points earned / maximum points computable from the data.",
        "decimals": 2}))
    out.append(Indicator.model_validate({
        "code": index.rank_code, "name": f"Thứ hạng theo {index.name}",
        "name_en": f"Rank on the {index.name_en or index.name}", "unit": "hạng",
        "value_type": "rank", "direction": "lower", "obtained": "computed",
        "aggregation_time": "none", "aggregation_hierarchy": "none", "area": "Chính phủ số",
        "source": source, "method": "Xếp hạng cạnh tranh (1, 2, 2, 4) theo tổng điểm.",
        "method_en": "Standard competition ranking (1, 2, 2, 4) by total score.",
        "decimals": 0}))
    return out


def _index_config(path: Path) -> IndexConfig | None:
    if not (path.is_dir() and any(path.glob("*.y*ml"))):
        return None
    return load_engine_config(path).index


def _items(loaded: LoadedProgramme, index: IndexConfig | None = None
           ) -> dict[tuple[str, str], tuple[str, str, dict[str, Any]]]:
    """(kind, key) → (name, orgunit, definition) for everything the programme declares."""
    prog = loaded.programme
    out: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = {}
    for ind in prog.indicators:
        out[("indicator", ind.code)] = (ind.name, "", ind.model_dump(mode="json"))
    if index is not None:
        out[("index", index.code)] = (index.name, "", index.model_dump(mode="json"))
        for ind in index_indicators(index):
            # the programme's own definition of a code (svc766_total) wins
            out.setdefault(("indicator", ind.code), (ind.name, "", ind.model_dump(mode="json")))
    for tgt in prog.targets:
        out[("target", tgt.id)] = (tgt.title, tgt.orgunit, tgt.model_dump(mode="json"))
    for task in prog.tasks:
        out[("task", task.id)] = (task.title, task.lead[0] if task.lead else "",
                                  task.model_dump(mode="json"))
    for val in prog.values:
        out[("value", _value_key(val))] = ("", val.orgunit, val.model_dump(mode="json"))
    for form in load_forms(loaded, strict=False):
        out[("form", form.code)] = (form.name, "", form.model_dump(mode="json"))
    return out


def _value_key(val: Any) -> str:
    doc = val.source.document if val.source else ""
    return f"{val.indicator}|{val.orgunit}|{val.period}|{val.category}|{doc}"


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


def sync(session: Session, actor: Actor, path: str | Path | None = None,
         loaded: LoadedProgramme | None = None) -> ImportResult:
    """Bring the store's copy of the programme in ``path`` (or ``loaded``) up to date and
    record what changed; the programme's seed values replace its earlier ones in the values
    repository. The caller commits. Admins only; the right is checked before the files are
    read."""
    require(actor, Action.ADMIN)
    if loaded is None:
        loaded = load_programme(path)
    index = _index_config(Path(loaded.path))
    sync_orgunits(session)
    prog = loaded.programme
    items = _items(loaded, index)
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
    session.flush()
    seeds = values_repo.replace_seeds(session, prog.code, seed_candidates(prog))
    audit.record(session, actor, "programme.sync", "programme", prog.code,
                 None if new_programme else {"version": row.version - 1},
                 {"version": row.version, "added": record.added, "changed": record.changed,
                  "removed": record.removed, "import_id": record.id, "seed_values": seeds,
                  "source_path": str(loaded.path)})
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


@dataclass(frozen=True)
class SyncStatus:
    """Whether the store's copy of a programme matches its files."""

    code: str
    in_store: bool
    up_to_date: bool
    store_version: int | None = None
    imported_at: datetime | None = None
    changed: list[str] = field(default_factory=list)  # "kind key" that differ (first 20)

    def message(self) -> str:
        if not self.in_store:
            return (f"programme {self.code} is not in the store yet; run: sodo programme sync")
        if self.up_to_date:
            return (f"the store holds version {self.store_version} of {self.code}, "
                    "the same as the files")
        what = ", ".join(self.changed[:5]) + (" …" if len(self.changed) > 5 else "")
        return (f"the store holds version {self.store_version} of {self.code}, older than the "
                f"files ({what}); run: sodo programme sync")


def status(session: Session, loaded: LoadedProgramme) -> SyncStatus:
    """Compare the files of ``loaded`` with the store's copy."""
    index = _index_config(Path(loaded.path))
    items = _items(loaded, index)
    digest = _hash(_meta(loaded), items)
    row = session.scalar(select(ProgrammeRow).where(ProgrammeRow.code == loaded.programme.code))
    if row is None:
        return SyncStatus(loaded.programme.code, False, False)
    if row.content_hash == digest:
        return SyncStatus(row.code, True, True, row.version, row.imported_at)
    stored = {(i.kind, i.key): i.data for i in session.scalars(
        select(ProgrammeItem).where(ProgrammeItem.programme_id == row.id,
                                    ProgrammeItem.active.is_(True)))}
    changed = sorted(f"{k} {key}" for (k, key) in set(stored) | set(items)
                     if stored.get((k, key)) != (items.get((k, key)) or (None, None, None))[2])
    return SyncStatus(row.code, True, False, row.version, row.imported_at,
                      changed or ["programme metadata"])


# -- the read model ----------------------------------------------------------------------

@dataclass
class Catalogue:
    """The programme as every interface reads it: indicators (the 766 index's too), targets,
    tasks, report forms and the 766 configuration, with look-ups."""

    programme: Programme
    forms: list[ReportForm]
    index: IndexConfig | None
    version: str
    imported_at: datetime | None = None
    synced: bool = True  # False: read from files, no store holds it
    _indicators: dict[str, Indicator] = field(default_factory=dict, repr=False)
    _targets: dict[str, Target] = field(default_factory=dict, repr=False)
    _tasks: dict[str, Task] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._indicators = {i.code: i for i in self.programme.indicators}
        self._targets = {t.id: t for t in self.programme.targets}
        self._tasks = {t.id: t for t in self.programme.tasks}

    @property
    def code(self) -> str:
        return self.programme.code

    def indicator(self, code: str) -> Indicator | None:
        return self._indicators.get(code)

    def target(self, target_id: str) -> Target | None:
        return self._targets.get(target_id)

    def task(self, task_id: str) -> Task | None:
        return self._tasks.get(task_id)

    def source(self, document: str) -> Source | None:
        """The programme's entry for a source document (its title, English names)."""
        return next((s for s in self.programme.sources if s.document == document), None)

    def form(self, code: str) -> ReportForm | None:
        return next((f for f in self.forms if f.code == code), None)

    def is_index_component(self, code: str) -> bool:
        """A code of the 766 index other than its total (a rate, points, a group, the rank):
        shown on the index's own pages, not among the programme's headline figures."""
        return (self.index is not None and code != self.index.total_code
                and code in set(self.index.output_codes()))

    def index_maximum(self, code: str) -> float | None:
        """The most points a 766 code can earn (group maxima, indicator maxima, 100 total)."""
        if self.index is None:
            return None
        if code == self.index.total_code:
            return 100.0
        for group in self.index.groups:
            if self.index.group_code(group) == code:
                return group.max
        for ind in self.index.indicators:
            if not ind.display and self.index.score_code(ind) == code:
                return ind.max
        return None


def _from_loaded(loaded: LoadedProgramme, synced: bool) -> Catalogue:
    index = _index_config(Path(loaded.path))
    items = _items(loaded, index)
    extra = [Indicator.model_validate(data) for (kind, _), (_, _, data) in items.items()
             if kind == "indicator" and data["code"] not in
             {i.code for i in loaded.programme.indicators}]
    programme = loaded.programme.model_copy(
        update={"indicators": [*loaded.programme.indicators, *extra]})
    forms = [ReportForm.model_validate(data) for (kind, _), (_, _, data) in items.items()
             if kind == "form"]
    return Catalogue(programme, forms, index, _hash(_meta(loaded), items), synced=synced)


def for_files(path: str | Path | None = None, *, checked_within: float = 0.0) -> Catalogue:
    """The catalogue of a programme read straight from its files (no store). Kept while its
    files are unchanged (same names, sizes and modification times): a database-only server
    reads the programme this way on every request, and parsing the YAML costs ~0.3 s.
    ``checked_within``: seconds for which the files' last check stands (a page need not list
    and stat every file on each request; an edit shows within that time)."""
    root = Path(path) if path is not None else None
    now = time.monotonic()
    with _CACHE_LOCK:
        last = _FILES_CHECKED.get(root)
    if last is not None and now - last[0] < checked_within:
        key = last[1]
    else:
        key = _files_fingerprint(root)
        with _CACHE_LOCK:
            _FILES_CHECKED[root] = (now, key)
            while len(_FILES_CHECKED) > FILES_CACHED:
                _FILES_CHECKED.pop(next(iter(_FILES_CHECKED)))
    if key is not None:
        with _CACHE_LOCK:
            found = _FILES_CACHE.get(key)
        if found is not None:
            return found
    built = _from_loaded(load_programme(path), synced=False)
    if key is not None:
        with _CACHE_LOCK:
            _FILES_CACHE[key] = built
            while len(_FILES_CACHE) > FILES_CACHED:
                _FILES_CACHE.pop(next(iter(_FILES_CACHE)))
    return built


FILES_CACHED = 8  # programme folders (or states of one) whose catalogue is kept
_FILES_CHECKED: dict[Path | None, tuple[float, Any]] = {}  # folder -> (checked at, fingerprint)


def _files_fingerprint(root: Path | None) -> tuple[Any, ...] | None:
    """What changes when a programme's files change: every file under the folder (or the one
    file) with its size and modification time; None when they cannot be read (no caching)."""
    root = root if root is not None else default_programme_path()
    try:
        root = root.resolve()
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        stats = tuple((str(f), st.st_mtime_ns, st.st_size) for f in files
                      for st in (f.stat(),))
    except OSError:
        return None
    return (str(root), stats)


_CACHE: dict[tuple[int, str], Catalogue] = {}
_FILES_CACHE: dict[tuple[Any, ...], Catalogue] = {}
_CACHE_LOCK = threading.Lock()


PLAN = PLAN_KIND  # ``data["kind"]`` of a unit's plan: a programme, but not the workspace's own


#: Whether a stored programme (id, content hash) is a unit's plan: its content decides, so
#: the answer never changes for a given hash (every request asks; the data is large).
_IS_PLAN: dict[tuple[int, str], bool] = {}


def _is_plan(session: Session, row_id: int, digest: str) -> bool:
    key = (row_id, digest)
    found = _IS_PLAN.get(key)
    if found is None:
        data = session.scalar(select(ProgrammeRow.data).where(ProgrammeRow.id == row_id))
        found = _IS_PLAN[key] = isinstance(data, dict) and data.get("kind") == PLAN
    return found


def _newest_row(session: Session) -> tuple[int, str, str] | None:
    """The workspace's programme: the one synced last that is not a unit's plan."""
    for row_id, code, digest in session.execute(
            select(ProgrammeRow.id, ProgrammeRow.code, ProgrammeRow.content_hash)
            .order_by(ProgrammeRow.imported_at.desc(), ProgrammeRow.id.desc())):
        if not _is_plan(session, row_id, digest):
            return row_id, code, digest
    return None


def catalogue_version(session: Session) -> tuple[Any, ...] | None:
    """Changes whenever a programme is synced."""
    return _newest_row(session)


def catalogue_marks() -> list[Any]:
    """Scalar subqueries that change whenever :func:`catalogue_version` may (a sync inserts a
    row or rewrites one's content and ``imported_at`` together; a removal lowers the count), to
    read with other marks in one statement."""
    return [select(func.max(ProgrammeRow.id)).scalar_subquery(),
            select(func.max(ProgrammeRow.imported_at)).scalar_subquery(),
            select(func.count(ProgrammeRow.id)).scalar_subquery()]


def current(session: Session, code: str | None = None) -> Catalogue | None:
    """The synced programme (``code``, else the one synced last), or None if the store holds
    none. Built once per version and shared."""
    if code is None:
        newest = _newest_row(session)
    else:
        found = session.execute(select(ProgrammeRow.id, ProgrammeRow.code,
                                       ProgrammeRow.content_hash)
                                .where(ProgrammeRow.code == code)).first()
        newest = (found[0], found[1], found[2]) if found else None
    if newest is None:
        return None
    key = (newest[0], newest[2])
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    row = session.get(ProgrammeRow, newest[0])
    assert row is not None
    items = list(session.scalars(select(ProgrammeItem).where(
        ProgrammeItem.programme_id == row.id, ProgrammeItem.active.is_(True))
        .order_by(ProgrammeItem.id)))
    by_kind: dict[str, list[Any]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item.data)
    programme = Programme.model_validate({
        **(row.data or {}), "code": row.code, "name": row.name,
        "indicators": by_kind.get("indicator", []), "targets": by_kind.get("target", []),
        "tasks": by_kind.get("task", []), "values": by_kind.get("value", [])})
    index_data = by_kind.get("index", [])
    catalogue = Catalogue(programme,
                          [ReportForm.model_validate(d) for d in by_kind.get("form", [])],
                          IndexConfig.model_validate(index_data[0]) if index_data else None,
                          row.content_hash, row.imported_at)
    with _CACHE_LOCK:
        _CACHE[key] = catalogue
    return catalogue


#: Engines whose store was seen to have the programme table (a table is never dropped under a
#: running app), so a page does not ask the database's catalogue on every request.
_HAS_TABLE: weakref.WeakSet[Any] = weakref.WeakSet()


def _has_programme_table(session: Session) -> bool:
    conn = session.connection()
    if conn.engine in _HAS_TABLE:
        return True
    if inspect(conn).has_table("programme"):
        _HAS_TABLE.add(conn.engine)
        return True
    return False


def stored(session: Session) -> Catalogue | None:
    """The synced programme, or None when the store holds none (or has no programme table)."""
    return current(session) if _has_programme_table(session) else None


def current_or_files(session: Session | None, path: str | Path | None) -> Catalogue:
    """The synced programme; where no store holds one, the programme's files."""
    found = stored(session) if session is not None else None
    return found if found is not None else for_files(path)


def programme_imports(session: Session, code: str) -> list[ProgrammeImport]:
    row = session.scalar(select(ProgrammeRow).where(ProgrammeRow.code == code))
    if row is None:
        return []
    return list(session.scalars(select(ProgrammeImport).where(
        ProgrammeImport.programme_id == row.id).order_by(ProgrammeImport.id)))


# -- listing the imported catalogue (public metadata) --------------------------------------

def list_programmes(session: Session) -> list[ProgrammeRow]:
    return list(session.scalars(select(ProgrammeRow).order_by(ProgrammeRow.code)))


def get_programme(session: Session, code: str) -> ProgrammeRow:
    row = session.scalar(select(ProgrammeRow).where(ProgrammeRow.code == code))
    if row is None:
        raise NotFound(f"no programme '{code}'")
    return row


def list_items(session: Session, kind: str, *, programme: str | None = None,
               orgunit: str | None = None, q: str | None = None, limit: int = 100,
               offset: int = 0) -> tuple[list[ProgrammeItem], int]:
    """Active items of one kind, by key; ``q`` matches key or name ignoring diacritics."""
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


def programme_code(session: Session, programme_id: int) -> str:
    row = session.get(ProgrammeRow, programme_id)
    return row.code if row is not None else ""


def get_item(session: Session, kind: str, key: str) -> ProgrammeItem:
    row = session.scalar(select(ProgrammeItem).where(
        ProgrammeItem.kind == kind, ProgrammeItem.key == key, ProgrammeItem.active.is_(True))
        .order_by(ProgrammeItem.id.desc()).limit(1))
    if row is None:
        raise NotFound(f"no {kind} '{key}'")
    return row
