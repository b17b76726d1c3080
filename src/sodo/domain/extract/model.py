"""What the extractor proposes: one object per task with the "6 rõ", where it stands in the
text, and how sure the rules are."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

NOTICE, LETTER, DIRECTIVE, DECISION, OTHER = (
    "notice", "official_letter", "directive", "decision", "other")


@dataclass
class DocumentInfo:
    """The document a text comes from, as its heading says (or as the caller gives it)."""

    number: str = ""  # "4/TB-VPCP"
    issued: date | None = None
    kind: str = OTHER
    title: str = ""


@dataclass
class Proposal:
    """One proposed task. ``lead``/``partners`` are org-unit codes in force on the document's
    date; what names no unit is kept as written (``lead_other``, ``partners_other``) and
    listed in ``unresolved`` when it is a named body sodo does not know."""

    work: str
    title: str = ""
    lead: list[str] = field(default_factory=list)
    lead_names: list[str] = field(default_factory=list)
    lead_text: str = ""
    lead_other: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    partner_names: list[str] = field(default_factory=list)
    partners_other: list[str] = field(default_factory=list)
    deliverable: str = ""
    authority: str = ""
    deadline: date | None = None
    deadline_text: str = ""
    deadline_period: str | None = None  # the period id the deadline ends ("2026Q1")
    recurring: bool = False
    source: str = ""
    issued: date | None = None
    source_passage: str = ""
    span: tuple[int, int] = (0, 0)
    confidence: float = 0.5
    unresolved: list[str] = field(default_factory=list)
    group: str = ""
    notes: list[str] = field(default_factory=list)
    number: int = 0  # its place among the document's proposals (1, 2, …)

    def to_dict(self) -> dict[str, Any]:
        """Stable snake_case keys, ISO dates, the span as a list. (Field by field: the
        fields are strings, numbers and lists of strings, and ``asdict``'s deep copy of each
        was most of the time of ``sodo extract --format json`` on a long document.)"""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        for key, value in data.items():
            if isinstance(value, list):
                data[key] = list(value)
        data["deadline"] = self.deadline.isoformat() if self.deadline else None
        data["issued"] = self.issued.isoformat() if self.issued else None
        data["span"] = list(self.span)
        return data


@dataclass
class Extraction:
    text: str  # the cleaned text every span refers to
    document: DocumentInfo
    proposals: list[Proposal]

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self.document)
        doc["issued"] = self.document.issued.isoformat() if self.document.issued else None
        return {"document": doc, "text": self.text,
                "proposals": [p.to_dict() for p in self.proposals]}
