"""The demo's labelled defects: each lowers, for its agency, the principle it is labelled with
(its check finds it), while clean agencies keep high scores."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

from sodo.domain.permissions import Actor
from sodo.services import quality, records
from sodo.services.context import AppContext
from sodo.services.demo_defects import DEFECTS, inject, write_labels
from sodo.services.generate import generate_file
from sodo.services.workspace import init_workspace

CLEAN = ("01", "79", "BCA")


def test_labelled_defects_show_in_the_scorecard(tmp_path: Path) -> None:
    settings = replace(init_workspace(tmp_path / "ws"), today=date(2026, 12, 2))
    file = tmp_path / "dossiers.parquet"
    generate_file("dossiers", 120_000, "2024-01", "2026-10", 5, file)
    labels = inject(file, "2026-10", seed=5)
    write_labels(labels, tmp_path / "defects.json")
    assert [d["kind"] for d in json.loads((tmp_path / "defects.json").read_text())] == \
        [d["kind"] for d in DEFECTS]
    assert all(d["records"] > 0 for d in labels), labels
    actor = Actor.system("test")
    with AppContext(settings) as ctx:
        records.ingest(ctx, actor, "dossiers", [file])  # every defect passes intake
        rows = quality.compute(ctx, actor, dataset="dossiers")
    assert {r["period"] for r in rows} == {"2026Q3"}
    by = {(r["unit"], r["principle"]): r for r in rows}
    for label in labels:
        row = by[(label["agency"], label["principle"])]
        failing = {c["code"]: c for c in row["checks"] if c["failed"]}
        assert label["check"] in failing and row["score"] < 100, (label, row)
        assert failing[label["check"]]["examples"]
    for unit in CLEAN:
        for principle in ("dung", "du", "sach", "song", "thong_nhat", "ket_noi"):
            assert by[(unit, principle)]["score"] >= 99.0, (unit, principle)
    for label in labels:  # a defect leaves the agency's other record principles clean
        for principle in ("dung", "thong_nhat", "ket_noi"):
            if principle != label["principle"]:
                assert by[(label["agency"], principle)]["score"] == 100.0, (label, principle)
