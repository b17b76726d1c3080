"""The evaluation set is what it says: real documents with their number, date, kind and source,
gold tasks whose quotes are in the text, no copy of the development example; and the
extractor keeps meeting the goals on it (a regression guard, not a measurement: the
benchmark measures)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from benchmarks.bench_extract import CASES, load_cases, quality

from sodo.domain.extract.text import clean_text
from sodo.domain.orgunits import default_hierarchy

KINDS = {"notice", "official_letter", "directive", "decision"}  # at least these (and "dispatch")


def test_every_case_is_documented_and_its_gold_is_in_its_text() -> None:
    cases = load_cases([CASES])
    assert len(cases) >= 12
    assert {c.meta["kind"] for c in cases} >= KINDS
    hierarchy = default_hierarchy()
    for case in cases:
        meta = case.meta
        assert meta["document"] and meta["source_url"].startswith("https://"), case.name
        assert isinstance(date.fromisoformat(str(meta["issued"])), date)
        text = case.path.read_text(encoding="utf-8")
        assert meta["document"] != "4/TB-VPCP"
        cleaned = clean_text(text)
        for task in meta["tasks"]:
            assert task["quote"] in text, (case.name, task["quote"])
            # the benchmark locates a task at the first place its quote stands: one place only
            assert cleaned.count(clean_text(task["quote"])) == 1, (case.name, task["quote"])
            for code in task["lead"] + task["partners"]:
                assert code in hierarchy or code == "ALL_PROVINCES" or not code.isupper(), code
    assert sum(len(c.meta["tasks"]) for c in cases) >= 60


def test_the_extractor_meets_the_goals_on_the_set(capsys, tmp_path) -> None:
    """The goals hold on the documents the rules were tuned on; those held out of tuning
    (``held_out: true``) are measured by the benchmark, not guarded here (guarding them would
    make them a tuning target)."""
    tuned, held = tmp_path / "tuned", tmp_path / "held"
    tuned.mkdir()
    held.mkdir()
    held_gold = 0
    for case in load_cases([CASES]):
        folder = held if case.meta.get("held_out") else tuned
        held_gold += len(case.meta["tasks"]) if case.meta.get("held_out") else 0
        for path in (case.path, case.path.with_suffix(".yaml")):
            (folder / path.name).write_bytes(path.read_bytes())
    total = quality([tuned], show_misses=False)
    assert total.prf("detection")[2] >= 0.85
    assert total.prf("pair")[2] >= 0.90
    # those held out, if a round is under way, are scored (between rounds there are none: a
    # round's documents join the tuned ones once their misses have been read)
    assert quality([held], show_misses=False).gold == held_gold
    assert "overall" in capsys.readouterr().out


def test_the_development_example_is_not_in_the_set() -> None:
    for path in Path(CASES).glob("*.txt"):
        assert "Số: 4/TB-VPCP" not in path.read_text(encoding="utf-8")
