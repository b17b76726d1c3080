"""Load and validate dataset declarations (``<programme>/datasets/*.yaml``).

Each file holds one ``dataset:`` mapping (see ``sodo.domain.datasets.Dataset``). The default
programme ships ``dossiers`` and ``feedback``; a workspace's programme folder may edit them or
add more.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sodo.domain.datasets import Dataset
from sodo.domain.problems import InputError, Problem
from sodo.services.parse_cache import cached, module_files
from sodo.services.programme import default_programme_path
from sodo.stores.records.base import RecordStore
from sodo.stores.records.registry import open_store

if TYPE_CHECKING:
    from sodo.services.settings import Settings

DATASETS_FOLDER = "datasets"


def datasets_folder(path: str | Path | None = None) -> Path:
    """The folder of dataset files for a programme folder (or a datasets folder itself)."""
    base = Path(path) if path is not None else default_programme_path()
    if (base / DATASETS_FOLDER).is_dir():
        return base / DATASETS_FOLDER
    if base.is_dir() and base.name == DATASETS_FOLDER:
        return base
    # A programme without its own declarations uses the shipped ones.
    return default_programme_path() / DATASETS_FOLDER


def load_datasets(path: str | Path | None = None) -> dict[str, Dataset]:
    """All dataset declarations of a programme, by code. Raises ``InputError`` listing every
    problem (file, line, rule) when a declaration is invalid."""
    from ruamel.yaml import YAML  # imported only when the files are read (parse_cache)
    from ruamel.yaml.error import YAMLError

    from sodo.services.yaml_source import plain

    folder = datasets_folder(path)
    yaml = YAML(typ="rt")
    datasets: dict[str, Dataset] = {}
    problems: list[Problem] = []
    for file in sorted(folder.glob("*.y*ml")):
        try:
            doc = yaml.load(file.read_text(encoding="utf-8"))
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(Problem(f"not valid YAML: {exc}", file=str(file),
                                    line=mark.line + 1 if mark else None, rule="yaml"))
            continue
        body = doc.get("dataset") if isinstance(doc, dict) else None
        if not isinstance(body, dict):
            problems.append(Problem("expected a top-level 'dataset:' mapping", file=str(file),
                                    rule="dataset_declaration"))
            continue
        try:
            dataset = Dataset.model_validate(plain(body))
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                problems.append(Problem(f"{loc}: {err['msg']}" if loc else err["msg"],
                                        file=str(file), line=_line_of(body, err["loc"]),
                                        rule="dataset_declaration"))
            continue
        if dataset.code in datasets:
            problems.append(Problem(f"dataset '{dataset.code}' declared twice", file=str(file),
                                    rule="dataset_declaration"))
            continue
        datasets[dataset.code] = dataset
    if problems:
        raise InputError(f"{folder}: invalid dataset declarations", problems)
    return datasets


def get_dataset(code: str, path: str | Path | None = None) -> Dataset:
    datasets = load_datasets(path)
    try:
        return datasets[code]
    except KeyError:
        known = ", ".join(sorted(datasets)) or "none"
        raise InputError(f"unknown dataset '{code}' (declared: {known})") from None


def _line_of(body: Any, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest YAML node named by a pydantic error location."""
    from sodo.services.yaml_source import node_position

    return node_position(body, loc)[0]


def workspace_datasets(settings: Settings) -> dict[str, Dataset]:
    """:func:`load_datasets` of the workspace's programme, read once per change of its files
    (kept in the workspace's cache folder, see :mod:`sodo.services.parse_cache`)."""
    programme = settings.programme_path()
    folder = datasets_folder(programme)
    files = [*folder.glob("*.y*ml"), *module_files(__name__, "sodo.domain.datasets")]
    return cached(settings.root / ".sodo" if settings.root else None, "datasets", files,
                  lambda: load_datasets(programme))


def open_record_store(settings: Settings, backend: str | None = None,
                      datasets: dict[str, Dataset] | None = None) -> RecordStore:
    """Open the workspace's record store (``backend`` overrides the workspace's setting)."""
    declared = datasets if datasets is not None else workspace_datasets(settings)
    return open_store(settings.records_location(backend), declared)


def store_key(settings: Settings, backend: str | None = None) -> str:
    """What identifies the store's contents, so cached sums of another store are not reused."""
    return settings.records_location(backend)
