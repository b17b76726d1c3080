"""PySpark local mode for the engine: one SparkSession per process, records read from the
Parquet record store (``parquet_dir/<dataset>/month=YYYY-MM/*.parquet``) through Ibis."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from sodo.domain.problems import InputError

_SESSION: Any = None


def spark_session() -> Any:
    """The process's SparkSession (local mode, 2 shuffle partitions, no UI, UTC wall clock so
    naive timestamps compare the same as on DuckDB and PostgreSQL)."""
    global _SESSION
    if _SESSION is None:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        try:
            from pyspark.sql import SparkSession
        except ImportError:  # pragma: no cover - optional extra
            raise InputError("the spark backend needs PySpark: pip install 'sodo[spark]'") from None
        _SESSION = (
            SparkSession.builder.master("local[2]")
            .appName("sodo")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
        _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


def spark_backend() -> ibis.BaseBackend:
    return ibis.pyspark.connect(spark_session())


def spark_tables(parquet_dir: Path, datasets: Sequence[str]) -> dict[str, ir.Table]:
    con = spark_backend()
    out = {}
    for ds in datasets:
        folder = parquet_dir / ds
        if not folder.exists() or not any(folder.rglob("*.parquet")):
            raise InputError(f"{folder}: no Parquet files for dataset '{ds}' (the spark backend "
                             "reads the Parquet record store)")
        out[ds] = con.read_parquet(str(folder), table_name=f"sodo_{ds}")
    return out
