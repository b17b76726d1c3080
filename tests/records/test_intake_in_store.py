"""On the DuckDB store a file is read once: its typed records are inserted where they will be
kept, inside the batch's transaction, validated and warned about there, then kept or rolled
back. What the store holds, what each batch says and the warnings it gets are the same as on
the path that validates the file and reads it again; a file with problems, or a process killed
while its batch is being staged, leaves the store as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from records_helpers import rows_of, state, write

from sodo.domain.orgunits import default_hierarchy
from sodo.domain.problems import InputError
from sodo.services import intake
from sodo.services.datasets import open_record_store
from sodo.services.generate import generate_table
from sodo.services.intake import ingest_files
from sodo.services.quality.intake import warner
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace
from sodo.stores.records.duckdb_store import DuckDBRecordStore


def _set(table: pa.Table, column: str, values: dict[int, Any]) -> pa.Table:
    cells = table[column].to_pylist()
    for row, value in values.items():
        cells[row] = value
    field = table.schema.field(column)
    return table.set_column(table.column_names.index(column), field,
                            pa.array(cells, type=field.type))


def _batches() -> list[pa.Table]:
    """A first batch (codes written in lower case in places, a copy of a record's content
    under another key: accepted with a warning), then one replacing 50 of its records and
    adding 100."""
    first = generate_table("dossiers", 900, "2024-01", "2025-12", seed=31)
    first = _set(first, "agency_code", {3: first["agency_code"][3].as_py().lower()})
    first = _set(first, "dossier_id", {7: first["dossier_id"][7].as_py().lower()})
    copy = {name: first[name][10].as_py() for name in first.column_names}
    copy["dossier_id"] = "HS-COPY-1"
    first = pa.concat_tables([first, pa.Table.from_pylist([copy], schema=first.schema)])
    more = generate_table("dossiers", 100, "2025-11", "2025-12", seed=32)
    more = _set(more, "dossier_id", {i: f"HS-NEW-{i}" for i in range(more.num_rows)})
    second = pa.concat_tables([first.slice(100, 50), more])
    return [first, second]


def _ingest_all(ws: Settings, files: list[Path]) -> list[dict[str, Any]]:
    warn = warner(ws.programme_path(), default_hierarchy())
    out = []
    with open_record_store(ws) as store:
        for file in files:
            [batch] = ingest_files(store, "dossiers", [file], warn=warn)
            info = batch.to_dict()
            info.pop("ingested_at")
            info["file"] = Path(info["file"]).name
            out.append(info)
        out.append({"records": rows_of(store, "dossiers")})
    return out


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_read_once_keeps_what_the_file_path_keeps(tmp_path: Path, suffix: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    files = [write(t, tmp_path / f"batch{i}{suffix}") for i, t in enumerate(_batches())]
    applied: list[str] = []
    original = DuckDBRecordStore.apply_staged

    def counted(self: DuckDBRecordStore, dataset: str, file: str, staged: Any) -> Any:
        applied.append(Path(file).name)
        return original(self, dataset, file, staged)

    monkeypatch.setattr(DuckDBRecordStore, "apply_staged", counted)
    kept_once = _ingest_all(init_workspace(tmp_path / "once"), files)
    assert applied == [f.name for f in files], "each batch went the read-once way"

    monkeypatch.setattr(DuckDBRecordStore, "stage_in_store", lambda *a, **k: None)
    read_twice = _ingest_all(init_workspace(tmp_path / "twice"), files)
    assert applied == [f.name for f in files]
    assert kept_once == read_twice
    first, second, records = kept_once
    assert (first["rows"], first["inserted"], first["normalised"]) == (901, 901, 2)
    assert (second["rows"], second["inserted"], second["replaced"]) == (150, 100, 50)
    [copy] = [w for w in first["warnings"] if w["check"] == "sach.duplicate_content"]
    # the copy with the larger key is flagged: the original, data row 11 ("HS-COPY-1" sorts first)
    assert copy["count"] == 1 and copy["examples"][0]["row"] == 11
    ids = [r["dossier_id"] for r in records["records"]]
    assert len(ids) == 1001 and all(i == i.upper() for i in ids)  # folded as kept


@pytest.mark.parametrize("bad", ["unknown status", "duplicate key", "not a number"])
def test_a_file_with_problems_leaves_the_store_as_it_was(tmp_path: Path, bad: str) -> None:
    first, second = _batches()
    ws = init_workspace(tmp_path / "ws")
    if bad == "unknown status":
        broken, row = _set(second, "status", {41: "lost"}), 42
    elif bad == "duplicate key":
        broken, row = _set(second, "dossier_id", {60: second["dossier_id"][5].as_py()}), 61
    else:  # the typed CSV reader refuses it: the file is checked as text
        broken, row = second.set_column(
            second.column_names.index("supplement_count"), "supplement_count",
            pa.array(["x" if i == 70 else str(v) for i, v in
                      enumerate(second["supplement_count"].to_pylist())])), 71
    with open_record_store(ws) as store:
        ingest_files(store, "dossiers", [write(first, tmp_path / "first.parquet")])
        before = state(store, "dossiers")
        with pytest.raises(InputError) as err:
            ingest_files(store, "dossiers", [write(broken, tmp_path / "broken.csv")])
        assert state(store, "dossiers") == before
        assert [p.line for p in err.value.problems] == [row]
        tables = {r[0] for r in store.con.execute(  # type: ignore[attr-defined]
            "SELECT table_name FROM duckdb_tables()").fetchall()}
        assert "_sodo_staged" not in tables
        [batch] = ingest_files(store, "dossiers", [write(second, tmp_path / "second.csv")])
        assert (batch.inserted, batch.replaced) == (100, 50)


def test_a_parquet_file_is_sorted_in_pieces_of_row_groups(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = generate_table("dossiers", 3000, "2024-01", "2025-12", seed=33)
    shuffled = table.take(pa.array([(i * 7919) % 3000 for i in range(3000)]))
    path = tmp_path / "pieces.parquet"
    pq.write_table(shuffled, path, row_group_size=400)
    monkeypatch.setattr(intake, "SORT_CHUNK_ROWS", 1000)  # row groups of 400: 1200, 1200, 600
    con = duckdb.connect()
    assert len(intake._parquet_chunks(con, path)) == 3
    ws = init_workspace(tmp_path / "ws")
    with open_record_store(ws) as store:
        ingest_files(store, "dossiers", [path])
        assert rows_of(store, "dossiers") == table.sort_by("dossier_id").to_pylist()
    stored = duckdb.connect(str(ws.records_path), read_only=True)
    months = [r[0] for r in stored.execute(
        "SELECT strftime(received_at, '%Y-%m') FROM dossiers ORDER BY rowid").fetchall()]
    stored.close()
    pieces = [months[:1200], months[1200:2400], months[2400:]]
    assert all(p == sorted(p) for p in pieces)
    assert months != sorted(months)  # each piece of the file sorted, not the whole


CHILD = """
import sys, time
from sodo.services.datasets import open_record_store
from sodo.services.intake import ingest_files
from sodo.services.settings import Settings
from sodo.stores.records.duckdb_store import DuckDBRecordStore

def held(self, dataset, file, staged):
    print("STAGED", self.con.execute("SELECT count(*) FROM _sodo_staged").fetchall()[0][0],
          flush=True)
    time.sleep(120)

DuckDBRecordStore.apply_staged = held
with open_record_store(Settings.open(sys.argv[1])) as store:
    ingest_files(store, "dossiers", [sys.argv[2]])
"""


def test_a_process_killed_while_its_batch_is_staged_changes_nothing(tmp_path: Path) -> None:
    first, second = _batches()
    ws = init_workspace(tmp_path / "ws")
    with open_record_store(ws) as store:
        ingest_files(store, "dossiers", [write(first, tmp_path / "first.parquet")])
        before = state(store, "dossiers")
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(ws.root),
                             str(write(second, tmp_path / "second.parquet"))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "STAGED 150", proc.stderr.read() if proc.stderr else line
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with open_record_store(ws) as store:
        assert state(store, "dossiers") == before
        [batch] = ingest_files(store, "dossiers", [tmp_path / "second.parquet"])
        assert (batch.inserted, batch.replaced) == (100, 50)
