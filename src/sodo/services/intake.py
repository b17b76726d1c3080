"""Intake of record files (CSV, Parquet, NDJSON, Excel) into the record store.

Each file is read by DuckDB where it lies (a view over ``read_csv``/``read_parquet``/
``read_json``; an Excel sheet is first turned into an Arrow table), validated against the
dataset declaration with set-based SQL (one scan counts every kind of problem and summarises
the batch; only a rejected file is copied in file order to fetch its first problems with their
rows), then applied to the store as one batch, all or nothing. On a store that keeps records
in the staging engine (the DuckDB store) a Parquet or CSV file is read only once: its typed
records go straight into a table of the store inside the batch's transaction and are validated
there (:func:`_ingest_in_store`); any problem rolls that back and the file is checked where it
lies, as on the other stores. A file with any problem is rejected with a report naming file,
row, column and rule, and the store is left as it was. Records whose key is already stored are replaced, so loading a file twice counts once.

Keys and codes (:attr:`Dataset.code_fields`) are written one way: invisible and control
characters, surrounding spaces and text not in NFC are refused with the row named, and the
case is folded: ``hs7-0001`` is stored as ``HS7-0001``, so it replaces that record instead of
becoming a second one (the batch says how many records were folded, ``normalised``).

Row numbers in reports are 1-based *data* rows (the header is not counted); messages add the
line of a CSV file (data row + 1) or the row of an Excel sheet where that helps to find it.
"""

from __future__ import annotations

import contextlib
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sodo.domain.datasets import Dataset, DatasetField, FieldType
from sodo.domain.orgunits import Hierarchy, default_hierarchy
from sodo.domain.problems import InputError, Problem
from sodo.stores.records.base import INCOMING, BatchInfo, RecordStore, StagedBatch

FORMATS = {".csv": "csv", ".parquet": "parquet", ".ndjson": "ndjson", ".jsonl": "ndjson",
           ".xlsx": "excel"}
MAX_REPORTED = 50
LOCAL_TIME_ZONE = "Asia/Ho_Chi_Minh"
_TIMESTAMPTZ = ("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE")
RAW = "_sodo_raw"
ORDERED = "_sodo_ordered"
TYPED_CSV = "_sodo_typed_csv"
TYPED = "_sodo_typed"
ORGUNITS = "_sodo_orgunits"
#: The record engine's working memory while a file is validated, checked and applied.
INTAKE_MEMORY = "2GB"

#: Called as ``progress(file, step, steps, description)`` while files are loaded.
Progress = Callable[[str, int, int, str], None]
#: ``warn(con, view, ds)``: the warnings of the staged batch ``view`` (see
#: ``sodo.services.quality.intake``).
Warner = Callable[[duckdb.DuckDBPyConnection, str, Dataset], list[dict[str, Any]]]


@dataclass(frozen=True)
class Check:
    rule: str
    column: str
    condition: str  # SQL over the typed view: TRUE marks a bad row
    detail: str  # SQL string expression describing the bad value
    #: SQL aggregate over the typed view giving the same count as ``count(*) FILTER (WHERE
    #: condition)`` more cheaply (the scan uses it; locating problems uses ``condition``)
    count: str | None = None


# Control characters, zero-width and bidirectional formatting characters, the BOM (RE2).
_INVISIBLE = (r"[\x{0}-\x{1f}\x{7f}-\x{9f}\x{ad}\x{200b}-\x{200f}\x{202a}-\x{202e}"
              r"\x{2060}-\x{2064}\x{2066}-\x{2069}\x{feff}]")


def load_mapping(path: str | Path) -> dict[str, str]:
    """A column mapping file: a YAML mapping ``{their_column: canonical_field}``."""
    file = Path(path)
    if not file.exists():
        raise InputError(f"{file}: mapping file not found")
    try:
        data = YAML(typ="safe").load(file.read_text(encoding="utf-8"))
    except YAMLError as exc:
        raise InputError(f"{file}: mapping is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise InputError(f"{file}: a mapping must be a YAML mapping of their column name "
                         "to a canonical field name, e.g. {ma_ho_so: dossier_id}")
    return {k.strip(): v.strip() for k, v in data.items()}


def ingest_files(store: RecordStore, dataset: str, files: Sequence[str | Path],
                 mapping: dict[str, str] | None = None, hierarchy: Hierarchy | None = None,
                 progress: Progress | None = None, warn: Warner | None = None
                 ) -> list[BatchInfo]:
    """Validate and apply each file as one batch. Stops at the first rejected file with an
    ``InputError`` (that file changed nothing; files before it were applied, each whole).
    ``warn(con, view, ds)``, when given, finds the warnings of each accepted batch (records
    kept all the same); they come back on its :class:`BatchInfo`, with the file rows of their
    examples."""
    ds = store.dataset(dataset)
    paths = [Path(f) for f in files]
    unknown_fields = sorted(set((mapping or {}).values()) - set(ds.field_names))
    if unknown_fields:
        raise InputError("column mapping names fields the dataset does not declare",
                         [Problem(f"'{f}' is not a field of {ds.code}", rule="mapping")
                          for f in unknown_fields])
    for path in paths:
        _check_readable(path)
    units = hierarchy or default_hierarchy()
    applied: list[BatchInfo] = []
    for path in paths:
        try:
            applied.append(ingest_file(store, ds, path, mapping or {}, units, progress,
                                       warn))
        except InputError as exc:
            if applied:
                done = ", ".join(b.file for b in applied)
                exc.summary += f" (files applied before it, each as its own batch: {done})"
            raise
    return applied


