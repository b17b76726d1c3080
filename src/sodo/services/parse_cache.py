"""Programme files parsed once per change, kept in a workspace's cache folder.

Reading the engine's definitions and the dataset declarations (YAML, validated by pydantic)
costs a small ``sodo compute`` a twentieth of a second at every start, for files that change a
few times a year. The parsed result is kept in ``.sodo/parsed/<name>.pickle``, keyed by sodo's
version, Python's, the names, sizes and modification times of the files it was read from and
of the modules that read them: any edit reads the files again (and reports their problems as
always); deleting the folder only costs that. Only valid files are kept — a failed read raises
as it would without the cache, and caches nothing.

The folder is sodo's own, inside the workspace, like the records beside it; a pickle there is
trusted as they are.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def file_stat(path: Path) -> str:
    """A file's name, size and modification time (``-`` when it is missing)."""
    try:
        st = path.stat()
    except OSError:
        return f"{path}:-"
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def sources_key(name: str, files: Iterable[Path]) -> str:
    import sodo

    parts = [name, sodo.__version__, sys.version, *(file_stat(p) for p in files)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cached(cache_dir: Path | None, name: str, files: Iterable[Path],
           read: Callable[[], T]) -> T:
    """``read()``, or what it gave when ``files`` (the sources and the modules reading them)
    were last as they are now. Without a folder (or one that cannot be written), ``read()``."""
    if cache_dir is None:
        return read()
    key = sources_key(name, sorted(files))
    path = cache_dir / "parsed" / f"{name}.pickle"
    try:
        stored_key, value = pickle.loads(path.read_bytes())
        if stored_key == key:
            return value
    except (OSError, pickle.UnpicklingError, ValueError, TypeError, EOFError,
            AttributeError, ImportError):
        pass  # missing, unreadable or of another sodo: read the files
    value = read()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only workspace reads its files every time
    return value


def module_files(*modules: str) -> list[Path]:
    """The source files of already imported modules (what reads and defines the result)."""
    return [Path(sys.modules[m].__file__ or m) for m in modules]
