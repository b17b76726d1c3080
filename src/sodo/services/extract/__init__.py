"""From directive to tasks: read a document, propose its tasks with the "6 rõ", write the
accepted ones into the programme.

The rules live in :mod:`sodo.domain.extract` (pure); this service reads files
(:mod:`.readers`), checks rights before any work, turns proposals into the programme's own
``tasks`` format, and accepts them: appended to the workspace programme's
``tasks-extracted.yaml``, checked by loading the whole programme, synced into the store with
:func:`sodo.services.catalogue.sync`, audited in the same transaction.

The rules are the only backend today. A language-model backend may later implement
:class:`Backend` (same input, same :class:`~sodo.domain.extract.model.Extraction` out); it is
never the default.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from sodo.domain.extract.model import Extraction, Proposal
from sodo.domain.extract.rules import extract_tasks
from sodo.domain.orgunits import NATION_CODE, Hierarchy, default_hierarchy
from sodo.domain.periods import PeriodError, parse_deadline
from sodo.domain.permissions import Action, Actor, require
from sodo.domain.problems import InputError, Problem
from sodo.domain.programme import Task
from sodo.domain.text import fold
from sodo.services.extract.readers import check_text, read_document

EXTRACTED_FILE = "tasks-extracted.yaml"
_WRITE_LOCK = threading.Lock()


class Backend(Protocol):
    """What proposes tasks from a cleaned text (the rules; later perhaps a model)."""

    def __call__(self, text: str, *, source: str | None, issued: date | None,
                 today: date | None) -> Extraction: ...


def rules_backend(text: str, *, source: str | None = None, issued: date | None = None,
                  today: date | None = None) -> Extraction:
    return extract_tasks(text, source=source, issued=issued, today=today)


def extract_text(text: str, *, source: str | None = None, issued: date | None = None,
                 today: date | None = None, name: str = "<text>",
                 backend: Backend = rules_backend) -> Extraction:
    """Proposals for a text already read (refused when empty or not Vietnamese)."""
    check_text(text, name)
    return backend(text, source=source, issued=issued, today=today)


def extract_bytes(data: bytes, name: str, *, source: str | None = None,
                  issued: date | None = None, today: date | None = None,
                  backend: Backend = rules_backend) -> Extraction:
    """Proposals for a document given as bytes (.txt, .docx, .pdf)."""
    return extract_text(read_document(data, name), source=source, issued=issued,
                        today=today, name=name, backend=backend)


def extract_path(path: str | Path, **options: Any) -> Extraction:
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{file}: no such file")
    return extract_bytes(file.read_bytes(), file.name, **options)


def propose(actor: Actor, *, text: str | None = None, data: bytes | None = None,
            name: str = "<text>", source: str | None = None, issued: date | None = None,
            today: date | None = None) -> Extraction:
    """What the review page and the API call: rights first, then the reading."""
    require(actor, Action.ADMIN)
    if data is not None:
        return extract_bytes(data, name, source=source, issued=issued, today=today)
    return extract_text(text or "", source=source, issued=issued, today=today, name=name)


# -- the programme's own format ------------------------------------------------------------

def task_id_prefix(source: str) -> str:
    """"4/TB-VPCP" → "4-TB-VPCP" (the ids of a document's tasks)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", fold(source).upper()).strip("-")
    return slug[:40] or "EXTRACT"


def _deadline_field(p: Proposal) -> str | None:
    """The deadline as written when sodo reads it back to the same day, else the period."""
    if p.recurring:
        return p.deadline_text if _same(p.deadline_text, None, True) else "Thường xuyên"
    if p.deadline is None:
        return None
    if p.deadline_text and _same(p.deadline_text, p.deadline, False):
        return p.deadline_text
    return p.deadline_period or p.deadline.isoformat()


def _same(text: str, due: date | None, recurring: bool) -> bool:
    try:
        parsed = parse_deadline(text)
    except PeriodError:
        return False
    return parsed.recurring == recurring and parsed.due == due


def programme_task(p: Proposal, task_id: str) -> dict[str, Any]:
    """One proposal as an entry of the programme's ``tasks`` section."""
    lead = [c for c in p.lead if c] or [NATION_CODE]
    entry: dict[str, Any] = {"id": task_id, "title": p.title or p.work[:120], "work": p.work,
                             "lead": lead}
    note = p.lead_text if lead == [NATION_CODE] else ""
    if p.lead_other:
        note = "; ".join(dict.fromkeys([*p.lead_other, *([note] if note else [])]))
    if note:
        entry["lead_note"] = note
    if p.partners:
        entry["partners"] = list(p.partners)
    if p.partners_other:
        entry["partners_other"] = list(p.partners_other)
    deadline = _deadline_field(p)
    if deadline:
        entry["deadline"] = deadline
    if not p.deadline and not p.recurring:
        entry["deadline_note"] = p.deadline_text or "không nêu thời hạn"
    if p.authority:
        entry["authority"] = p.authority
    if p.deliverable:
        entry["deliverable"] = p.deliverable
    if p.group:
        entry["group"] = p.group
    source: dict[str, Any] = {"document": p.source or "(không rõ số hiệu)"}
    if p.issued:
        source["issued"] = p.issued
    source["passage"] = p.source_passage
    notes = [*p.notes, f"Đề xuất bởi sodo extract (độ tin cậy {p.confidence:.2f})"]
    if p.unresolved:
        notes.append("Không thuộc danh mục đơn vị của sodo: " + ", ".join(p.unresolved))
    source["note"] = "; ".join(notes)
    entry["source"] = source
    Task.model_validate(entry)  # the programme's own model says it is well formed
    return entry


def programme_tasks(proposals: Iterable[Proposal], source: str = "",
                    taken: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Proposals as programme entries with ids unique against ``taken``."""
    used = set(taken)
    out = []
    for n, p in enumerate(proposals, start=1):
        prefix = task_id_prefix(p.source or source)
        base = f"{prefix}-{(p.number or n):02d}"
        task_id, k = base, 1
        while task_id in used:
            k += 1
            task_id = f"{base}-{k}"
        used.add(task_id)
        out.append(programme_task(p, task_id))
    return out


def tasks_yaml(entries: list[dict[str, Any]], header: str = "") -> str:
    """``tasks:`` in the programme's YAML format (what ``sodo programme check`` loads)."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.width = 100
    yaml.allow_unicode = True
    buf = io.StringIO()
    if header:
        buf.write("".join(f"# {line}\n" if line else "#\n" for line in header.split("\n")))
    yaml.dump({"tasks": entries}, buf)
    return buf.getvalue()


# -- accepting edited proposals ----------------------------------------------------------------

@dataclass
class Accepted:
    file: Path
    task_ids: list[str]
    rejected: int
    sync: Any = None
    problems: list[Problem] = field(default_factory=list)


def proposal_from_edit(data: dict[str, Any], index: int, hierarchy: Hierarchy,
                       on: date | None) -> tuple[Proposal, list[Problem]]:
    """A proposal as the reviewer left it (lead and partners as codes, the deadline as
    words, a date or a period id), with the problems of each field."""
    obj = f"proposal {index}"
    problems: list[Problem] = []

    def codes(field_name: str) -> list[str]:
        raw = data.get(field_name) or []
        items = [c.strip() for c in (raw.split(",") if isinstance(raw, str) else raw)
                 if str(c).strip()]
        out = []
        for item in items:
            code = item.split(" ", 1)[0].strip() if item.split(" ", 1)[0] in hierarchy \
                else item
            if code not in hierarchy:
                problems.append(Problem(f"'{item}' is not an org-unit code", column=field_name,
                                        rule="orgunit", object=obj))
                continue
            unit = hierarchy.get(code)
            if on is not None and not unit.active_on(on) and code != NATION_CODE:
                pass  # a unit of the document's time is right even if closed since
            out.append(code)
        return out

    work = " ".join(str(data.get("work") or "").split())
    if not work:
        problems.append(Problem("the work (rõ việc) is empty", column="work", rule="rõ việc",
                                object=obj))
    p = Proposal(work=work)
    try:
        p.number = int(data.get("n") or 0)
    except (TypeError, ValueError):
        p.number = 0
    p.title = " ".join(str(data.get("title") or "").split()) or work[:120]
    p.lead = codes("lead")
    p.partners = [c for c in codes("partners") if c not in p.lead]
    p.partners_other = [s for s in _strings(data.get("partners_other"))]
    p.lead_other = [s for s in _strings(data.get("lead_other"))]
    p.lead_text = str(data.get("lead_text") or "")
    p.deliverable = " ".join(str(data.get("deliverable") or "").split())
    p.authority = " ".join(str(data.get("authority") or "").split())
    p.group = str(data.get("group") or "")
    p.source = str(data.get("source") or "")
    p.source_passage = str(data.get("source_passage") or "")
    p.unresolved = [s for s in _strings(data.get("unresolved"))]
    p.notes = [s for s in _strings(data.get("notes"))]
    try:
        p.confidence = float(data.get("confidence") or 0.5)
    except (TypeError, ValueError):
        p.confidence = 0.5
    issued = data.get("issued")
    try:
        p.issued = date.fromisoformat(str(issued)) if issued else None
    except ValueError:
        problems.append(Problem(f"'{issued}' is not a date (YYYY-MM-DD)", column="issued",
                                rule="date", object=obj))
    deadline_words = " ".join(str(data.get("deadline_text") or "").split())
    iso = data.get("deadline")
    if deadline_words:
        try:
            due = parse_deadline(deadline_words)
        except PeriodError:
            if _ADVERB_ONLY.match(fold(deadline_words)):
                p.deadline_text = deadline_words  # "khẩn trương", "sớm": no date
            else:
                problems.append(Problem(f"cannot read the deadline '{deadline_words}' (e.g. "
                                        "'trong tháng 12/2025', 'Quý I/2026', '2026-03-31', "
                                        "'Thường xuyên')", column="deadline", rule="deadline",
                                        object=obj))
        else:
            p.deadline_text = deadline_words
            p.deadline, p.recurring = due.due, due.recurring
            p.deadline_period = due.period.id if due.period else None
    elif iso:
        try:
            p.deadline = date.fromisoformat(str(iso))
        except ValueError:
            problems.append(Problem(f"'{iso}' is not a date", column="deadline",
                                    rule="deadline", object=obj))
    if data.get("recurring") and p.deadline is None:
        p.recurring = True
    span = data.get("span") or [0, 0]
    try:
        p.span = (int(span[0]), int(span[1]))
    except (TypeError, ValueError, IndexError):
        p.span = (0, 0)
    return p, problems


_ADVERB_ONLY = re.compile(r"^(?:(?:khan truong|som|nhanh chong|kip thoi|gap|ngay)[;, ]*)+$")


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [s.strip() for s in value.split(";") if s.strip()]
    return [str(s).strip() for s in value if str(s).strip()]


def accept(session: Any, actor: Actor, programme_dir: str | Path,
           edits: list[dict[str, Any]], *, rejected: int = 0,
           default_programme: Path | None = None,
           hierarchy: Hierarchy | None = None) -> Accepted:
    """Write the accepted proposals into ``programme_dir/tasks-extracted.yaml`` (appended),
    check the whole programme loads, sync it into the store and audit it. Nothing is written
    when any proposal has a problem, or when the programme would no longer load. The caller
    commits."""
    from sodo.services import audit, catalogue
    from sodo.services.programme import load_programme

    require(actor, Action.ADMIN)
    hierarchy = hierarchy or default_hierarchy()
    folder = Path(programme_dir)
    if default_programme is not None and folder.resolve() == default_programme.resolve():
        raise InputError("the workspace has no programme folder of its own: accepted tasks "
                         "are written to the workspace's programme, never to sodo's shipped "
                         "one (create the workspace with: sodo init)")
    if not folder.is_dir():
        raise InputError(f"{folder}: the programme folder does not exist")
    if not edits:
        raise InputError("no proposal was accepted")
    proposals, problems = [], []
    for n, data in enumerate(edits, start=1):
        on = None
        proposal, found = proposal_from_edit(data, n, hierarchy, on)
        proposals.append(proposal)
        problems.extend(found)
    if problems:
        raise InputError(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in the "
                         "proposals; nothing was written", problems)
    target = folder / EXTRACTED_FILE
    with _WRITE_LOCK:
        before = target.read_text(encoding="utf-8") if target.exists() else None
        loaded = load_programme(folder)
        taken = {t.id for t in loaded.programme.tasks}
        entries = programme_tasks(proposals, taken=taken)
        _append(target, before, entries)
        try:
            loaded = load_programme(folder)
            result = catalogue.sync(session, actor, folder, loaded=loaded)
        except Exception:
            if before is None:
                target.unlink(missing_ok=True)
            else:
                target.write_text(before, encoding="utf-8")
            raise
    ids = [e["id"] for e in entries]
    audit.record(session, actor, "extract.accept", "programme", loaded.programme.code, None,
                 {"file": str(target), "tasks": ids, "accepted": len(ids),
                  "rejected": rejected,
                  "sources": sorted({p.source for p in proposals if p.source})})
    return Accepted(target, ids, rejected, result)


def record_proposals(session: Any, actor: Actor, extraction: Extraction, name: str) -> None:
    """Audit that a document was read and what was proposed (nothing else is stored)."""
    from sodo.services import audit

    audit.record(session, actor, "extract.propose", "document",
                 extraction.document.number or name, None,
                 {"name": name, "proposals": len(extraction.proposals),
                  "characters": len(extraction.text)})


def _append(target: Path, before: str | None, entries: list[dict[str, Any]]) -> None:
    from ruamel.yaml import YAML

    if before is None:
        header = ("Tasks accepted from directives with sodo's extraction (Trích xuất nhiệm "
                  "vụ).\nEach keeps its source document and the passage it was read from.")
        target.write_text(tasks_yaml(entries, header), encoding="utf-8")
        return
    yaml = YAML()
    yaml.width = 100
    yaml.allow_unicode = True
    doc = yaml.load(before) or {}
    doc.setdefault("tasks", [])
    doc["tasks"].extend(entries)
    import io

    buf = io.StringIO()
    yaml.dump(doc, buf)
    target.write_text(buf.getvalue(), encoding="utf-8")


__all__ = ["EXTRACTED_FILE", "Accepted", "Backend", "accept", "extract_bytes", "extract_path",
           "extract_text", "programme_task", "programme_tasks", "propose", "record_proposals",
           "tasks_yaml"]
