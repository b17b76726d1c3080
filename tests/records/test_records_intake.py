"""Intake on every backend: formats, replace semantics, batches, and every kind of bad file
rejected with file, row, column and rule while the store stays exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from records_helpers import rows_of, rows_of_table, state, write, write_xlsx

from sodo.domain.problems import InputError
from sodo.services.intake import ingest_files
from sodo.stores.records.base import RecordStore


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".ndjson", ".xlsx"])
def test_every_format_loads_the_same_records(store: RecordStore, dossiers_sample: pa.Table,
                                             tmp_path: Path, suffix: str) -> None:
    file = write(dossiers_sample, tmp_path / f"dossiers{suffix}")
    [batch] = ingest_files(store, "dossiers", [file])
    assert (batch.rows, batch.inserted, batch.replaced) == (SAMPLE, SAMPLE, 0)
    assert batch.months == ["2025-10", "2025-11"]
    assert rows_of(store, "dossiers") == rows_of_table(dossiers_sample, "dossier_id")


SAMPLE = 240


def test_feedback_loads(store: RecordStore, feedback_sample: pa.Table, tmp_path: Path) -> None:
    file = write(feedback_sample, tmp_path / "feedback.csv")
    ingest_files(store, "feedback", [file])
    assert rows_of(store, "feedback") == rows_of_table(feedback_sample, "feedback_id")
    assert store.count("dossiers") == 0


def test_reingest_is_idempotent(store: RecordStore, dossiers_sample: pa.Table,
                                tmp_path: Path) -> None:
    file = write(dossiers_sample, tmp_path / "d.parquet")
    ingest_files(store, "dossiers", [file])
    before = store.checksum("dossiers")
    [again] = ingest_files(store, "dossiers", [file])
    assert (again.inserted, again.replaced) == (0, SAMPLE)
    assert store.count("dossiers") == SAMPLE
    assert store.checksum("dossiers") == before
    assert [b.id for b in store.batches("dossiers")] == [1, 2]


def test_replace_marks_old_and_new_months_touched(store: RecordStore, dossiers_sample: pa.Table,
                                                  tmp_path: Path) -> None:
    october = dossiers_sample.filter(
        pc.equal(pc.strftime(dossiers_sample["received_at"], "%Y-%m"), "2025-10"))
    ingest_files(store, "dossiers", [write(october, tmp_path / "oct.csv")])
    first = store.last_batch_id()
    assert store.touched_months("dossiers", None) == {"2025-10"}
    # One October record comes back received in December: October and December are touched.
    moved = october.slice(0, 1).to_pylist()[0]
    shift = moved["due_at"] - moved["received_at"]
    moved["received_at"] = moved["received_at"].replace(month=12)
    moved["due_at"] = moved["received_at"] + shift
    moved["finished_at"] = None
    moved["status"] = "in_progress"
    moved_table = pa.Table.from_pylist([moved], schema=october.schema)
    [batch] = ingest_files(store, "dossiers", [write(moved_table, tmp_path / "moved.ndjson")])
    assert (batch.inserted, batch.replaced) == (0, 1)
    assert batch.months == ["2025-10", "2025-12"]
    assert store.touched_months("dossiers", first) == {"2025-10", "2025-12"}
    assert store.touched_periods("dossiers", batch.id) == set()
    assert store.last_batch_id() == batch.id == first + 1
    assert store.count("dossiers") == october.num_rows
    stored = {r["dossier_id"]: r for r in rows_of(store, "dossiers")}
    assert stored[moved["dossier_id"]]["received_at"] == moved["received_at"]
    assert stored[moved["dossier_id"]]["status"] == "in_progress"


def test_column_mapping(store: RecordStore, dossiers_sample: pa.Table, tmp_path: Path) -> None:
    renamed = dossiers_sample.rename_columns(
        ["ma_ho_so" if n == "dossier_id" else "Ma_Co_Quan" if n == "agency_code" else n
         for n in dossiers_sample.column_names])
    file = write(renamed, tmp_path / "theirs.csv")
    with pytest.raises(InputError) as missing:
        ingest_files(store, "dossiers", [file])
    assert {p.column for p in missing.value.problems} == {"dossier_id", "agency_code"}
    ingest_files(store, "dossiers", [file],
                 mapping={"ma_ho_so": "dossier_id", "ma_co_quan": "agency_code"})
    assert rows_of(store, "dossiers") == rows_of_table(dossiers_sample, "dossier_id")


def test_mapping_to_unknown_field_is_refused(store: RecordStore, dossiers_sample: pa.Table,
                                             tmp_path: Path) -> None:
    file = write(dossiers_sample, tmp_path / "d.csv")
    with pytest.raises(InputError) as err:
        ingest_files(store, "dossiers", [file], mapping={"x": "not_a_field"})
    assert err.value.problems[0].rule == "mapping"


# -- bad files ---------------------------------------------------------------------------

def _csv_lines(table: pa.Table, tmp_path: Path) -> list[str]:
    return write(table, tmp_path / "good.csv").read_text(encoding="utf-8").splitlines()


def _edit_csv(table: pa.Table, tmp_path: Path, row: int, column: str, value: str) -> Path:
    """The sample as CSV with one cell of data row ``row`` (1-based) replaced."""
    lines = _csv_lines(table, tmp_path)
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    lines[row] = ",".join(cells)
    out = tmp_path / "bad.csv"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _rejected(store: RecordStore, files: list[Path], dataset: str = "dossiers") -> InputError:
    before = state(store, dataset)
    with pytest.raises(InputError) as err:
        ingest_files(store, dataset, files)
    assert state(store, dataset) == before, "a rejected file must leave the store unchanged"
    return err.value


@pytest.fixture
def loaded(store: RecordStore, dossiers_sample: pa.Table, tmp_path: Path) -> RecordStore:
    """A store already holding records, so that 'unchanged' means something."""
    first_half = dossiers_sample.slice(0, SAMPLE // 2)
    ingest_files(store, "dossiers", [write(first_half, tmp_path / "first.parquet")])
    return store


def test_wrong_type(loaded: RecordStore, dossiers_sample: pa.Table, tmp_path: Path) -> None:
    bad = _edit_csv(dossiers_sample, tmp_path, 7, "supplement_count", "two")
    err = _rejected(loaded, [bad])
    [problem] = err.problems
    assert (problem.file, problem.line, problem.column, problem.rule) == (
        str(bad), 7, "supplement_count", "type_int")
    assert "'two'" in problem.message and "CSV line 8" in problem.message
    assert "1 problem" in err.summary


def test_bad_timestamp_and_bool(loaded: RecordStore, dossiers_sample: pa.Table,
                                tmp_path: Path) -> None:
    bad = _edit_csv(dossiers_sample, tmp_path, 3, "received_at", "2025-02-30 08:00:00")
    lines = bad.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[5].split(",")
    cells[header.index("digitized")] = "maybe"
    lines[5] = ",".join(cells)
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = _rejected(loaded, [bad])
    found = {(p.line, p.column, p.rule) for p in err.problems}
    assert (3, "received_at", "type_timestamp") in found
    assert (5, "digitized", "type_bool") in found


def test_missing_column(loaded: RecordStore, dossiers_sample: pa.Table, tmp_path: Path) -> None:
    bad = write(dossiers_sample.drop_columns(["channel"]), tmp_path / "nochannel.parquet")
    err = _rejected(loaded, [bad])
    [problem] = err.problems
    assert (problem.column, problem.rule) == ("channel", "missing_column")


def test_missing_optional_column_is_fine(store: RecordStore, dossiers_sample: pa.Table,
                                         tmp_path: Path) -> None:
    file = write(dossiers_sample.drop_columns(["rating"]), tmp_path / "norating.csv")
    ingest_files(store, "dossiers", [file])
    assert {r["rating"] for r in rows_of(store, "dossiers")} == {None}


def test_unknown_orgunit(loaded: RecordStore, dossiers_sample: pa.Table, tmp_path: Path) -> None:
    bad = _edit_csv(dossiers_sample, tmp_path, 12, "agency_code", "99999")
    err = _rejected(loaded, [bad])
    [problem] = err.problems
    assert (problem.line, problem.column, problem.rule) == (12, "agency_code", "unknown_orgunit")
    assert "'99999'" in problem.message


def test_value_not_allowed(loaded: RecordStore, dossiers_sample: pa.Table,
                           tmp_path: Path) -> None:
    bad = _edit_csv(dossiers_sample, tmp_path, 2, "status", "lost")
    [problem] = _rejected(loaded, [bad]).problems
    assert (problem.line, problem.column, problem.rule) == (2, "status", "allowed_values")


def test_duplicate_key_within_file(loaded: RecordStore, dossiers_sample: pa.Table,
                                   tmp_path: Path) -> None:
    first_id = dossiers_sample["dossier_id"][0].as_py()
    bad = _edit_csv(dossiers_sample, tmp_path, 9, "dossier_id", first_id)
    [problem] = _rejected(loaded, [bad]).problems
    assert (problem.line, problem.column, problem.rule) == (9, "dossier_id", "duplicate_key")
    assert "row 1" in problem.message


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".ndjson"])
def test_keys_and_codes_in_another_case_are_one_record(store: RecordStore,
                                                       dossiers_sample: pa.Table,
                                                       tmp_path: Path, suffix: str) -> None:
    """``hs11-0000000000`` is the record ``HS11-0000000000``: re-sent in lower case it replaces
    that record (and says so) instead of loading as a second one; codes are folded too."""
    [first] = ingest_files(store, "dossiers", [write(dossiers_sample, tmp_path / f"a{suffix}")])
    assert first.normalised == 0
    rows = dossiers_sample.slice(0, 3).to_pylist()
    ministry = next(r for r in dossiers_sample.to_pylist() if r["agency_code"].isalpha())
    keys = [r["dossier_id"] for r in rows]
    for row in rows:
        row["dossier_id"] = row["dossier_id"].lower()
        row["status"], row["finished_at"] = "in_progress", None
    rows[1]["agency_code"] = ministry["agency_code"].lower()  # e.g. "btp"
    rows[2]["procedure_code"] = "tt-1.000001"
    again = pa.Table.from_pylist(rows, schema=dossiers_sample.schema)
    [batch] = ingest_files(store, "dossiers", [write(again, tmp_path / f"b{suffix}")])
    assert (batch.rows, batch.inserted, batch.replaced, batch.normalised) == (3, 0, 3, 3)
    assert batch.to_dict()["normalised"] == 3
    assert store.count("dossiers") == SAMPLE
    stored = {r["dossier_id"]: r for r in rows_of(store, "dossiers")}
    assert all(stored[k]["status"] == "in_progress" for k in keys)
    assert not any(k.lower() in stored for k in keys)
    assert stored[keys[1]]["agency_code"] == ministry["agency_code"]
    assert stored[keys[2]]["procedure_code"] == "TT-1.000001"
    # both ways of writing one key in one file: refused as one key given twice, row named
    both = pa.Table.from_pylist([dossiers_sample.slice(5, 1).to_pylist()[0], {
        **dossiers_sample.slice(5, 1).to_pylist()[0],
        "dossier_id": dossiers_sample["dossier_id"][5].as_py().lower()}],
        schema=dossiers_sample.schema)
    [problem] = _rejected(store, [write(both, tmp_path / f"c{suffix}")]).problems
    assert (problem.line, problem.column, problem.rule) == (2, "dossier_id", "duplicate_key")
    assert "another case" in problem.message and "row 1" in problem.message


def test_finished_before_received(loaded: RecordStore, dossiers_sample: pa.Table,
                                  tmp_path: Path) -> None:
    rows = dossiers_sample.to_pylist()
    index = next(i for i, r in enumerate(rows) if r["finished_at"] is not None)
    rows[index]["finished_at"] = rows[index]["received_at"].replace(year=2020)
    bad = write(pa.Table.from_pylist(rows, schema=dossiers_sample.schema),
                tmp_path / "bad.parquet")
    [problem] = _rejected(loaded, [bad]).problems
    assert (problem.line, problem.rule) == (index + 1, "finished_after_received")


def test_required_value_missing(loaded: RecordStore, dossiers_sample: pa.Table,
                                tmp_path: Path) -> None:
    bad = _edit_csv(dossiers_sample, tmp_path, 4, "procedure_code", "")
    [problem] = _rejected(loaded, [bad]).problems
    assert (problem.line, problem.column, problem.rule) == (4, "procedure_code", "required")


def test_first_50_problems_and_the_total(loaded: RecordStore, dossiers_sample: pa.Table,
                                         tmp_path: Path) -> None:
    lines = _csv_lines(dossiers_sample, tmp_path)
    channel = lines[0].split(",").index("channel")
    for i in range(1, 121):
        cells = lines[i].split(",")
        cells[channel] = "fax"
        lines[i] = ",".join(cells)
    bad = tmp_path / "many.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = _rejected(loaded, [bad])
    assert len(err.problems) == 50
    assert "120 problems" in err.summary
    assert [p.line for p in err.problems] == list(range(1, 51))


def test_truncated_csv(loaded: RecordStore, dossiers_sample: pa.Table, tmp_path: Path) -> None:
    text = write(dossiers_sample, tmp_path / "d.csv").read_text(encoding="utf-8")
    bad = tmp_path / "truncated.csv"
    bad.write_text(text[: len(text) // 2 - 7], encoding="utf-8")  # cut inside a row
    err = _rejected(loaded, [bad])
    assert err.problems and err.problems[0].file == str(bad)
    assert err.problems[0].rule in {"malformed_file", "required", "missing_column"}


def test_a_huge_field_is_reported_at_its_own_line(loaded: RecordStore,
                                                   dossiers_sample: pa.Table,
                                                   tmp_path: Path) -> None:
    # 5 MB in one cell of data row 40 (file line 41): DuckDB's reader says "Line: 1"
    bad = _edit_csv(dossiers_sample, tmp_path, 40, "procedure_code", "x" * 5_000_000)
    err = _rejected(loaded, [bad])
    [problem] = err.problems
    assert (problem.file, problem.line, problem.rule) == (str(bad), 41, "line_too_long")
    assert "5,000," in problem.message and "over the limit" in problem.message


def test_truncated_parquet(loaded: RecordStore, dossiers_sample: pa.Table,
                           tmp_path: Path) -> None:
    data = write(dossiers_sample, tmp_path / "d.parquet").read_bytes()
    bad = tmp_path / "truncated.parquet"
    bad.write_bytes(data[: len(data) // 2])
    [problem] = _rejected(loaded, [bad]).problems
    assert (problem.file, problem.rule) == (str(bad), "malformed_file")


def test_truncated_ndjson(loaded: RecordStore, dossiers_sample: pa.Table,
                          tmp_path: Path) -> None:
    text = write(dossiers_sample, tmp_path / "d.ndjson").read_text(encoding="utf-8")
    bad = tmp_path / "truncated.ndjson"
    bad.write_text(text[: len(text) // 2 - 7], encoding="utf-8")
    [problem] = _rejected(loaded, [bad]).problems
    assert (problem.file, problem.rule) == (str(bad), "malformed_file")


def test_truncated_xlsx(loaded: RecordStore, dossiers_sample: pa.Table, tmp_path: Path) -> None:
    data = write(dossiers_sample, tmp_path / "d.xlsx").read_bytes()
    bad = tmp_path / "truncated.xlsx"
    bad.write_bytes(data[: len(data) // 2])
    [problem] = _rejected(loaded, [bad]).problems
    assert (problem.file, problem.rule) == (str(bad), "malformed_file")


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".ndjson", ".xlsx"])
def test_empty_file(loaded: RecordStore, tmp_path: Path, suffix: str) -> None:
    bad = tmp_path / f"empty{suffix}"
    bad.write_bytes(b"")
    [problem] = _rejected(loaded, [bad]).problems
    assert (problem.file, problem.rule) == (str(bad), "empty_file")


def test_header_only_csv(loaded: RecordStore, dossiers_sample: pa.Table, tmp_path: Path) -> None:
    bad = tmp_path / "header.csv"
    bad.write_text(_csv_lines(dossiers_sample, tmp_path)[0] + "\n", encoding="utf-8")
    [problem] = _rejected(loaded, [bad]).problems
    assert problem.rule == "empty_file"


def test_excel_with_merged_header(loaded: RecordStore, dossiers_sample: pa.Table,
                                  tmp_path: Path) -> None:
    bad = write_xlsx(dossiers_sample, tmp_path / "merged.xlsx", merge_header="C1:D1")
    err = _rejected(loaded, [bad])
    [problem] = err.problems
    assert (problem.line, problem.column, problem.rule) == (1, "C1", "merged_header")
    assert "C1:D1" in problem.message


def test_excel_rows_are_reported(loaded: RecordStore, dossiers_sample: pa.Table,
                                 tmp_path: Path) -> None:
    rows = dossiers_sample.to_pylist()
    rows[5]["channel"] = "fax"
    bad = write_xlsx(pa.Table.from_pylist(rows, schema=dossiers_sample.schema),
                     tmp_path / "bad.xlsx")
    [problem] = _rejected(loaded, [bad]).problems
    assert (problem.line, problem.column, problem.rule) == (6, "channel", "allowed_values")
    assert "Excel row 7" in problem.message


def test_file_not_found(loaded: RecordStore, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv"
    [problem] = _rejected(loaded, [missing]).problems
    assert (problem.file, problem.rule) == (str(missing), "file_not_found")


def test_unsupported_extension(loaded: RecordStore, tmp_path: Path) -> None:
    bad = tmp_path / "records.txt"
    bad.write_text("dossier_id\nX\n", encoding="utf-8")
    [problem] = _rejected(loaded, [bad]).problems
    assert problem.rule == "unsupported_format"


def test_a_bad_file_among_good_ones(store: RecordStore, dossiers_sample: pa.Table,
                                    tmp_path: Path) -> None:
    good = write(dossiers_sample.slice(0, 100), tmp_path / "good.parquet")
    bad = _edit_csv(dossiers_sample.slice(100), tmp_path, 1, "channel", "fax")
    with pytest.raises(InputError) as err:
        ingest_files(store, "dossiers", [good, bad])
    # Each file is its own batch: the good one stays, nothing of the bad one is applied.
    assert store.count("dossiers") == 100
    assert len(store.batches()) == 1
    assert str(good) in err.value.summary


def test_every_file_is_checked_before_any_is_read(store: RecordStore, dossiers_sample: pa.Table,
                                                  tmp_path: Path) -> None:
    good = write(dossiers_sample, tmp_path / "good.parquet")
    with pytest.raises(InputError):
        ingest_files(store, "dossiers", [good, tmp_path / "missing.csv"])
    assert store.count("dossiers") == 0
    assert store.last_batch_id() is None


@pytest.mark.parametrize("suffix", [".csv", ".ndjson", ".parquet"])
def test_timestamps_with_an_offset_become_vietnam_time(store: RecordStore,
                                                       dossiers_sample: pa.Table,
                                                       tmp_path: Path, suffix: str) -> None:
    rows = dossiers_sample.slice(0, 3).to_pylist()
    table = pa.Table.from_pylist(rows, schema=dossiers_sample.schema)
    if suffix == ".parquet":
        # A tz-aware column (as pandas writes it): 01:00 UTC is 08:00 in Vietnam.
        utc = pa.array([r["received_at"].replace(hour=1) for r in rows], pa.timestamp("us"))
        column = utc.cast(pa.timestamp("us", tz="UTC"))
        table = table.set_column(table.column_names.index("received_at"), "received_at", column)
        file = write(table, tmp_path / f"tz{suffix}")
    else:
        lines = write(table, tmp_path / f"plain{suffix}").read_text(encoding="utf-8")
        for r in rows:
            local = r["received_at"].strftime("%Y-%m-%d %H:%M:%S")
            stamp = r["received_at"].replace(hour=1).strftime("%Y-%m-%dT%H:%M:%SZ")
            lines = lines.replace(local, stamp, 1)
        file = tmp_path / f"tz{suffix}"
        file.write_text(lines, encoding="utf-8")
    ingest_files(store, "dossiers", [file])
    stored = {r["dossier_id"]: r["received_at"] for r in rows_of(store, "dossiers")}
    assert {k: v.hour for k, v in stored.items()} == {r["dossier_id"]: 8 for r in rows}
