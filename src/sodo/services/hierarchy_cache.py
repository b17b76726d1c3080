"""The shipped org-unit hierarchy, kept as plain rows in a workspace's cache folder.

Building it (``default_hierarchy``) imports the ``vietnam_provinces`` tables and normalises
3,321 commune names: a fifth of a second of CPU that every ``sodo compute`` would pay at
start. The rows are keyed by everything the hierarchy is built from (sodo's version, the
module that builds it, the shipped data files and the ``vietnam_provinces`` package's files),
so a change to any of them builds it again; deleting the file only costs that rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

from sodo.domain.orgunits import Hierarchy, default_hierarchy, prime_default_hierarchy
from sodo.services.parse_cache import file_stat

_KEY: list[str] = []


def source_key() -> str:
    """What the shipped hierarchy is built from, as a digest of versions and file stats."""
    if not _KEY:
        import sodo
        import sodo.domain.orgunits as orgunits

        parts = [sodo.__version__, file_stat(Path(orgunits.__file__))]
        data = resources.files("sodo.data")
        parts += [file_stat(Path(str(data.joinpath(name)))) for name in
                  ("provinces-63.yaml", "ministries.yaml", "vn-provinces-34.geojson")]
        spec = find_spec("vietnam_provinces")  # finds the package without importing it
        if spec is not None and spec.origin:
            package = Path(spec.origin).parent
            parts += [file_stat(p) for p in sorted(package.rglob("*.py"))]
        _KEY.append(hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32])
    return _KEY[0]


def shipped_hierarchy(cache_dir: Path | None) -> Hierarchy:
    """``default_hierarchy()``, read from ``cache_dir/hierarchy.json`` when its key matches
    (written there otherwise), and made the process's ``default_hierarchy()`` so that every
    later caller gets it too. In a process that built the hierarchy already, or without a
    folder to keep it in, that one."""
    if cache_dir is None or default_hierarchy.cache_info().currsize:
        return default_hierarchy()
    path = cache_dir / "hierarchy.json"
    key = source_key()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("key") == key:
            return prime_default_hierarchy(Hierarchy.from_rows(doc["units"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass  # missing or unreadable: build it
    hierarchy = default_hierarchy()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".hierarchy.json.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"key": key, "units": hierarchy.to_rows()},
                                  ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only workspace still computes, building the hierarchy each time
    return hierarchy