def ingest_file(store: RecordStore, ds: Dataset, path: Path, mapping: dict[str, str],
                hierarchy: Hierarchy, progress: Progress | None = None,
                warn: Warner | None = None) -> BatchInfo:
    """Validate one file and apply it as one batch (see :func:`ingest_files`).

    On the DuckDB store a Parquet or CSV file is read once (:func:`_ingest_in_store`).
    Otherwise the file is read where it lies (a view over DuckDB's reader): one scan counts
    every problem and summarises the batch, and the insert reads the file once more, without
    keeping the file's row order. Only a file with problems is copied in file order, to
    number its rows.

    The store's engine works within :data:`INTAKE_MEMORY` meanwhile (DuckDB: its hash
    aggregates and sorts spill to disk beyond it), so a file of 20 M records stays under 3 GiB.
    """
    with store.memory_limit(INTAKE_MEMORY):
        return _ingest_file(store, ds, path, mapping, hierarchy, progress, warn)


def _ingest_file(store: RecordStore, ds: Dataset, path: Path, mapping: dict[str, str],
                 hierarchy: Hierarchy, progress: Progress | None = None,
                 warn: Warner | None = None) -> BatchInfo:
    con = store.staging()
    # Records carry local (Vietnam) time; offsets in the input are converted to it.
    con.execute(f"SET TimeZone = '{LOCAL_TIME_ZONE}'")
    # DuckDB's own progress bar would write to stdout, into the command's output.
    con.execute("SET enable_progress_bar = false")
    kind = FORMATS[path.suffix.lower()]
    step = _stepper(str(path), progress)
    try:
        step(f"reading {kind}")
        _read_raw(con, path, kind)
        step("validating")
        columns = _map_columns(con, ds, path, mapping)
        if any(f.references == "orgunit" for f in ds.fields):
            _register_orgunits(con, hierarchy)
        no_nulls = _parquet_columns_without_nulls(con, path, columns) if kind == "parquet" \
            else set()
        dictionary = _parquet_dictionary_columns(con, path, columns) \
            if kind == "parquet" else set()
        checks = _checks(ds, columns, no_nulls, dictionary)
        # A warner that says what it first aggregates over the batch has that computed in the
        # validation scan: the file is read once for both (see IntakeWarner).
        fused: Any = warn if hasattr(warn, "scan_terms") and hasattr(warn, "from_scan") \
            else None
        warn_checks = fused.checks(ds) if fused is not None else []
        def extra() -> list[str]:  # over the view TYPED, once it is built
            return fused.scan_terms(con, TYPED, ds, warn_checks) if fused is not None else []

        kept = _ingest_in_store(store, con, ds, path, kind, columns, no_nulls, dictionary,
                                warn, fused, warn_checks, extra, step)
        if kept is not None:
            return kept
        # how TYPED was built (the CSV fast path reads the declared types itself)
        built: dict[str, Any] = {"columns": columns, "source": RAW, "numbered": kind == "excel"}
        scanned = _scan_typed_csv(con, ds, path, columns, extra, built) if kind == "csv" \
            else None
        if scanned is None:
            built = {"columns": columns, "source": RAW, "numbered": kind == "excel"}
            _build_typed(con, ds, **built)
            scanned = _scan(con, ds, path, kind, checks, extra=extra())
        staged, total, extra_values = scanned
        if staged.rows == 0:
            raise InputError(f"{path}: rejected, the file has no data rows; nothing was loaded",
                             [Problem("no data rows", file=str(path), rule="empty_file")])
        if total:
            problems = _locate_problems(con, ds, path, kind, columns, checks)
            more = f"; the first {len(problems)} follow" if total > len(problems) else ""
            raise InputError(f"{path}: rejected, {total} problem{'s' * (total != 1)} "
                             f"found{more}; nothing was loaded", problems)
        if staged.normalised == 0:  # no code written in another case: none to fold
            _build_typed(con, ds, **built, fold=False)
        warnings = _warnings(con, ds, staged, warn, fused, warn_checks, extra_values)
        if any(w["examples"] for w in warnings):
            _number_examples(con, ds, kind, columns, warnings, path)
        step("applying")
        con.execute(f"CREATE OR REPLACE TEMP VIEW {INCOMING} AS SELECT "
                    + ", ".join(f'"{n}"' for n in ds.field_names) + f" FROM {TYPED}")
        # Stored row order carries no meaning; not keeping it lets DuckDB load in parallel.
        con.execute("SET preserve_insertion_order = false")
        try:
            batch = store.apply_batch(ds.code, str(path), staged)
        finally:
            con.execute("SET preserve_insertion_order = true")
        step("done")
        return replace(batch, normalised=staged.normalised, warnings=warnings or batch.warnings)
    finally:
        for stmt in (f"DROP VIEW IF EXISTS {INCOMING}", f"DROP VIEW IF EXISTS {TYPED}",
                     f"DROP VIEW IF EXISTS {RAW}", f"DROP TABLE IF EXISTS {RAW}",
                     f"DROP VIEW IF EXISTS {TYPED_CSV}",
                     f"DROP TABLE IF EXISTS {ORDERED}"):
            with contextlib.suppress(duckdb.Error):
                con.execute(stmt)


