"""How well and how fast ``sodo extract`` proposes tasks, against hand-made gold.

    python -m benchmarks.bench_extract [--cases DIR ...] [--pages 50] [--no-timing]

Quality: every document of ``tests/extract/cases/`` (a ``NAME.yaml`` with its number, date,
source address and gold tasks beside ``NAME.txt``) is read through the same service the CLI
uses. A proposal matches a gold task when its span holds the start of the gold task's quote
(one to one, in order). Precision, recall and F1 are printed per document and overall for:
task detection; the lead (the set of units, or of names for bodies outside sodo's units, or
``VN`` when the text names only a collective); the partners (likewise; collectives such as
"các cơ quan liên quan" are not scored); the deadline (the same due date, or both recurring,
or both none); and the (lead, deadline) pair. A field counts as found only on a matched task
that has it right, so its precision is over all proposals and its recall over all gold tasks.

Documents whose YAML says ``held_out: true`` were not looked at while the rules were tuned;
their subtotal is printed on its own line.

Speed: a document of ``--pages`` pages (3,000 characters a page) built from the cases' texts,
as .txt and as .docx, extracted by ``sodo extract FILE --format json`` as a process, beside the
same command on a one-page letter (the process start, the baseline) in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from sodo.domain.extract.model import Proposal
from sodo.domain.extract.text import clean_text, fold_view
from sodo.domain.orgunits import NATION_CODE, OrgUnitLevel, default_hierarchy
from sodo.domain.text import fold
from sodo.services.extract import extract_path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "extract" / "cases"
GOALS = {"pair": 0.90, "detection": 0.85}
FIELDS = ("detection", "lead", "partners", "deadline", "pair")
ALL_PROVINCES = "ALL_PROVINCES"


@dataclass
class Case:
    name: str
    meta: dict[str, Any]
    path: Path

    @property
    def issued(self) -> date | None:
        value = self.meta.get("issued")
        return date.fromisoformat(str(value)) if value else None


@dataclass
class Score:
    predicted: int = 0
    gold: int = 0
    found: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.predicted += other.predicted
        self.gold += other.gold
        for k in FIELDS:
            self.found[k] += other.found[k]
        self.misses.extend(other.misses)

    def prf(self, key: str) -> tuple[float, float, float]:
        tp = self.found[key]
        p = tp / self.predicted if self.predicted else (1.0 if not self.gold else 0.0)
        r = tp / self.gold if self.gold else (1.0 if not self.predicted else 0.0)
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


def load_cases(folders: list[Path]) -> list[Case]:
    yaml = YAML(typ="safe")
    out = []
    for folder in folders:
        for meta_file in sorted(folder.glob("*.yaml")):
            meta = yaml.load(meta_file.read_text(encoding="utf-8"))
            if not isinstance(meta, dict) or "tasks" not in meta:
                continue
            out.append(Case(meta_file.stem, meta, folder / meta["text"]))
    return out


def _identity(values: list[str], day: date | None) -> frozenset[str]:
    hierarchy = default_hierarchy()
    out: set[str] = set()
    for value in values:
        if value == ALL_PROVINCES:
            out.update(u.code for u in hierarchy.at_level(OrgUnitLevel.PROVINCE, on=day))
        elif value in hierarchy:
            out.add(value)
        else:
            out.add(fold(value))
    return frozenset(out)


def predicted_lead(p: Proposal) -> frozenset[str]:
    """The units and the named bodies that lead; a collective named beside them ("Bộ X và
    các bộ, ngành") is kept in ``lead_other`` as a co-assignee (the default programme's way)
    but, like every collective, not scored (the gold lists it under partners_other)."""
    bodies = [fold(b) for b in p.lead_other if b in p.unresolved]
    codes = [c for c in p.lead if c != NATION_CODE or not bodies]
    return frozenset([*codes, *bodies])


def predicted_partners(p: Proposal) -> frozenset[str]:
    bodies = [fold(o) for o in p.partners_other if o in p.unresolved]
    return frozenset([*p.partners, *bodies])


def _locate(text: str, quote: str) -> int:
    found = text.find(clean_text(quote))
    if found >= 0:
        return found
    folded, needle = fold_view(text), fold_view(clean_text(quote))
    found = folded.find(needle)
    if found < 0:
        raise ValueError(f"quote not in the text: {quote!r}")
    return found


def score_case(case: Case) -> tuple[Score, list[Proposal]]:
    extraction = extract_path(case.path, source=case.meta.get("document"),
                              issued=case.issued)
    text, proposals = extraction.text, extraction.proposals
    score = Score(predicted=len(proposals), gold=len(case.meta["tasks"]))
    used: set[int] = set()
    for gold in case.meta["tasks"]:
        at = _locate(text, gold["quote"])
        match = next((i for i, p in enumerate(proposals)
                      if i not in used and p.span[0] - 2 <= at < p.span[1]), None)
        if match is None:
            score.misses.append(f"{case.name}: missed «{gold['quote']}»")
            continue
        used.add(match)
        p = proposals[match]
        score.found["detection"] += 1
        lead_ok = predicted_lead(p) == _identity(gold["lead"], case.issued)
        partners_ok = predicted_partners(p) == _identity(gold.get("partners") or [],
                                                         case.issued)
        due = date.fromisoformat(str(gold["deadline"])) if gold.get("deadline") else None
        deadline_ok = (p.deadline == due and p.recurring == bool(gold.get("recurring")))
        score.found["lead"] += lead_ok
        score.found["partners"] += partners_ok
        score.found["deadline"] += deadline_ok
        score.found["pair"] += lead_ok and deadline_ok
        for ok, what in ((lead_ok, f"lead {sorted(predicted_lead(p))[:6]}"),
                         (partners_ok, f"partners {sorted(predicted_partners(p))}"),
                         (deadline_ok, f"deadline {p.deadline} recurring={p.recurring}")):
            if not ok:
                score.misses.append(f"{case.name}: «{gold['quote'][:40]}» {what}")
    for i, p in enumerate(proposals):
        if i not in used:
            score.misses.append(f"{case.name}: extra «{p.source_passage[:60]}»")
    return score, proposals


def quality(folders: list[Path], show_misses: bool) -> Score:
    cases = load_cases(folders)
    total = Score()
    held_out = Score()  # documents marked ``held_out: true``: never looked at while tuning
    n_held = 0
    kinds: dict[str, int] = {}
    # per kind of document, for the tuned and the held-out documents apart
    by_kind: dict[tuple[bool, str], tuple[list[int], Score]] = {}
    print(f"{'document':<22}{'kind':<16}{'gold':>5}{'pred':>5}  "
          + "  ".join(f"{k:>15}" for k in FIELDS))
    for case in cases:
        score, _ = score_case(case)
        total.add(score)
        if case.meta.get("held_out"):
            held_out.add(score)
            n_held += 1
        kinds[case.meta["kind"]] = kinds.get(case.meta["kind"], 0) + 1
        key = (bool(case.meta.get("held_out")), case.meta["kind"])
        count, part = by_kind.setdefault(key, ([0], Score()))
        count[0] += 1
        part.add(score)
        cells = "  ".join("{:>4.2f}/{:>4.2f}/{:>4.2f}".format(*score.prf(k)) for k in FIELDS)
        print(f"{case.meta['document']:<22}{case.meta['kind']:<16}{score.gold:>5}"
              f"{score.predicted:>5}  {cells}")
    print("-" * 120)
    print(f"{'overall':<38}{total.gold:>5}{total.predicted:>5}  "
          + "  ".join("{:>4.2f}/{:>4.2f}/{:>4.2f}".format(*total.prf(k)) for k in FIELDS))
    print(f"  (cells are precision/recall/F1; {len(cases)} documents of "
          f"{len(kinds)} kinds: {', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})")
    for key, goal in GOALS.items():
        f1 = total.prf(key)[2]
        print(f"  {key:<10} F1 {f1:.3f}  goal ≥ {goal:.2f}  ({f1 / goal:.2f}× the goal)")
    if n_held:
        print(f"{'held out (' + str(n_held) + ' documents)':<38}{held_out.gold:>5}"
              f"{held_out.predicted:>5}  "
              + "  ".join("{:>4.2f}/{:>4.2f}/{:>4.2f}".format(*held_out.prf(k)) for k in FIELDS))
    for held in (False, True):
        rows = sorted((kind, count[0], part) for (h, kind), (count, part) in by_kind.items()
                      if h == held)
        if not rows:
            continue
        print(f"\nby kind, documents {'held out of tuning' if held else 'used for tuning'}:")
        print(f"{'kind':<18}{'docs':>5}{'gold':>6}{'pred':>5}  "
              + "  ".join(f"{k:>15}" for k in FIELDS))
        whole = Score()
        for kind, count, part in rows:
            whole.add(part)
            print(f"{kind:<18}{count:>5}{part.gold:>6}{part.predicted:>5}  "
                  + "  ".join("{:>4.2f}/{:>4.2f}/{:>4.2f}".format(*part.prf(k)) for k in FIELDS))
        print(f"{'all':<18}{sum(r[1] for r in rows):>5}{whole.gold:>6}{whole.predicted:>5}  "
              + "  ".join("{:>4.2f}/{:>4.2f}/{:>4.2f}".format(*whole.prf(k)) for k in FIELDS))
    if show_misses:
        print("\nwhat did not match:")
        for miss in total.misses:
            print("  " + miss)
    return total


def _docx(text: str, path: Path) -> None:
    from docx import Document

    doc = Document()
    for line in text.split("\n"):
        doc.add_paragraph(line)
    doc.save(str(path))


def _run(path: Path) -> tuple[float, float, int]:
    """Wall time and CPU time (user + system) of ``sodo extract PATH`` as a process."""
    import resource

    sodo = Path(sys.executable).with_name("sodo")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([str(sodo), "extract", str(path), "--format", "json"],
                          capture_output=True, text=True, env={**os.environ}, check=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, len(json.loads(done.stdout))


def long_directive(folders: list[Path], pages: int) -> str:
    """One directive of ``pages`` pages: the operative parts of the cases, numbered as
    sections of one notice, between one heading and one closing."""
    from sodo.domain.extract.structure import _CLOSING, _TRIGGER

    parts = []
    for case in load_cases(folders):
        if case.path.suffix != ".txt":
            continue
        text = clean_text(case.path.read_text(encoding="utf-8"))
        folded = fold_view(text)
        trigger = _TRIGGER.search(folded)
        start = trigger.end() if trigger else 0
        closing = next(_CLOSING.finditer(folded, start), None)
        body = text[start:closing.start() if closing else len(text)].strip()
        if body:
            parts.append(body)
    head = ("VĂN PHÒNG CHÍNH PHỦ\nSố: 999/TB-VPCP\nHà Nội, ngày 05 tháng 01 năm 2026\n"
            "THÔNG BÁO\nKết luận của Thủ tướng Chính phủ (tài liệu dài để đo thời gian)\n"
            "Thủ tướng Chính phủ kết luận như sau:\n")
    sections, n = [], 0
    while sum(len(x) for x in sections) < pages * 3000:
        n += 1
        sections.append(f"\n{_roman(n)}. NHIỆM VỤ NHÓM {n}\n" + parts[(n - 1) % len(parts)])
    return head + "".join(sections) + "\n\nVăn phòng Chính phủ thông báo để các cơ quan biết.\n"


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                           (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                           (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def timing(folders: list[Path], pages: int) -> None:
    texts = [c.path.read_text(encoding="utf-8") for c in load_cases(folders)
             if c.path.suffix == ".txt"]
    big = long_directive(folders, pages)
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "one-page.txt"
        small.write_text(texts[0] if texts else "Giao Bộ Công an chủ trì.", encoding="utf-8")
        txt = Path(tmp) / f"{pages}-pages.txt"
        txt.write_text(big, encoding="utf-8")
        docx = Path(tmp) / f"{pages}-pages.docx"
        _docx(big, docx)
        base, base_cpu, _ = _run(small)
        print(f"\nspeed ({os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.2f} when it started):")
        print(f"  baseline: sodo extract on a one-page letter        {base:6.2f} s wall, "
              f"{base_cpu:5.2f} s CPU")
        for path in (txt, docx):
            elapsed, cpu, count = _run(path)
            print(f"  sodo extract {path.name:<16} ({len(big):,} characters, {count} "
                  f"proposals) {elapsed:6.2f} s wall ({elapsed / base:4.1f}× the baseline), "
                  f"{cpu:5.2f} s CPU; goal < 5 s: {elapsed / 5:.2f} of it")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, action="append",
                        help="a folder of cases (default: tests/extract/cases); repeatable")
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--misses", action="store_true", help="list what did not match")
    args = parser.parse_args(argv)
    folders = args.cases or [CASES]
    quality(folders, args.misses)
    if not args.no_timing:
        timing(folders, args.pages)


if __name__ == "__main__":
    main()
