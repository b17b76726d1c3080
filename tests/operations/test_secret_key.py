"""The workspace's session key is made once, however many processes ask for it at the same
moment: ``sodo serve --workers N`` starts its workers together, and a worker holding a key of
its own would refuse the sessions signed by the others (a 401 right after signing in)."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

from sodo.services.settings import SECRET_FILE, Settings
from sodo.services.workspace import init_workspace


def _settings(workspace: Path, root: Path) -> Settings:
    """A workspace's settings with ``root`` as the folder that keeps the key (one without a key
    yet)."""
    return Settings(**{**Settings.open(workspace).__dict__, "root": root})


def _key(settings: Settings, start: multiprocessing.synchronize.Barrier,
         out: multiprocessing.Queue) -> None:
    start.wait()
    out.put(settings.session_secret())


def test_workers_starting_together_share_one_key(tmp_path: Path) -> None:
    init_workspace(tmp_path / "workspace")
    context = multiprocessing.get_context("fork")
    for attempt in range(40):  # the window is narrow: several rounds, each on a new workspace
        root = tmp_path / f"ws{attempt}"
        root.mkdir()
        start, out = context.Barrier(8), context.Queue()
        workers = [context.Process(target=_key, args=(_settings(tmp_path / "workspace", root), start, out)) for _ in range(8)]
        for worker in workers:
            worker.start()
        keys = [out.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
        stored = (root / SECRET_FILE).read_text(encoding="utf-8").strip()
        assert len(stored) >= 48 and set(keys) == {stored}
        assert stat.S_IMODE(os.stat(root / SECRET_FILE).st_mode) == 0o600
        assert sorted(p.name for p in root.iterdir()) == [SECRET_FILE]  # no temporary left


def test_a_key_once_made_is_kept(tmp_path: Path) -> None:
    init_workspace(tmp_path / "workspace")
    (tmp_path / "keys").mkdir()
    first = _settings(tmp_path / "workspace", tmp_path / "keys").session_secret()
    assert _settings(tmp_path / "workspace", tmp_path / "keys").session_secret() == first