#: Rows of a Parquet file sorted together as they are kept (whole row groups): sorting a
#: 20 M-record file in pieces of ~4 M costs about a third of the CPU of one sort, and the kept
#: table's row groups still each hold one month or two adjacent ones.
SORT_CHUNK_ROWS = 4_000_000


def _ingest_in_store(store: RecordStore, con: duckdb.DuckDBPyConnection, ds: Dataset,
                     path: Path, kind: str, columns: dict[str, tuple[str, str]],
                     no_nulls: set[str], dictionary: set[str], warn: Warner | None,
                     fused: Any, warn_checks: list[Any], extra: Callable[[], list[str]],
                     step: Callable[[str], None]) -> BatchInfo | None:
    """The batch read once: the file's records, typed, inserted where the store keeps them
    (:meth:`RecordStore.stage_in_store`, inside the batch's transaction), validated and
    warned about there with the same checks, then applied or rolled back. ``None`` (the store
    as it was) when this path does not apply: a store that cannot, a format other than
    Parquet and CSV, a column whose values need a type check against their text, a value the
    typed reader refuses, or any problem at all; the caller's path over the file then checks
    it, and names the rows of whatever it rejects."""
    if kind not in ("parquet", "csv"):
        return None
    if kind == "csv":
        typed = _csv_typed_source(con, ds, path, columns)
        if typed is None:
            return None
        sources = [TYPED_CSV]
    else:
        typed, sources = columns, _parquet_chunks(con, path)
    if any(c.rule.startswith("type_") for c in _checks(ds, typed)):
        return None
    try:
        table = store.stage_in_store(ds.code, [_typed_select(ds, typed, s) for s in sources])
    except duckdb.Error:
        return None
    if table is None:
        return None
    applied = False
    try:
        # the kept columns are the fields by name, of their declared types
        kept = {f: (f, ds.field(f).sql_type) for f in typed}
        _build_typed(con, ds, kept, table, numbered=False)
        try:
            staged, total, extra_values = _scan(con, ds, path, kind,
                                                _checks(ds, kept, no_nulls, dictionary),
                                                strict=True, extra=extra())
        except duckdb.Error:
            return None
        if staged.rows == 0 or total:
            return None
        if staged.normalised == 0:
            _build_typed(con, ds, kept, table, numbered=False, fold=False)
        warnings = _warnings(con, ds, staged, warn, fused, warn_checks, extra_values)
        step("applying")
        batch = store.apply_staged(ds.code, str(path), staged)
        applied = True
    finally:
        if not applied:
            store.discard_staged()
    # after the commit: a table made within the transaction numbers its rows from elsewhere
    if any(w["examples"] for w in warnings):
        _number_examples(con, ds, kind, columns, warnings, path)
    step("done")
    return replace(batch, normalised=staged.normalised, warnings=warnings or batch.warnings)


def _warnings(con: duckdb.DuckDBPyConnection, ds: Dataset, staged: StagedBatch,
              warn: Warner | None, fused: Any, warn_checks: list[Any], extra_values: list[Any]
              ) -> list[dict[str, Any]]:
    """The warnings of the accepted batch TYPED (their examples not yet numbered)."""
    if fused is not None:
        return fused.from_scan(con, TYPED, ds, warn_checks, staged.rows, extra_values)
    return warn(con, TYPED, ds) if warn is not None else []


def _typed_select(ds: Dataset, columns: dict[str, tuple[str, str]], source: str) -> str:
    """The fields of ``source`` typed as declared (codes as written), in declaration order."""
    parts = [f'{_typed_field(f, columns)} AS "{f.name}"' for f in ds.fields]
    return f"SELECT {', '.join(parts)} FROM {source}"


def _typed_field(f: DatasetField, columns: dict[str, tuple[str, str]]) -> str:
    """SQL: the field ``f`` typed as declared from its column (NULL when the file lacks it)."""
    if f.name not in columns:
        return f"CAST(NULL AS {f.sql_type})"
    column, raw_type = columns[f.name]
    return _typed_expression(f.type, f.sql_type, column, raw_type)


