"""Keys and codes not written plainly are refused, counted and located the same on every path:
the cheap proof of plain ASCII per record (the full test runs only for the other values), and
the count over the distinct values of a dictionary-encoded Parquet column."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from records_helpers import rows_of, state, write

from sodo.domain.problems import InputError
from sodo.services.intake import _parquet_dictionary_columns, ingest_files
from sodo.stores.records.base import RecordStore

#: Each is refused: invisible, padded, control (tab, NUL, DEL), not in NFC, a BOM.
NOT_PLAIN = ["AB\u200bX", " AB", "AB ", "AB\x7f", "AB\tX", "ABe\u0301", "AB\x00X", "\ufeffAB",
             "AB\u00a0", "\u202eAB"]


def _with(table: pa.Table, column: str, values: dict[int, str]) -> pa.Table:
    """``table`` with the cells of ``column`` at the given 1-based data rows replaced."""
    cells = table[column].to_pylist()
    for row, value in values.items():
        cells[row - 1] = value
    return table.set_column(table.column_names.index(column), column,
                            pa.array(cells, type=pa.string()))


def _rejected(store: RecordStore, file: Path) -> InputError:
    before = state(store, "dossiers")
    with pytest.raises(InputError) as err:
        ingest_files(store, "dossiers", [file])
    assert state(store, "dossiers") == before, "a rejected file must leave the store unchanged"
    return err.value


def test_a_pyarrow_parquet_code_column_is_dictionary_encoded(dossiers_sample: pa.Table,
                                                              tmp_path: Path) -> None:
    """The files of the tests below take the distinct-values path for their codes."""
    file = tmp_path / "d.parquet"
    pq.write_table(dossiers_sample, file)
    columns = {"procedure_code": ("procedure_code", "VARCHAR"),
               "agency_code": ("agency_code", "VARCHAR")}
    con = duckdb.connect()
    assert _parquet_dictionary_columns(con, file, columns) == {"procedure_code", "agency_code"}
    pq.write_table(dossiers_sample, file, use_dictionary=False)
    assert _parquet_dictionary_columns(con, file, columns) == set()


@pytest.mark.parametrize("dictionary", [True, False])
def test_codes_not_written_plainly_are_counted_and_located(store: RecordStore,
                                                          dossiers_sample: pa.Table,
                                                          tmp_path: Path,
                                                          dictionary: bool) -> None:
    ingest_files(store, "dossiers", [write(dossiers_sample.slice(0, 100), tmp_path / "a.csv")])
    # one bad code written on two rows each: every record is counted, not every value
    codes = {3 + 7 * i + k * 100: value for i, value in enumerate(NOT_PLAIN) for k in (0, 1)}
    keys = {5 + 7 * i: value.replace("AB", f"HS-{i}") for i, value in enumerate(NOT_PLAIN)}
    table = _with(_with(dossiers_sample, "procedure_code", codes), "dossier_id", keys)
    file = tmp_path / "bad.parquet"
    pq.write_table(table, file, use_dictionary=dictionary)
    err = _rejected(store, file)
    expected = {(row, "procedure_code") for row in codes} | {(row, "dossier_id") for row in keys}
    assert f"{len(expected)} problems" in err.summary
    assert {(p.line, p.column) for p in err.problems if p.rule == "key_format"} == expected
    assert {p.rule for p in err.problems} == {"key_format"}


@pytest.mark.parametrize("suffix", [".parquet", ".ndjson"])
def test_plain_codes_beyond_the_cheap_proof_are_accepted(store: RecordStore,
                                                         dossiers_sample: pa.Table,
                                                         tmp_path: Path, suffix: str) -> None:
    """A quote or backslash, or a letter beyond ASCII in NFC, fails the cheap proof of plain
    ASCII: the full test then finds nothing wrong, and the values are stored as written."""
    keys = {1: 'HS-"1"', 2: "HS-\\2", 3: "HỒ-SƠ-3"}
    table = _with(_with(dossiers_sample, "dossier_id", keys), "procedure_code",
                  {4: "MÃ-ĐẶC-BIỆT", 5: 'P"1', 6: "P\\2"})
    file = tmp_path / f"plain{suffix}"
    if suffix == ".parquet":
        pq.write_table(table, file)
    else:
        write(table, file)
    [batch] = ingest_files(store, "dossiers", [file])
    assert batch.rows == table.num_rows
    stored = {r["dossier_id"]: r["procedure_code"] for r in rows_of(store, "dossiers")}
    assert set(keys.values()) <= set(stored)
    assert {"MÃ-ĐẶC-BIỆT", 'P"1', "P\\2"} <= set(stored.values())
