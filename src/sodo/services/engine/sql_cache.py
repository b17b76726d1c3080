"""The SQL that Ibis compiles for the engine, kept so that a compute needs no Ibis at all.

Ibis stays the one expression layer: every query of the engine is built by :mod:`.compiler`
and :mod:`.rollup` and compiled by Ibis. What is kept is Ibis's output — the SQL text and the
Arrow schema Ibis gives the result — keyed by everything it depends on: the measure plan and
the definitions' fingerprint, the scanned relation's columns and types, the months' shape,
the versions of sodo, Ibis and DuckDB and the engine's own source. A process whose queries
are all cached imports neither Ibis nor sqlglot (about 0.6 s of CPU, a third of an
incremental ``sodo compute``).

Queries always run the same way, cached or just compiled: the SQL on a DuckDB connection, the
Arrow result conformed to Ibis's schema exactly as Ibis does it, so a cached run cannot differ
from an uncached one.

The months a scan is restricted to change with every batch, so a scan is compiled once per
*shape* (all months, one contiguous range, a set within a range) with sentinel months, and the
real months are written into the sentinels' literals. The substitution is checked when the
entry is made: it must give exactly what Ibis compiles for the real months, else nothing is
cached.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

#: Sentinel months of the templates: their literals appear nowhere else in the SQL (checked).
_RANGE = ("1901-01", "1901-02")
_SET = ("1901-01", "1901-03")


def quote(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class CompiledQuery:
    """Ibis's SQL for one query and the Arrow schema of its result."""

    sql: str
    schema: pa.Schema

    def run(self, con: Any) -> pa.Table:
        """Execute on a DuckDB connection; the result conformed to the schema the way Ibis's
        ``to_pyarrow`` does (``ibis.formats.pyarrow.PyArrowData.convert_table``).

        DuckDB sums integers as HUGEINT (Arrow receives decimals) and durations as DOUBLE,
        which Ibis casts to int64; those casts are done by DuckDB here, with Arrow's rules
        (an overflow or a fractional value is an error), as Arrow's cast would import
        pyarrow.compute, a thirtieth of a second at each command's start."""
        relation = con.sql(self.sql)
        wanted = {f.name: f.type for f in self.schema}
        casts = []
        for name, kind in zip(relation.columns, relation.types, strict=True):
            if wanted.get(name) != pa.int64():
                continue
            ref = quote(name)
            if str(kind) == "HUGEINT":
                casts.append(f"CAST({ref} AS BIGINT) AS {ref}")
            elif str(kind) == "DOUBLE":
                casts.append(f"CASE WHEN {ref} <> trunc({ref}) THEN error('Float value "
                             f"' || {ref} || ' was truncated converting to int64') ELSE "
                             f"CAST({ref} AS BIGINT) END AS {ref}")
        if casts:
            relation = con.sql(f"SELECT * REPLACE ({', '.join(casts)}) FROM ({self.sql})")
        return conform(relation.to_arrow_table(), self.schema)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns, in its order and types (backends and the
    cached path differ in both)."""
    if table.schema == schema:
        return table
    arrays = [table[f.name] if table[f.name].type == f.type else table[f.name].cast(f.type)
              for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


_SALT: list[str] = []


def _salt() -> str:
    """What every key depends on besides its query: versions and the engine's source."""
    if not _SALT:
        from importlib.metadata import PackageNotFoundError, version

        import duckdb

        import sodo

        try:
            ibis_version = version("ibis-framework")
        except PackageNotFoundError:  # pragma: no cover - ibis is a dependency
            ibis_version = "?"
        digest = hashlib.sha256()
        here = Path(__file__).parent
        for path in sorted(here.glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
        digest.update((here.parent.parent / "domain" / "indicators.py").read_bytes())
        for name in ("compiled.py", "scan.py", "records.py"):  # the quality checks' queries
            digest.update((here.parent / "quality" / name).read_bytes())
        _SALT.append(f"{sodo.__version__}|{ibis_version}|{duckdb.__version__}|"
                     f"{digest.hexdigest()}")
    return _SALT[0]


class SqlCache:
    """Compiled queries by key, in memory and (with a folder) on disk, one JSON file each."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self._memory: dict[str, CompiledQuery] = {}
        #: keys compiled by Ibis in this process (misses), for the tests and the benchmark
        self.compiled: list[str] = []

    @staticmethod
    def key(parts: dict[str, Any]) -> str:
        text = json.dumps(parts, sort_keys=True, default=str) + _salt()
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def get(self, key: str) -> CompiledQuery | None:
        found = self._memory.get(key)
        if found is not None or self.root is None:
            return found
        path = self.root / f"{key}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            schema = pa.ipc.read_schema(pa.py_buffer(bytes.fromhex(data["schema"])))
            found = CompiledQuery(data["sql"], schema)
        except (OSError, ValueError, KeyError, pa.ArrowInvalid):
            return None
        self._memory[key] = found
        return found

    def put(self, key: str, query: CompiledQuery) -> None:
        self._memory[key] = query
        if self.root is None:
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = self.root / f".{key}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps({"sql": query.sql,
                                       "schema": query.schema.serialize().to_pybytes().hex()}),
                           encoding="utf-8")
            os.replace(tmp, self.root / f"{key}.json")
        except OSError:  # a read-only workspace still computes; it compiles every time
            pass

    def query(self, parts: dict[str, Any], compile_: Callable[[], CompiledQuery]
              ) -> CompiledQuery:
        """The cached query for ``parts``, compiled by ``compile_()`` when missing."""
        key = self.key(parts)
        found = self.get(key)
        if found is None:
            found = compile_()
            self.compiled.append(key)
            self.put(key, found)
        return found


#: the process's cache of queries without a workspace (tests, benchmarks, evaluate())
MEMORY = SqlCache()


# -- months: templates and substitution -------------------------------------------------------
def months_shape(months: Sequence[str] | None) -> str:
    """``all`` (no restriction), ``range`` (contiguous months) or ``set`` (some of a range),
    as :func:`sodo.services.engine.compiler.months_filter` writes them."""
    if months is None:
        return "all"
    keys = sorted({int(m[:4]) * 12 + int(m[5:7]) - 1 for m in months})
    return "range" if keys[-1] - keys[0] + 1 == len(keys) else "set"


def template_months(shape: str) -> list[str] | None:
    return None if shape == "all" else list(_RANGE if shape == "range" else _SET)


def _timestamp(year: int, month: int) -> str:
    return f"MAKE_TIMESTAMP({year}, {month}, 1, 0, 0, 0.0)"


def _bounds(months: Sequence[str]) -> tuple[str, str, str]:
    keys = sorted({int(m[:4]) * 100 + int(m[5:7]) for m in months})
    lo, hi = keys[0], keys[-1]
    hi_year, hi_month = divmod(hi, 100)
    end = (hi_year + 1, 1) if hi_month == 12 else (hi_year, hi_month + 1)
    return (_timestamp(lo // 100, lo % 100), _timestamp(*end),
            "(" + ", ".join(str(k) for k in keys) + ")")


def substitute(template: str, shape: str, months: Sequence[str] | None,
               repeated: bool = False) -> str | None:
    """The template's SQL for ``months``; ``None`` when a sentinel is not found exactly once
    (``repeated``: found at least once, each occurrence replaced — a query reading the
    restricted relation twice, as the quality checks' duplicate joins do; its entry is still
    only made when the result equals Ibis's SQL)."""
    if shape == "all":
        return template
    assert months
    sentinels = _bounds(template_months(shape) or [])
    real = _bounds(months)
    wanted = sentinels if shape == "set" else sentinels[:2]
    if any(template.count(s) != 1 and not (repeated and template.count(s) > 1)
           for s in wanted):
        return None
    out = template
    for sentinel, value in zip(wanted, real, strict=False):
        out = out.replace(sentinel, value)
    return out
