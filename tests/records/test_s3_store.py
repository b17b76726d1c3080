"""The Parquet record store in an S3-compatible object store (``records_url = "s3://…"``),
against a real S3 endpoint on loopback (moto's server): records ingested by one workspace are
computed from the bucket alone by another (a fresh local mirror), replaced files leave the
bucket, and the bucket holds exactly the files its manifests list."""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from sodo.services.datasets import open_record_store
from sodo.services.engine.compute import compute
from sodo.services.generate import generate_table
from sodo.services.intake import ingest_files
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace
from sodo.stores.operational.tables import indicator_value, make_engine
from sodo.stores.records.s3_store import s3_filesystem

BUCKET = "sodo-records"


def _port(preferred: int = 9177) -> int:
    """A loopback port for the S3 server: 9177 (issue 17's range) when free, else any."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    server_module = pytest.importorskip("moto.server")
    port = _port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    # moto keeps its buckets per process: start every test from an empty server
    httpx.post(f"http://127.0.0.1:{port}/moto-api/reset", timeout=10).raise_for_status()
    monkeypatch.setenv("SODO_S3_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    try:
        from pyarrow import fs

        fs.S3FileSystem(endpoint_override=f"127.0.0.1:{port}", scheme="http",
                        region="us-east-1", allow_bucket_creation=True).create_dir(BUCKET)
        yield s3_filesystem()  # sodo's own, from the environment
    finally:
        server.stop()


def _workspace(root: Path) -> Settings:
    return dataclasses.replace(init_workspace(root), record_backend="parquet",
                               records_url=f"s3://{BUCKET}/ministry-x")


def _ingest(ws: Settings, dataset: str, rows: int, seed: int, folder: Path) -> Path:
    path = folder / f"{dataset}-{seed}.parquet"
    pq.write_table(generate_table(dataset, rows, "2025-01", "2025-03", seed=seed), path)
    with open_record_store(ws, "parquet") as store:
        ingest_files(store, dataset, [path])
    return path


def _values(ws: Settings) -> dict[tuple[str, str, str], tuple]:
    engine = make_engine(ws.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(
                indicator_value.c.indicator, indicator_value.c.orgunit, indicator_value.c.period,
                indicator_value.c.value, indicator_value.c.numerator,
                indicator_value.c.denominator).where(indicator_value.c.origin == "computed"))
            return {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows}
    finally:
        engine.dispose()


def _objects(s3: object, dataset: str) -> set[str]:
    from pyarrow import fs

    prefix = f"{BUCKET}/ministry-x/{dataset}/"
    found = s3.get_file_info(fs.FileSelector(prefix, recursive=True))  # type: ignore[attr-defined]
    return {i.path.removeprefix(prefix) for i in found if i.type == fs.FileType.File}


def _manifest(s3: object, dataset: str) -> list[str]:
    key = f"{BUCKET}/ministry-x/_manifest-{dataset}.json"
    with s3.open_input_stream(key) as handle:  # type: ignore[attr-defined]
        return sorted(json.loads(handle.read())["files"])


def test_records_in_a_bucket_are_computed_from_the_bucket_alone(bucket: object,
                                                                 tmp_path: Path) -> None:
    first = _workspace(tmp_path / "first")
    dossiers = _ingest(first, "dossiers", 900, 1, tmp_path)
    _ingest(first, "feedback", 120, 2, tmp_path)
    run = compute(first, backend="parquet")
    assert run.record_count == 1020
    before = _values(first)
    assert before

    listed = _manifest(bucket, "dossiers")
    assert listed and set(listed) == _objects(bucket, "dossiers")

    # the same file again: every record replaced, the months' files rewritten; the old
    # objects leave the bucket
    with open_record_store(first, "parquet") as store:
        batch = ingest_files(store, "dossiers", [dossiers])[0]
        assert batch.replaced == 900 and store.count("dossiers") == 900
    again = _manifest(bucket, "dossiers")
    assert again != listed and set(again) == _objects(bucket, "dossiers")

    # another host: an empty mirror, the same bucket
    second = _workspace(tmp_path / "second")
    assert not any((second.parquet_dir).glob("dossiers/month=*/*.parquet"))
    with open_record_store(second, "parquet") as store:
        assert store.count("dossiers") == 900 and store.count("feedback") == 120
        assert [b.dataset for b in store.batches()].count("dossiers") == 2
    rerun = compute(second, backend="parquet", full=True)
    assert rerun.record_count == 1020
    assert _values(second) == before


def test_an_unreachable_bucket_is_a_clear_error(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from sodo.domain.problems import InputError

    monkeypatch.setenv("SODO_S3_ENDPOINT", f"http://127.0.0.1:{_port(0)}")  # nothing listens
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    ws = _workspace(tmp_path / "ws")
    with pytest.raises(InputError, match="object store cannot be read"):
        open_record_store(ws, "parquet")


def test_a_batch_that_dies_before_the_manifest_put_leaves_the_bucket_as_it_was(
        bucket: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sodo.stores.records.s3_store import S3ParquetRecordStore

    first = _workspace(tmp_path / "first")
    _ingest(first, "dossiers", 600, 1, tmp_path)
    listed = _manifest(bucket, "dossiers")

    def dies(self, dataset, files, batch):  # type: ignore[no-untyped-def]
        raise RuntimeError("the process died here")

    put = S3ParquetRecordStore._put_manifest
    monkeypatch.setattr(S3ParquetRecordStore, "_put_manifest", dies)
    with pytest.raises(RuntimeError):
        _ingest(first, "dossiers", 700, 3, tmp_path)  # its files are uploaded, then it dies
    assert _manifest(bucket, "dossiers") == listed
    assert _objects(bucket, "dossiers") > set(listed)  # the new files lie beside the old
    second = _workspace(tmp_path / "second")
    with open_record_store(second, "parquet") as store:
        assert store.count("dossiers") == 600  # another host reads the previous state
        assert [b.rows for b in store.batches("dossiers")] == [600]

    monkeypatch.setattr(S3ParquetRecordStore, "_put_manifest", put)
    second_file = _ingest(first, "dossiers", 700, 3, tmp_path)  # the next batch: strays go
    assert set(_manifest(bucket, "dossiers")) == _objects(bucket, "dossiers")
    keys = {k for f in (tmp_path / "dossiers-1.parquet", second_file)
            for k in pq.read_table(f, columns=["dossier_id"]).column(0).to_pylist()}
    with open_record_store(_workspace(tmp_path / "third"), "parquet") as store:
        assert store.count("dossiers") == len(keys)
