"""The synced programme's items straight from a SQLite operational store, with the standard
library's ``sqlite3``: what a listing needs (``sodo tasks list``) without SQLAlchemy and the
ORM, whose import is most of such a command's start (~0.4 s CPU of ~0.85).

The rule of which programme is the workspace's is the catalogue's (the one synced last that is
not a unit's plan, :func:`sodo.services.catalogue.current`); both read :data:`PLAN_KIND`, and a
test compares the two readings. Anything unexpected (another database, no table, a locked or
damaged file) answers None, and the caller takes the ordinary path."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

PLAN_KIND = "plan"  # ``programme.data["kind"]`` of a unit's plan: a programme, not the workspace's


def sqlite_file(database_url: str) -> Path | None:
    """The file of a ``sqlite:///…`` URL (as settings write it: absolute), else None."""
    if not database_url.startswith("sqlite:///"):
        return None
    path = database_url.removeprefix("sqlite:///")
    return Path(path) if path and path != ":memory:" else None


def synced_items(database_url: str, kind: str) -> list[dict[str, Any]] | None:
    """The active items of ``kind`` of the workspace's synced programme, in store order; None
    when this cannot be read this way (not SQLite, no store or no programme synced yet)."""
    path = sqlite_file(database_url)
    if path is None or not path.is_file():
        return None
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        for programme_id, data in con.execute(
                "SELECT id, data FROM programme ORDER BY imported_at DESC, id DESC"):
            meta = json.loads(data) if data else None
            if isinstance(meta, dict) and meta.get("kind") == PLAN_KIND:
                continue
            return [json.loads(row[0]) for row in con.execute(
                "SELECT data FROM programme_item WHERE programme_id = ? AND active = 1 "
                "AND kind = ? ORDER BY id", (programme_id, kind))]
        return None
    except (sqlite3.Error, ValueError):
        return None
    finally:
        con.close()
