"""The shipped hierarchy kept as plain rows in a workspace: read back equal to the one built,
made the process's ``default_hierarchy()``, and built again when what it is built from
changes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sodo.domain.orgunits import Hierarchy, default_hierarchy

CHILD = """
import json, sys
from pathlib import Path
from sodo.services.hierarchy_cache import shipped_hierarchy
from sodo.domain.orgunits import default_hierarchy
h = shipped_hierarchy(Path(sys.argv[1]))
print(json.dumps({"same": h is default_hierarchy(), "units": len(h),
                  "built": "vietnam_provinces" in sys.modules,
                  "rows": h.to_rows() == json.loads(Path(sys.argv[2]).read_text()) if
                  len(sys.argv) > 2 else None}))
"""


def _child(cache: Path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(cache), *args],
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout.splitlines()[-1])


def test_rows_round_trip_to_an_equal_hierarchy() -> None:
    shipped = default_hierarchy()
    again = Hierarchy.from_rows(json.loads(json.dumps(shipped.to_rows())))
    assert again == shipped
    assert again.ancestor_rows() == shipped.ancestor_rows()
    unit = next(u for u in shipped if u.successors and u.valid_to)
    assert again.get(unit.code) == unit and again.get(unit.code).valid_to == unit.valid_to


def test_cached_hierarchy_is_read_without_building_and_rebuilt_on_a_new_key(
        tmp_path: Path) -> None:
    first = _child(tmp_path)
    assert first == {"same": True, "units": len(default_hierarchy()), "built": True,
                     "rows": None}
    assert (tmp_path / "hierarchy.json").exists()
    built = tmp_path / "built.json"
    built.write_text(json.dumps(default_hierarchy().to_rows()), encoding="utf-8")
    second = _child(tmp_path, str(built))
    assert second == {"same": True, "units": first["units"], "built": False, "rows": True}
    doc = json.loads((tmp_path / "hierarchy.json").read_text(encoding="utf-8"))
    doc["key"], doc["units"] = "another", doc["units"][:1]  # sodo or its data changed
    (tmp_path / "hierarchy.json").write_text(json.dumps(doc), encoding="utf-8")
    third = _child(tmp_path)
    assert third["built"] and third["units"] == first["units"]
