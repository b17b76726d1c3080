"""Backend specifics: the Parquet folder's layout (one file set per month, readable by any
Parquet reader), PostgreSQL URLs, and the store interface the engine relies on."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from records_helpers import write

from sodo.domain.problems import InputError
from sodo.services.datasets import open_record_store
from sodo.services.intake import ingest_files
from sodo.services.settings import Settings
from sodo.stores.records.postgres_store import parse_records_url


def test_parquet_layout_one_file_set_per_month(workspace: Settings, dossiers_sample: pa.Table,
                                               tmp_path: Path) -> None:
    with open_record_store(workspace, "parquet") as store:
        ingest_files(store, "dossiers", [write(dossiers_sample, tmp_path / "d.parquet")])
        ingest_files(store, "dossiers", [write(dossiers_sample.slice(0, 10),
                                               tmp_path / "again.csv")])
        folder = workspace.parquet_dir / "dossiers"
        months = sorted(p.name for p in folder.iterdir())
        assert months == ["month=2025-10", "month=2025-11"]  # no work folders left behind
        con = duckdb.connect()
        rows = con.execute(
            f"SELECT month, strftime(received_at, '%Y-%m') AS m, count(*) FROM read_parquet("
            f"'{folder}/*/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY 1"
        ).fetchall()
        assert [(r[0], r[1]) for r in rows] == [("2025-10", "2025-10"), ("2025-11", "2025-11")]
        assert sum(r[2] for r in rows) == dossiers_sample.num_rows == store.count("dossiers")
        assert store.files_glob("dossiers").endswith("month=*/*.parquet")  # type: ignore[attr-defined]


def test_parquet_batch_of_new_keys_only(workspace: Settings, tmp_path: Path) -> None:
    """A batch none of whose keys the store holds yet is added to the months it touches (the
    look-up of the months of replaced records found none: it failed on that)."""
    from sodo.services.generate import generate_table

    first = write(generate_table("dossiers", 300, "2025-01", "2025-03", seed=1), tmp_path / "a.parquet")
    second = write(generate_table("dossiers", 200, "2025-02", "2025-04", seed=3), tmp_path / "b.parquet")
    with open_record_store(workspace, "parquet") as store:
        ingest_files(store, "dossiers", [first])
        [batch] = ingest_files(store, "dossiers", [second])
        assert (batch.inserted, batch.replaced) == (200, 0)
        assert store.count("dossiers") == 500


def test_store_interface(workspace: Settings, dossiers_sample: pa.Table,
                         tmp_path: Path) -> None:
    with open_record_store(workspace) as store:
        assert store.backend_name == "duckdb"
        assert store.last_batch_id() is None and store.touched_months("dossiers") == set()
        ingest_files(store, "dossiers", [write(dossiers_sample, tmp_path / "d.parquet")])
        table = store.table("dossiers")
        assert table.columns == tuple(store.dataset("dossiers").field_names)
        assert str(table.schema()["received_at"]).startswith("timestamp")
        assert table.count().execute() == dossiers_sample.num_rows
        online = store.ibis().table("dossiers").channel == "online_full"
        assert 0 < int(online.sum().execute()) < dossiers_sample.num_rows
        [batch] = store.batches("dossiers")
        assert (batch.file, batch.rows) == (str(tmp_path / "d.parquet"), dossiers_sample.num_rows)
        assert batch.period_min is not None and batch.period_min.month == 10
    with pytest.raises(InputError, match="unknown record backend"):
        open_record_store(workspace, "trino")


@pytest.mark.parametrize(("url", "schema"), [
    ("postgresql://postgres@127.0.0.1:5432/test?schema=rec", "rec"),
    ("postgresql+psycopg://u:p@db/sodo", "records"),
])
def test_records_url(url: str, schema: str) -> None:
    params, found = parse_records_url(url)
    assert found == schema and params["dbname"] in {"test", "sodo"}


@pytest.mark.parametrize("url", ["mysql://x@h/db", "postgresql://h/db?schema=Bad-Name",
                                 "not a url"])
def test_bad_records_url(url: str) -> None:
    with pytest.raises(InputError):
        parse_records_url(url)


def test_postgres_backend_needs_a_url(workspace: Settings) -> None:
    with pytest.raises(InputError, match="records_url"):
        open_record_store(workspace, "postgres")


def _stored_periods(path: Path) -> list:
    """The dossiers' period field in the table's storage order."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [r[0] for r in con.execute(
            "SELECT received_at FROM dossiers ORDER BY rowid").fetchall()]
    finally:
        con.close()


def _months(periods: list) -> list[str]:
    return [p.strftime("%Y-%m") for p in periods]


def test_duckdb_records_clustered_by_period(workspace: Settings, tmp_path: Path) -> None:
    """Each batch is stored sorted by the month of the period field, whatever the order of its
    file, so a scan of some months can skip the row groups of the others."""
    from sodo.services.generate import generate_table

    table = generate_table("dossiers", 3000, "2024-01", "2025-12", seed=5)
    shuffled = table.take(pa.array(sorted(range(table.num_rows), key=lambda i: (i * 7919) % 3000)))
    assert shuffled.column("received_at").to_pylist() != sorted(
        shuffled.column("received_at").to_pylist())  # the file is not in date order
    with open_record_store(workspace) as store:
        ingest_files(store, "dossiers", [write(shuffled, tmp_path / "d.parquet")])
        assert store.layout("dossiers") == "clustered-by-period-1"  # type: ignore[attr-defined]
        assert store.count("dossiers") == 3000
    months = _months(_stored_periods(workspace.records_path))
    assert months == sorted(months)


def test_duckdb_store_of_earlier_version_migrated_on_next_batch(
        workspace: Settings, tmp_path: Path) -> None:
    """A record store written by the previous version (one table per dataset, records in
    arrival order, no ``_layout``) is read as it stands, and the next batch re-sorts it once,
    keeping every record and replacing by key as before."""
    from sodo.services.generate import generate_table

    table = generate_table("dossiers", 2000, "2024-01", "2025-12", seed=6)
    reversed_ = table.take(pa.array(range(table.num_rows - 1, -1, -1)))
    with open_record_store(workspace) as store:
        ingest_files(store, "dossiers", [write(reversed_, tmp_path / "old.parquet")])
        before = store.checksum("dossiers")
    # make it look like the previous version's store: arrival order, no layout recorded
    con = duckdb.connect(str(workspace.records_path))
    con.execute("CREATE TABLE old AS SELECT * FROM dossiers ORDER BY received_at DESC")
    con.execute("DROP TABLE dossiers")
    con.execute("ALTER TABLE old RENAME TO dossiers")
    con.execute("DROP TABLE _layout")
    con.close()
    assert _stored_periods(workspace.records_path) == sorted(
        _stored_periods(workspace.records_path), reverse=True)
    with open_record_store(workspace) as store:
        assert store.layout("dossiers") is None  # type: ignore[attr-defined]
        assert store.checksum("dossiers") == before  # read as it stands
        again = table.slice(0, 100)  # 100 records replaced
        [batch] = ingest_files(store, "dossiers", [write(again, tmp_path / "again.parquet")])
        assert (batch.inserted, batch.replaced) == (0, 100)
        assert store.layout("dossiers") == "clustered-by-period-1"  # type: ignore[attr-defined]
        assert store.count("dossiers") == 2000
        assert store.checksum("dossiers") == before  # same records, same values
    months = _months(_stored_periods(workspace.records_path))
    assert months[:1900] == sorted(months[:1900])  # the re-sorted records, then the batch
    assert months[1900:] == sorted(months[1900:])
