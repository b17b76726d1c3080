"""``sodo backup`` / ``sodo restore`` on the real stores: a workspace with records, computed
values, a user and audit entries is backed up, restored into a new workspace, and every table of
the operational store and of the record store compares equal; damaged, incomplete or
mismatched backups are refused before anything is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from sqlalchemy import inspect, select, text

from sodo.domain.permissions import Actor
from sodo.domain.problems import InputError
from sodo.services import accounts, operations
from sodo.services.context import AppContext
from sodo.services.datasets import open_record_store
from sodo.services.engine.compute import compute
from sodo.services.generate import generate_table
from sodo.services.intake import ingest_files
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace
from sodo.stores.operational.tables import make_engine

SODO = Path(sys.executable).with_name("sodo")


def _tables(url: str) -> dict[str, list[tuple]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            return {name: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{name}"'))),
                                 key=repr) for name in names}
    finally:
        engine.dispose()


def _records(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
                for n in names}
    finally:
        con.close()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("ops")
    ws = init_workspace(root / "ws")
    for dataset, rows, seed in (("dossiers", 600, 1), ("feedback", 80, 2)):
        path = root / f"{dataset}.parquet"
        pq.write_table(generate_table(dataset, rows, "2025-09", "2025-11", seed=seed), path)
        with open_record_store(ws) as store:
            ingest_files(store, dataset, [path])
    compute(ws)
    with AppContext(ws, migrate=True) as ctx, ctx.session() as session:
        accounts.create_user(session, Actor.cli(), "reporter1", "mật khẩu đủ dài 2026",
                             "reporter", "01")
        session.commit()
    return ws


def test_backup_then_restore_into_a_new_workspace_equals_every_table(
        workspace: Settings, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SODO_")}
    done = subprocess.run([str(SODO), "backup", str(tmp_path / "bk"), "--workspace",
                           str(workspace.root), "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    assert row["operational"] == "sqlite" and row["records"] == "duckdb"
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text(encoding="utf-8"))
    assert {"operational.sqlite", "records.duckdb", "sodo.toml"} <= set(manifest["files"])
    assert any(name.startswith("programme/") for name in manifest["files"])
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())

    before = _tables(workspace.database_url)
    restored_root = tmp_path / "restored"
    done = subprocess.run([str(SODO), "restore", str(tmp_path / "bk"), "--workspace",
                           str(restored_root)], capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    restored = Settings.open(restored_root)
    after = _tables(restored.database_url)
    assert set(after) == set(before)
    for name in before:
        if name == "audit_log":  # the restore adds its own entry, after the backup's
            continue
        assert after[name] == before[name], name
    assert after["audit_log"][:-1] == before["audit_log"]  # and the restore's own entry
    assert _records(restored.records_path) == _records(workspace.records_path)
    assert sorted(p.relative_to(restored.programme_dir).as_posix()
                  for p in restored.programme_dir.rglob("*") if p.is_file()) == sorted(
        p.relative_to(workspace.programme_dir).as_posix()
        for p in workspace.programme_dir.rglob("*") if p.is_file())
    # the restored workspace works: an incremental compute finds nothing new to do
    with AppContext(restored) as ctx, ctx.session() as session:
        actions = [a for (a,) in session.execute(text("SELECT action FROM audit_log"))]
    assert "operations.backup" in actions and actions[-1] == "operations.restore"


def test_restore_refuses_damaged_incomplete_or_mismatched_backups(
        workspace: Settings, tmp_path: Path) -> None:
    info = operations.backup(workspace, Actor.cli(), tmp_path / "bk")
    operations.verify(info.path)  # whole
    # damaged: one byte of the record store changed
    records = info.path / "records.duckdb"
    data = bytearray(records.read_bytes())
    data[len(data) // 2] ^= 0xFF
    records.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"records\.duckdb: damaged"):
        operations.restore(info.path, tmp_path / "r1", Actor.cli())
    assert not (tmp_path / "r1" / "sodo.db").exists()  # nothing written
    data[len(data) // 2] ^= 0xFF
    records.write_bytes(bytes(data))
    # a file added, a file missing
    (info.path / "programme" / "extra.yaml").write_text("x: 1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"extra\.yaml: not in the manifest"):
        operations.verify(info.path)
    (info.path / "programme" / "extra.yaml").unlink()
    manifest_path = info.path / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    # mismatched: a schema revision this sodo does not know
    manifest_path.write_text(json.dumps({**manifest, "schema_revision": "zz99"}),
                             encoding="utf-8")
    with pytest.raises(InputError, match="schema revision 'zz99' is unknown"):
        operations.restore(info.path, tmp_path / "r2", Actor.cli())
    manifest_path.write_text(json.dumps({**manifest, "format": "other/9"}), encoding="utf-8")
    with pytest.raises(InputError, match="backup format"):
        operations.verify(info.path)
    manifest_path.unlink()  # an interrupted backup has no manifest
    with pytest.raises(InputError, match="not a sodo backup"):
        operations.verify(info.path)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    # a workspace that already holds data is not overwritten
    with pytest.raises(InputError, match="already holds tables"):
        operations.restore(info.path, workspace.root, Actor.cli())
    # only admins back up
    with pytest.raises(PermissionError):
        operations.backup(workspace, Actor.anonymous(), tmp_path / "bk2")
    with make_engine(workspace.database_url).connect() as conn:
        assert conn.execute(select(text("1"))).scalar() == 1


@pytest.mark.postgres
def test_postgresql_store_is_dumped_and_restored(postgres_database, tmp_path: Path) -> None:
    with postgres_database("sodo_bk_src") as source_url, \
            postgres_database("sodo_bk_dst") as target_url:
        ws = init_workspace(tmp_path / "ws")
        pg = Settings(**{**ws.__dict__, "database_url": source_url})
        with AppContext(pg, migrate=True) as ctx, ctx.session() as session:
            accounts.create_user(session, Actor.cli(), "viewer1", "mật khẩu đủ dài 2026",
                                 "viewer")
            session.commit()
        info = operations.backup(pg, Actor.cli(), tmp_path / "bk")
        assert info.manifest["operational"] == "postgresql"
        assert "operational.pgdump" in info.manifest["files"]
        before = _tables(source_url)
        operations.restore(info.path, tmp_path / "restored", Actor.cli(),
                           database_url=target_url)
        after = _tables(target_url)
        assert set(after) == set(before)
        for name in before:
            if name != "audit_log":
                assert after[name] == before[name], name
        assert after["audit_log"][:-1] == before["audit_log"]