def _parquet_chunks(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The file as readers of consecutive row groups of about :data:`SORT_CHUNK_ROWS`
    records (one reader of the whole file when its row groups are not known)."""
    quoted = f"'{_sql_str(str(path))}'"
    whole = f"read_parquet({quoted})"
    try:
        sizes = [int(n) for (n,) in con.execute(
            "SELECT DISTINCT ON (row_group_id) row_group_num_rows FROM parquet_metadata(?) "
            "ORDER BY row_group_id", [str(path)]).fetchall()]
    except duckdb.Error:
        return [whole]
    bounds, start, size = [], 0, 0
    for rows in sizes:
        size += rows
        if size >= SORT_CHUNK_ROWS:
            bounds.append((start, start + size))
            start, size = start + size, 0
    if size:
        bounds.append((start, start + size))
    if len(bounds) <= 1:
        return [whole]
    return [f"read_parquet({quoted}, file_row_number = true) WHERE file_row_number >= {a} "
            f"AND file_row_number < {b}" for a, b in bounds]


# -- reading ---------------------------------------------------------------------------

def _check_readable(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: file not found",
                         [Problem("file not found", file=str(path), rule="file_not_found")])
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    if path.suffix.lower() not in FORMATS:
        supported = ", ".join(sorted(FORMATS))
        raise InputError(f"{path}: unsupported file type '{path.suffix or '(none)'}' "
                         f"(supported: {supported})",
                         [Problem(f"unsupported extension; use one of {supported}",
                                  file=str(path), rule="unsupported_format")])
    if path.stat().st_size == 0:
        raise InputError(f"{path}: rejected, the file is empty; nothing was loaded",
                         [Problem("the file is empty", file=str(path), rule="empty_file")])


def _read_raw(con: duckdb.DuckDBPyConnection, path: Path, kind: str) -> None:
    """Load the file into the temp table RAW, in file order (so rowid = data row - 1)."""
    name = str(path)
    quoted = f"'{_sql_str(name)}'"
    try:
        if kind == "csv":
            con.execute(f"CREATE OR REPLACE TEMP VIEW {RAW} AS SELECT * FROM read_csv({quoted}, "
                        "header = true, all_varchar = true)")
        elif kind == "parquet":
            con.execute(f"CREATE OR REPLACE TEMP VIEW {RAW} AS SELECT * FROM "
                        f"read_parquet({quoted})")
        elif kind == "ndjson":
            names = [d[0] for d in con.execute(
                f"SELECT * FROM read_json({quoted}, format = 'newline_delimited') LIMIT 0"
            ).description]
            spec = ", ".join(f"'{_sql_str(n)}': 'VARCHAR'" for n in names)
            con.execute(f"CREATE OR REPLACE TEMP VIEW {RAW} AS SELECT * FROM read_json("
                        f"{quoted}, format = 'newline_delimited', columns = {{{spec}}})")
        else:
            table = _read_excel(path)
            con.register("_sodo_excel", table)
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {RAW} AS SELECT * FROM _sodo_excel")
            finally:
                con.unregister("_sodo_excel")
    except duckdb.Error as exc:
        raise _unreadable(path, kind, exc) from None


def _unreadable(path: Path, kind: str, exc: duckdb.Error) -> InputError:
    too_long = re.search(r"Maximum line size of (\d+) bytes exceeded", str(exc))
    if too_long:  # DuckDB names line 1 of its buffer, not of the file: find the real one
        return _line_too_long(path, kind, int(too_long.group(1)))
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputError(f"{path}: rejected, the file cannot be read as {kind} (truncated or "
                      "malformed?); nothing was loaded",
                      [Problem(message, file=str(path), line=_line_in_error(str(exc)),
                               rule="malformed_file")])


def _line_too_long(path: Path, kind: str, limit: int) -> InputError:
    """The first line of the file longer than ``limit`` bytes, found by streaming the file."""
    line, size, found = 1, 0, None
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            start = 0
            while (end := chunk.find(b"\n", start)) != -1:
                size += end - start
                if size > limit:
                    found = found or (line, size)
                line, size, start = line + 1, 0, end + 1
            size += len(chunk) - start
            if found:
                break
    if found is None and size > limit:
        found = (line, size)
    where, length = found or (None, 0)
    message = (f"line {where} is {length:,} bytes long, over the limit of {limit:,} bytes "
               "(a field too large, or a quote left open?)") if where else \
        f"a line is over the limit of {limit:,} bytes"
    return InputError(f"{path}: rejected, the file cannot be read as {kind}; nothing was "
                      "loaded", [Problem(message, file=str(path), line=where,
                                         rule="line_too_long")])


def _line_in_error(message: str) -> int | None:
    match = re.search(r"[Ll]ine:? (\d+)", message)
    return int(match.group(1)) if match else None


def _read_excel(path: Path) -> pa.Table:
    """The first sheet of a workbook as a table of strings; header in row 1, no merged cells."""
    from openpyxl import load_workbook

    name = str(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(f"{path}: rejected, not a readable Excel workbook (truncated or "
                         "malformed?); nothing was loaded",
                         [Problem(f"cannot open workbook: {exc}", file=name,
                                  rule="malformed_file")]) from None
    try:
        sheet = workbook.worksheets[0]
        merged = _merged_header_ranges(path, 0)
        if merged:
            raise InputError(f"{path}: rejected, the header row has merged cells; unmerge them "
                             "so that each column has its own name",
                             [Problem(f"merged header cells {ref}", file=name, line=1,
                                      column=ref.split(":")[0], rule="merged_header")
                              for ref in merged])
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InputError(f"{path}: rejected, the sheet is empty; nothing was loaded",
                             [Problem("the sheet is empty", file=name, rule="empty_file")])
        while header and header[-1] is None:
            header = header[:-1]
        names = [str(h).strip() if h is not None else "" for h in header]
        blanks = [i for i, n in enumerate(names) if not n]
        if blanks:
            raise InputError(f"{path}: rejected, the header row has empty cells (merged "
                             "header?); each column needs a name",
                             [Problem("empty header cell", file=name, line=1,
                                      column=_excel_column(i), rule="merged_header")
                              for i in blanks])
        width = len(names)
        columns: list[list[str | None]] = [[] for _ in names]
        for row in rows:
            if row is None or all(v is None for v in row[:width]):
                continue
            for i in range(width):
                columns[i].append(_excel_text(row[i]) if i < len(row) else None)
        return pa.table({n: pa.array(c, type=pa.string()) for n, c in zip(names, columns,
                                                                         strict=True)})
    finally:
        workbook.close()


def _merged_header_ranges(path: Path, sheet_index: int) -> list[str]:
    """Merged ranges touching row 1 (read-only openpyxl does not expose merged cells, so read
    the sheet's XML, whose <mergeCells> comes after the data)."""
    pattern = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
    with zipfile.ZipFile(path) as archive:
        sheets = sorted(n for n in archive.namelist()
                        if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))
        if not sheets:
            return []
        target = f"xl/worksheets/sheet{sheet_index + 1}.xml"
        member = target if target in sheets else sheets[0]
        found: list[str] = []
        tail = b""
        with archive.open(member) as stream:
            while chunk := stream.read(1 << 20):
                data = tail + chunk
                for m in pattern.finditer(data):
                    if int(m.group(2)) <= 1:
                        found.append(f"{m.group(1).decode()}{m.group(2).decode()}:"
                                     f"{m.group(3).decode()}{m.group(4).decode()}")
                tail = data[-200:]
        return sorted(set(found))


def _excel_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _excel_column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


# -- mapping and typing ----------------------------------------------------------------

def _map_columns(con: duckdb.DuckDBPyConnection, ds: Dataset, path: Path,
                 mapping: dict[str, str]) -> dict[str, tuple[str, str]]:
    """canonical field -> (column in the file, its DuckDB type), for the fields present."""
    described = con.execute(f"DESCRIBE {RAW}").fetchall()
    folded_mapping = {k.lower(): v for k, v in mapping.items()}
    present: dict[str, tuple[str, str]] = {}
    problems: list[Problem] = []
    declared = set(ds.field_names)
    for column, column_type, *_ in described:
        canonical = folded_mapping.get(column.strip().lower(), column.strip().lower())
        if canonical not in declared:
            continue
        if canonical in present:
            problems.append(Problem(f"columns '{present[canonical][0]}' and '{column}' both "
                                    f"give field '{canonical}'", file=str(path), column=column,
                                    rule="duplicate_column"))
            continue
        present[canonical] = (column, column_type)
    for f in ds.fields:
        if f.required and f.name not in present:
            problems.append(Problem(f"required column '{f.name}' is missing", file=str(path),
                                    column=f.name, rule="missing_column"))
    if problems:
        raise InputError(f"{path}: rejected, the columns do not match dataset {ds.code}; "
                         "nothing was loaded", problems)
    return present


def _typed_expression(field_type: FieldType, sql_type: str, column: str, raw_type: str) -> str:
    ref = f'"{_sql_ident(column)}"'
    if raw_type.upper() == sql_type:
        return ref
    if field_type is FieldType.STR:
        return f"CAST({ref} AS VARCHAR)"
    if field_type is FieldType.BOOL and raw_type.upper() == "VARCHAR":
        # Accept the spellings spreadsheets and exports use; anything else is a type error.
        return (f"CASE lower(trim({ref})) WHEN 'true' THEN true WHEN 't' THEN true "
                f"WHEN '1' THEN true WHEN 'yes' THEN true WHEN 'false' THEN false "
                f"WHEN 'f' THEN false WHEN '0' THEN false WHEN 'no' THEN false END")
    # Timestamps go through TIMESTAMPTZ in the staging session's zone (Vietnam): text without
    # an offset is local time as it stands; "…Z" or "…+00:00" is converted to local time, not
    # cut off. timezone() rather than a cast, which DuckDB may push into the CSV reader.
    if field_type is FieldType.TIMESTAMP and raw_type.upper() == "VARCHAR":
        return f"timezone('{LOCAL_TIME_ZONE}', TRY_CAST(trim({ref}) AS TIMESTAMPTZ))"
    if field_type is FieldType.TIMESTAMP and raw_type.upper() in _TIMESTAMPTZ:
        return f"timezone('{LOCAL_TIME_ZONE}', {ref})"
    if field_type is FieldType.DATE and raw_type.upper() == "VARCHAR":
        return f"TRY_CAST(trim({ref}) AS DATE)"
    return f"TRY_CAST({ref} AS {sql_type})"


def _build_typed(con: duckdb.DuckDBPyConnection, ds: Dataset,
                 columns: dict[str, tuple[str, str]], source: str, numbered: bool,
                 fold: bool = True) -> None:
    """The view TYPED: canonical typed fields, the raw values beside them (``_raw_<field>``)
    and, when ``source`` is a table in file order, the 1-based data row ``_row``. ``fold``:
    codes in upper case (``False`` once the scan found none written otherwise: the same
    values without a function call per code and record)."""
    parts = ["rowid + 1 AS _row"] if numbered else []
    codes = set(ds.code_fields)
    for f in ds.fields:
        typed = _typed_field(f, columns)
        if f.name in columns:
            if fold and f.name in codes:  # one way of writing a code: upper case
                typed = f"upper({typed})"
            parts.append(f'{typed} AS "{f.name}"')
            parts.append(f'"{_sql_ident(columns[f.name][0])}" AS "_raw_{f.name}"')
        else:
            parts.append(f'{typed} AS "{f.name}"')
            parts.append(f'CAST(NULL AS VARCHAR) AS "_raw_{f.name}"')
    con.execute(f"CREATE OR REPLACE TEMP VIEW {TYPED} AS SELECT {', '.join(parts)} "
                f"FROM {source}")


# -- validation ------------------------------------------------------------------------

def _parquet_dictionary_columns(con: duckdb.DuckDBPyConnection, path: Path,
                                columns: dict[str, tuple[str, str]]) -> set[str]:
    """Fields whose Parquet column is dictionary-encoded in every row group (few distinct
    values): a check of their values is cheaper on the distinct values than per record."""
    try:
        stats = dict(con.execute(
            "SELECT path_in_schema, bool_and(dictionary_page_offset IS NOT NULL "
            "OR contains(encodings, 'DICTIONARY')) FROM parquet_metadata(?) GROUP BY 1",
            [str(path)]).fetchall())
    except duckdb.Error:
        return set()
    return {field for field, (column, _) in columns.items() if stats.get(column) is True}


def _parquet_columns_without_nulls(con: duckdb.DuckDBPyConnection, path: Path,
                                   columns: dict[str, tuple[str, str]]) -> set[str]:
    """Fields whose Parquet statistics show no null in any row group: their 'required' check
    is already proven, and the scan need not read them at all."""
    try:
        stats = dict(con.execute(
            "SELECT path_in_schema, bool_and(stats_null_count = 0) FROM parquet_metadata(?) "
            "GROUP BY 1", [str(path)]).fetchall())
    except duckdb.Error:
        return set()
    return {field for field, (column, _) in columns.items() if stats.get(column) is True}


def _key_format_bad(raw: str) -> str:
    """SQL: the (non-null) text ``raw`` is not written plainly (see :func:`_checks`)."""
    return (f"(regexp_matches({raw}, '{_INVISIBLE}') OR {raw} <> trim({raw}) "
            f"OR nfc_normalize({raw}) <> {raw})")


def _key_format_plain(raw: str) -> str:
    """SQL: a cheap proof that the (non-null) text ``raw`` is written plainly: ASCII only (so
    in NFC, and without the invisible characters beyond ASCII), no control character (JSON
    escapes every character below U+0020, so its JSON string is then two quotes longer; a
    quote or backslash only sends the value to the full test), no DEL and no space at either
    end (the only ASCII character ``trim`` removes). FALSE sends the value to the full test."""
    return (f"(strlen({raw}) = length({raw}) AND strlen(to_json({raw})) = strlen({raw}) + 2 "
            f"AND NOT contains({raw}, chr(127)) AND NOT starts_with({raw}, ' ') "
            f"AND NOT ends_with({raw}, ' '))")


def _per_distinct_value(column: str, bad: str) -> str:
    """SQL aggregate: the records of ``column`` whose value ``e.key`` is ``bad``, counted per
    distinct value (its ``histogram``, NULLs left out) and weighted by its records."""
    return (f"coalesce(list_sum(list_transform(map_entries(histogram({column})), "
            f"lambda e: CASE WHEN {bad} THEN e.value ELSE 0 END)), 0)")


def _checks(ds: Dataset, columns: dict[str, tuple[str, str]],
            known_not_null: set[str] | frozenset[str] = frozenset(),
            dictionary: set[str] | frozenset[str] = frozenset()) -> list[Check]:
    """The checks of the fields present. ``dictionary``: fields with few distinct values
    (dictionary-encoded Parquet columns), whose key_format and allowed values the scan
    counts over their distinct values."""
    checks: list[Check] = []
    for f in ds.fields:
        name, raw = f'"{f.name}"', f'"_raw_{f.name}"'
        if f.name not in columns:
            continue
        raw_type = columns[f.name][1].upper()
        if raw_type != f.sql_type and f.type is not FieldType.STR:
            checks.append(Check(f"type_{f.type}", f.name, f"{raw} IS NOT NULL AND {name} IS NULL",
                                f"'''' || CAST({raw} AS VARCHAR) || ''' is not a valid "
                                f"{f.type}'"))
        if f.required and f.name not in known_not_null:
            checks.append(Check("required", f.name, f"{raw} IS NULL",
                                "'a value is required'"))
        if f.allowed:
            values = ", ".join(f"'{_sql_str(v)}'" for v in f.allowed)
            # a column of few distinct values (dictionary-encoded Parquet): counted over them
            # (a hash aggregate), times their records, rather than compared on every record
            checks.append(Check("allowed_values", f.name, f"{name} NOT IN ({values})",
                                f"'''' || {name} || ''' is not one of: "
                                f"{_sql_str(', '.join(f.allowed))}'",
                                _per_distinct_value(name, f"e.key NOT IN ({values})")
                                if f.name in dictionary else None))
        if f.references == "orgunit":
            checks.append(Check("unknown_orgunit", f.name,
                                f"{name} IS NOT NULL AND {name} NOT IN "
                                f"(SELECT code FROM {ORGUNITS})",
                                f"'''' || {name} || ''' is not a known org-unit code'"))
    for f in ds.fields:
        # Keys and codes must be written one way: a zero-width space, a direction override,
        # a control character (NUL included), padding or a decomposed accent would make
        # "the same" key a second record. They are refused with the row named (the case is
        # folded instead, see _build_typed).
        if f.name in columns and f.name in ds.code_fields:
            raw = f'"_raw_{f.name}"'
            count = None
            if f.name in dictionary and f.name != ds.key:
                # per distinct value (a hash aggregate over the dictionary), times its records
                count = _per_distinct_value(raw, _key_format_bad("e.key"))
            checks.append(Check(
                "key_format", f.name,
                f"{raw} IS NOT NULL AND CASE WHEN {_key_format_plain(raw)} THEN false "
                f"ELSE {_key_format_bad(raw)} END",
                "'''' || replace(regexp_replace(" + raw + ", '" + _INVISIBLE + "', '?', 'g'), "
                "'''', '''''') || ''' has invisible or control characters, surrounding "
                "spaces, or is not in NFC; write the code plainly'", count))
    for rule in ds.rules:
        shown = " || ', ' || ".join(
            f"'{c}=' || coalesce(CAST(\"{c}\" AS VARCHAR), 'null')" for c in rule.columns)
        checks.append(Check(rule.rule, rule.columns[0], f"NOT coalesce(({rule.check}), true)",
                            f"'{_sql_str(rule.message)} (' || {shown} || ')'"))
    return checks


def _scan_typed_csv(con: duckdb.DuckDBPyConnection, ds: Dataset, path: Path,
                    columns: dict[str, tuple[str, str]],
                    extra: Callable[[], list[str]] = list, built: dict[str, Any] | None = None
                    ) -> tuple[StagedBatch, int, list[Any]] | None:
    """The fast path for CSV: let DuckDB's reader parse the declared types itself (much faster
    than casting text), as the view TYPED. ``None`` when the reader refuses a value; the
    caller then checks the file as text, which finds and locates every bad value."""
    typed_columns = _csv_typed_source(con, ds, path, columns)
    if typed_columns is None:
        return None
    try:
        _build_typed(con, ds, typed_columns, TYPED_CSV, numbered=False)
        scanned = _scan(con, ds, path, "csv", _checks(ds, typed_columns), strict=True,
                        extra=extra())
        if built is not None:
            built.update(columns=typed_columns, source=TYPED_CSV, numbered=False)
        return scanned
    except duckdb.Error:
        return None


def _csv_typed_source(con: duckdb.DuckDBPyConnection, ds: Dataset, path: Path,
                      columns: dict[str, tuple[str, str]]
                      ) -> dict[str, tuple[str, str]] | None:
    """The view TYPED_CSV: the file read by DuckDB's reader with the declared types; its
    columns (field -> (column, type read)). ``None`` when the file cannot be sniffed."""
    # A timestamp column whose sampled values carry an offset ("…Z", "…+07:00") is read as
    # TIMESTAMPTZ and converted to local time (see _typed_expression); plain local times are
    # read as TIMESTAMP, which parses much faster.
    quoted = f"'{_sql_str(str(path))}'"
    try:
        described = con.execute(
            f"DESCRIBE SELECT * FROM read_csv({quoted}, header = true)").fetchall()
    except duckdb.Error:
        return None
    sniffed = {row[0]: row[1] for row in described}
    read_type = {field: "TIMESTAMPTZ" if ds.field(field).type is FieldType.TIMESTAMP
                 and str(sniffed.get(column, "")).upper() in _TIMESTAMPTZ
                 else ds.field(field).sql_type for field, (column, _) in columns.items()}
    sql_type = {column: read_type[field] for field, (column, _) in columns.items()}
    names = [row[0] for row in con.execute(f"DESCRIBE {RAW}").fetchall()]
    spec = ", ".join(f"'{_sql_str(n)}': '{sql_type.get(n, 'VARCHAR')}'" for n in names)
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {TYPED_CSV} AS SELECT * FROM read_csv("
                    f"{quoted}, header = true, columns = {{{spec}}})")
    except duckdb.Error:
        return None
    return {field: (column, read_type[field]) for field, (column, _) in columns.items()}


def _scan(con: duckdb.DuckDBPyConnection, ds: Dataset, path: Path, kind: str,
          checks: list[Check], strict: bool = False, extra: Sequence[str] = ()
          ) -> tuple[StagedBatch, int, list[Any]]:
    """One scan of the file: the number of problems of every kind, the batch summary and the
    values of the ``extra`` aggregates (the warner's, see :class:`IntakeWarner`). A file
    DuckDB cannot read is rejected as malformed (``strict``: the error is raised)."""
    key, period = f'"{ds.key}"', f'"{ds.period_field}"'
    aggregates = [c.count or f"count(*) FILTER (WHERE {c.condition})" for c in checks]
    # records a code of which was written in another case (folded by _build_typed; a field
    # the file lacks is NULL on both sides and not counted)
    folded = " OR ".join(f'"{n}" <> CAST("_raw_{n}" AS VARCHAR)' for n in ds.code_fields)
    # Distinct 64-bit hashes of the key are much cheaper to count than distinct strings; a
    # shortfall is then confirmed on the keys themselves (a hash collision is not a duplicate).
    sql = (f"SELECT count(*), count({key}) - count(DISTINCT hash({key})), min({period}), "
           f"max({period}), list(DISTINCT date_trunc('month', {period})) "
           f"FILTER (WHERE {period} IS NOT NULL), count(*) FILTER (WHERE {folded})"
           + "".join(f", {a}" for a in [*aggregates, *extra]) + f" FROM {TYPED}")
    try:
        rows, duplicates, pmin, pmax, months, normalised, *values = \
            con.execute(sql).fetchall()[0]
        counts, extra_values = values[:len(aggregates)], values[len(aggregates):]
        if duplicates:
            duplicates = con.execute(f"SELECT count({key}) - count(DISTINCT {key}) "
                                     f"FROM {TYPED}").fetchall()[0][0]
    except duckdb.Error as exc:
        if strict:
            raise
        raise _unreadable(path, kind, exc) from None
    month_ids = sorted(f"{m.year:04d}-{m.month:02d}" for m in months or [])
    staged = StagedBatch(int(rows), pmin, pmax, month_ids, int(normalised))
    return staged, int(duplicates + sum(counts)), list(extra_values)


def _locate_problems(con: duckdb.DuckDBPyConnection, ds: Dataset, path: Path, kind: str,
                     columns: dict[str, tuple[str, str]], checks: list[Check]) -> list[Problem]:
    """The first problems in file order, with their rows (the file is copied in order)."""
    if kind != "excel":  # Excel is already a table in sheet order
        con.execute(f"CREATE OR REPLACE TEMP TABLE {ORDERED} AS SELECT * FROM {RAW}")
        _build_typed(con, ds, columns, ORDERED, numbered=True)
    else:
        _build_typed(con, ds, columns, RAW, numbered=True)
    found: list[tuple[int, int, Problem]] = []
    order = {name: i for i, name in enumerate(ds.field_names)}
    for check in checks:
        for row, detail in con.execute(
                f"SELECT _row, {check.detail} FROM {TYPED} WHERE {check.condition} "
                f"ORDER BY _row LIMIT {MAX_REPORTED}").fetchall():
            found.append((row, order[check.column],
                          _problem(path, kind, row, check.column, check.rule, detail,
                                   columns)))
    key, raw = f'"{ds.key}"', f'CAST("_raw_{ds.key}" AS VARCHAR)'
    for row, first, value, written, first_written in con.execute(
            f"SELECT _row, first_row, {key}, written, first_written FROM (SELECT _row, {key}, "
            f"{raw} AS written, min(_row) OVER (PARTITION BY {key}) AS first_row, "
            f"first({raw} ORDER BY _row) OVER (PARTITION BY {key}) AS first_written "
            f"FROM {TYPED} WHERE {key} IS NOT NULL) WHERE _row > first_row ORDER BY _row "
            f"LIMIT {MAX_REPORTED}").fetchall():
        detail = f"key '{value}' already appears in row {first}"
        if written != first_written:
            detail = (f"key '{written}' is key '{first_written}' of row {first} in another "
                      "case (keys are compared without regard to case)")
        found.append((row, order[ds.key],
                      _problem(path, kind, row, ds.key, "duplicate_key", detail, columns)))
    found.sort(key=lambda item: (item[0], item[1]))
    return [p for _, _, p in found[:MAX_REPORTED]]


def _number_examples(con: duckdb.DuckDBPyConnection, ds: Dataset, kind: str,
                     columns: dict[str, tuple[str, str]], warnings: list[dict[str, Any]],
                     path: Path | None = None) -> None:
    """Set the 1-based data row of each warning example from its key: the keys of the file
    are copied in file order (the key column only; Excel is already a table in sheet order;
    Parquet's reader numbers its rows, ``path`` given)."""
    if ds.key not in columns:
        return
    column = f'"{_sql_ident(columns[ds.key][0])}"'
    keys = sorted({e["key"] for w in warnings for e in w["examples"] if e.get("key")})
    if not keys:
        return
    source, row = RAW, "rowid"
    if kind == "parquet" and path is not None:  # the reader numbers the rows itself: no copy in file order
        source = f"read_parquet('{_sql_str(str(path))}', file_row_number = true)"
        row = "file_row_number"
    elif kind != "excel":
        con.execute(f"CREATE OR REPLACE TEMP TABLE {ORDERED} AS SELECT {column} FROM {RAW}")
        source = ORDERED
    rows = dict(con.execute(
        f"SELECT CAST({column} AS VARCHAR), min({row}) + 1 FROM {source} "
        f"WHERE CAST({column} AS VARCHAR) IN (SELECT unnest(?::VARCHAR[])) GROUP BY 1",
        [keys]).fetchall())
    for w in warnings:
        for e in w["examples"]:
            e["row"] = rows.get(e.get("key"))


def _problem(path: Path, kind: str, row: int, field: str, rule: str, detail: str,
             columns: dict[str, tuple[str, str]]) -> Problem:
    where = {"csv": f"CSV line {row + 1}", "excel": f"Excel row {row + 1}"}.get(kind)
    source = columns.get(field, (field, ""))[0]
    named = f" (column '{source}' of the file)" if source != field else ""
    suffix = f"; {where}" if where else ""
    return Problem(f"row {row}: {detail}{named}{suffix}", file=str(path), line=row,
                   column=field, rule=rule, object=f"row {row}")


def _register_orgunits(con: duckdb.DuckDBPyConnection, hierarchy: Hierarchy) -> None:
    """The codes of the flattened ancestor table, as a temp table of the staging connection."""
    codes = sorted({unit for unit, _, depth in hierarchy.ancestor_rows() if depth == 0})
    # A list parameter, not a registered Arrow table: registering imports pandas (seconds).
    con.execute(f"CREATE OR REPLACE TEMP TABLE {ORGUNITS} AS "
                "SELECT unnest(?::VARCHAR[]) AS code", [codes])


def _stepper(file: str, progress: Progress | None) -> Callable[[str], None]:
    steps = ["reading", "validating", "applying", "done"]
    state = {"i": 0}

    def step(description: str) -> None:
        state["i"] += 1
        if progress is not None:
            progress(file, state["i"], len(steps), description)

    return step


def _sql_str(text: str) -> str:
    return text.replace("'", "''")


def _sql_ident(text: str) -> str:
    return text.replace('"', '""')
