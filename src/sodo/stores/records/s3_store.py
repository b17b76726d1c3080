"""The Parquet record store kept in an S3-compatible object store (MinIO, Ceph, AWS S3).

``s3://bucket/prefix?cache=/local/folder``: the bucket holds what the local Parquet store holds
(``<dataset>/month=YYYY-MM/*.parquet``, one manifest per dataset, the batch catalog); the
local folder is a mirror that DuckDB reads and writes (DuckDB reaches ``s3://`` only through
its ``httpfs`` extension, downloaded at run time, so the objects go through
``pyarrow.fs.S3FileSystem`` instead).

Opening pulls every dataset's manifest and the files it lists that the mirror lacks (the
bucket is the truth: a dataset without a manifest there starts empty). A batch is written by the
local store, beside the old files; before the local manifest switches, its new files are
uploaded under new keys and then the manifest object is replaced — one PUT, atomic per object
on S3 — so a reader of the bucket sees either the old file set or the new one. The catalog is
uploaded after, and objects no manifest lists are removed. A crash before the PUT leaves the
bucket's previous state (the stray objects are removed by the next batch); a crash after it
leaves the batch recorded in the manifest, which the catalog takes back on the next open.
One writer at a time, as for the local store.

Settings: ``SODO_S3_ENDPOINT`` (e.g. ``http://127.0.0.1:9000``; default: AWS), and the usual
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION`` from the environment.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sodo.domain.datasets import Dataset
from sodo.domain.problems import InputError
from sodo.stores.records.base import BatchInfo, StagedBatch, writer_lock
from sodo.stores.records.parquet_store import CATALOG, MANIFEST, ParquetRecordStore


def s3_filesystem() -> Any:
    """The object store's file system, from the environment (see the module doc)."""
    from pyarrow import fs

    endpoint = os.environ.get("SODO_S3_ENDPOINT", "")
    options: dict[str, Any] = {"region": os.environ.get("AWS_REGION", "us-east-1")}
    if endpoint:
        parts = urlsplit(endpoint)
        options.update(endpoint_override=parts.netloc or parts.path,
                       scheme=parts.scheme or "https")
    return fs.S3FileSystem(**options)


def parse_location(location: str) -> tuple[str, Path]:
    """``s3://bucket/prefix?cache=/folder`` → (``bucket/prefix``, the mirror folder)."""
    parts = urlsplit(location)
    if parts.scheme != "s3" or not parts.netloc:
        raise InputError(f"'{location}' is not an s3://bucket/prefix location")
    remote = (parts.netloc + "/" + parts.path.strip("/")).rstrip("/")
    cache = parse_qs(parts.query).get("cache", [""])[0]
    if not cache:
        raise InputError(f"'{location}' names no local mirror (?cache=/folder)")
    return remote, Path(cache)


class S3ParquetRecordStore(ParquetRecordStore):
    """A :class:`ParquetRecordStore` on a local mirror, its state kept in the bucket."""

    backend_name = "parquet"

    def __init__(self, location: str, datasets: dict[str, Dataset],
                 filesystem: Any = None) -> None:
        self.remote, cache = parse_location(location)
        self.location = location
        self.s3 = filesystem if filesystem is not None else s3_filesystem()
        cache.mkdir(parents=True, exist_ok=True)
        with writer_lock(cache):  # the mirror is written by one store at a time
            self._pull(cache, datasets)
            super().__init__(cache, datasets)

    # -- the bucket ----------------------------------------------------------------------
    def _key(self, name: str) -> str:
        return f"{self.remote}/{name}"

    def _exists(self, key: str) -> bool:
        from pyarrow import fs

        return self.s3.get_file_info(key).type != fs.FileType.NotFound

    def _download(self, key: str, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.part")
        with self.s3.open_input_stream(key) as source, tmp.open("wb") as out:
            while chunk := source.read(1 << 20):
                out.write(chunk)
        os.replace(tmp, path)

    def _upload(self, path: Path, key: str) -> None:
        with path.open("rb") as source, self.s3.open_output_stream(key) as out:
            while chunk := source.read(1 << 20):
                out.write(chunk)

    def _pull(self, cache: Path, datasets: dict[str, Dataset]) -> None:
        """The bucket's state into the mirror: manifests, the files they list, the catalog."""
        try:
            if self._exists(self._key(CATALOG)):
                self._download(self._key(CATALOG), cache / CATALOG)
            else:  # a new bucket: no batches (a mirror left from another one is not kept)
                (cache / CATALOG).unlink(missing_ok=True)
            for code in datasets:
                name = MANIFEST.format(dataset=code)
                local = cache / name
                if not self._exists(self._key(name)):
                    local.unlink(missing_ok=True)  # nothing in the bucket: start empty
                    for old in (cache / code).glob("month=*/*.parquet"):
                        old.unlink()
                    continue
                self._download(self._key(name), local)
                for file in json.loads(local.read_text(encoding="utf-8"))["files"]:
                    path = cache / code / file
                    if not path.exists():
                        self._download(self._key(f"{code}/{file}"), path)
        except OSError as exc:
            raise InputError(f"{self.location}: the object store cannot be read: {exc}") from None

    # -- writing -----------------------------------------------------------------------------
    def _write_manifest(self, dataset: str, files: list[str], batch: dict[str, Any]) -> None:
        folder = self.dataset_folder(dataset)
        for name in files:  # new files first, under keys no earlier file had
            key = self._key(f"{dataset}/{name}")
            if not self._exists(key):
                self._upload(folder / name, key)
        self._put_manifest(dataset, files, batch)
        super()._write_manifest(dataset, files, batch)

    def _put_manifest(self, dataset: str, files: list[str], batch: dict[str, Any]) -> None:
        """The switch in the bucket: one PUT replaces the manifest object whole."""
        with self.s3.open_output_stream(self._key(MANIFEST.format(dataset=dataset))) as out:
            out.write(json.dumps({"files": files, "batch": batch}, default=str).encode())

    def apply_batch(self, dataset: str, file: str,
                    staged: StagedBatch | None = None) -> BatchInfo:
        with self._writer:  # the bucket's catalog follows this batch before the next one
            info = super().apply_batch(dataset, file, staged)
            self.catalog.execute("CHECKPOINT")
            self._upload(self.folder / CATALOG, self._key(CATALOG))
            self._prune(info.dataset)
        return info

    def _prune(self, dataset: str) -> None:
        """Remove the dataset's objects that its manifest no longer lists."""
        from pyarrow import fs

        listed = {self._key(f"{dataset}/{n}") for n in
                  (self._manifest(dataset) or {"files": []})["files"]}
        selector = fs.FileSelector(self._key(dataset), recursive=True, allow_not_found=True)
        for info in self.s3.get_file_info(selector):
            if info.type == fs.FileType.File and info.path not in listed:
                self.s3.delete_file(info.path)
