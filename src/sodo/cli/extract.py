"""``sodo extract FILE|-``: propose the tasks of a directive (.txt, .docx, text-layer .pdf or
standard input) with the "6 rõ"."""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sodo.cli.common import console, user_errors
from sodo.domain.periods import vietnam_today
from sodo.domain.problems import InputError


class ExtractFormat(StrEnum):
    JSON = "json"
    YAML = "yaml"
    TABLE = "table"


# The keys of one proposal, in the order the JSON gives them.
KEYS = ("lead", "lead_names", "lead_text", "lead_other", "partners", "partner_names",
        "partners_other", "work", "title", "deliverable", "authority", "deadline",
        "deadline_text", "recurring", "source", "issued", "source_passage", "span",
        "confidence", "unresolved", "group", "notes")


def register(app: typer.Typer) -> None:
    app.command("extract")(extract)


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--date '{value}' is not a date (YYYY-MM-DD)") from None


@user_errors
def extract(
    file: Annotated[str, typer.Argument(help="A .txt, .docx or .pdf (with a text layer); "
                                             "'-' reads standard input.")],
    fmt: Annotated[ExtractFormat, typer.Option("--format", "-f", help="json: one object per "
                   "task; yaml: the programme's own tasks format; table: for people.")]
    = ExtractFormat.TABLE,
    day: Annotated[str | None, typer.Option("--date", help="The document's date (YYYY-MM-DD) "
                   "when its heading does not say it: units are resolved as they were that "
                   "day.")] = None,
    source: Annotated[str | None, typer.Option("--source", help='The document\'s number, '
                      'e.g. "4/TB-VPCP" (default: read from its heading).')] = None,
) -> None:
    """Read a conclusion notice, an official letter, a directive or a decision's task
    appendix and propose its tasks: lead, partners, work, deliverable, authority, deadline."""
    from sodo.services.extract import extract_bytes, programme_tasks, tasks_yaml

    issued = _date(day)
    if file == "-":
        data, name = sys.stdin.buffer.read(), "<stdin>"
    else:
        path = Path(file)
        if not path.is_file():
            raise InputError(f"{file}: no such file")
        data, name = path.read_bytes(), path.name
    extraction = extract_bytes(data, name, source=source, issued=issued, today=vietnam_today())
    proposals = extraction.proposals
    if fmt is ExtractFormat.JSON:
        rows = [{k: d[k] for k in KEYS} for d in (p.to_dict() for p in proposals)]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if fmt is ExtractFormat.YAML:
        doc = extraction.document
        header = (f"Tasks proposed by sodo extract from {doc.number or name}"
                  f"{f' ({doc.issued:%d/%m/%Y})' if doc.issued else ''}: review them before "
                  "adding this file to a programme.")
        sys.stdout.write(tasks_yaml(programme_tasks(proposals, doc.number), header))
        return
    table = Table(title=f"Nhiệm vụ đề xuất / Proposed tasks — {extraction.document.number or name}"
                        f" ({len(proposals)})")
    for col in ("#", "chủ trì / lead", "phối hợp / partners", "thời hạn / deadline", "nội dung / work",
                "tin cậy"):
        table.add_column(col)
    for n, p in enumerate(proposals, start=1):
        when = ("Thường xuyên" if p.recurring else
                f"{p.deadline:%d/%m/%Y}" if p.deadline else (p.deadline_text or "—"))
        lead = ", ".join(p.lead_names[:3]) + (f" (+{len(p.lead_names) - 3})"
                                              if len(p.lead_names) > 3 else "")
        lead = ", ".join(filter(None, [lead, *p.lead_other])) or "—"
        table.add_row(str(n), lead, ", ".join(p.partner_names) or "—", when,
                      p.work if len(p.work) < 160 else p.work[:157] + "…", f"{p.confidence:.2f}")
    console.print(table)
