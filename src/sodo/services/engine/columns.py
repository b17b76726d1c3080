"""The engine's small frames: equal-length NumPy columns by name, and the in-process DuckDB
they move through.

The engine's frames are small (one row per unit × period) and need only selection, joins and
arithmetic, which DuckDB and NumPy do. pandas is not used on this path on purpose: importing it
is a third of a second, a sixth of a small ``sodo compute``. PyArrow imports pandas whenever
Python data become Arrow, so data enter DuckDB as NumPy arrays (which it reads directly) and
leave it with ``fetchnumpy``; Arrow tables appear only as DuckDB made them.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


class Columns(Mapping[str, np.ndarray]):
    """Named NumPy columns of one length; ``len()`` is the number of rows (as for a frame)."""

    def __init__(self, data: Mapping[str, Any], names: Sequence[str] | None = None) -> None:
        order = list(names) if names is not None else list(data)
        self._data = {n: _array(data[n]) for n in order}
        lengths = {len(a) for a in self._data.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self.rows = lengths.pop() if lengths else 0

    @classmethod
    def empty(cls, names: Sequence[str]) -> Columns:
        return cls({n: np.array([], dtype=object) for n in names})

    def __getitem__(self, name: str) -> np.ndarray:
        return self._data[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return self.rows

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def select(self, rows: np.ndarray) -> Columns:
        """The rows a boolean mask or an index array picks."""
        return Columns({n: a[rows] for n, a in self._data.items()})

    def with_column(self, name: str, values: Any) -> Columns:
        return Columns({**self._data, name: values})

    @staticmethod
    def concat(parts: Iterable[Columns], names: Sequence[str]) -> Columns:
        frames = [p for p in parts if len(p)]
        if not frames:
            return Columns.empty(names)
        return Columns({n: np.concatenate([p[n] for p in frames]) for n in names})

    def to_pandas(self) -> pd.DataFrame:
        """For tests, benchmarks and notebooks (imports pandas)."""
        import pandas as pd

        return pd.DataFrame(dict(self._data))


def _array(values: Any) -> np.ndarray:
    # fetchnumpy's columns holding NULLs are masked; numpy.ma is imported only then (reading
    # ``np.ma`` would import it)
    masked = sys.modules.get("numpy.ma")
    if masked is not None and isinstance(values, masked.MaskedArray):
        if values.dtype.kind == "f":
            return values.filled(np.nan)
        return values.astype(object).filled(None)
    return np.asarray(values)


# -- the in-process DuckDB -------------------------------------------------------------------
_LOCAL: list[Any] = []


def local() -> Any:
    """One in-process DuckDB per process for the small frames (connecting costs more than
    rolling up an incremental batch), set as Ibis sets its connections."""
    if not _LOCAL:
        import duckdb

        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET python_enable_replacements = false")
        _LOCAL.append(con)
    return _LOCAL[0]


@contextlib.contextmanager
def registered(tables: Mapping[str, pa.Table | Columns]) -> Iterator[Any]:
    """The local DuckDB with ``tables`` registered under their names, within the block."""
    con = local()
    for name, table in tables.items():
        con.register(name, dict(table) if isinstance(table, Columns) else table)
    try:
        yield con
    finally:
        for name in tables:
            con.unregister(name)


def run_local(sql: str, tables: Mapping[str, pa.Table | Columns], params: Sequence[Any] = ()
              ) -> Any:
    """``sql`` on the local DuckDB over ``tables``; its rows as Arrow."""
    with registered(tables) as con:
        return con.sql(sql, params=list(params) or None).to_arrow_table()


def fetch_local(sql: str, tables: Mapping[str, pa.Table | Columns],
                params: Sequence[Any] = ()) -> Columns:
    """Like :func:`run_local`, the result as :class:`Columns`."""
    with registered(tables) as con:
        cursor = con.execute(sql, list(params))
        return Columns(cursor.fetchnumpy(), [d[0] for d in cursor.description])
