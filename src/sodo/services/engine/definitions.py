"""Loading the definitions of record-computed indicators and of the 766 index from a
programme folder (the format itself: :mod:`sodo.domain.indicators`), every problem reported
with file, line and column."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sodo.domain.indicators import ComputedIndicator, EngineConfig, IndexConfig
from sodo.domain.problems import InputError, Problem
from sodo.services.parse_cache import cached, module_files

_INDEX_KEY = re.compile(r"^index\s*:", re.MULTILINE)


# -- loading ---------------------------------------------------------------------------------
def engine_config_of(programme_dir: str | Path, cache_dir: Path | None) -> EngineConfig:
    """:func:`load_engine_config`, read once per change of the files (kept in ``cache_dir``,
    see :mod:`sodo.services.parse_cache`)."""
    root = Path(programme_dir)
    files = [*root.glob("computed/*.y*ml"), *root.glob("*.y*ml"),
             *module_files(__name__, "sodo.domain.indicators")]
    return cached(cache_dir, "engine-config", files, lambda: load_engine_config(root))


def _problems(exc: ValidationError, node: Any, file: str, obj: str,
              base: tuple[Any, ...] = ()) -> list[Problem]:
    from sodo.services.yaml_source import validation_problems

    return validation_problems(exc, node, file, obj, rule="engine-definition", base=base,
                               with_path=True)


def _load_yaml(path: Path, problems: list[Problem], fast: bool = False) -> Any:
    """Round-trip YAML (with positions for messages), or the fast safe loader."""
    from ruamel.yaml import YAML  # imported only when the files are read (parse_cache)
    from ruamel.yaml.error import MarkedYAMLError

    try:
        return YAML(typ="safe" if fast else "rt").load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        problems.append(Problem(f"not valid YAML: {exc.problem}", file=str(path),
                                line=mark.line + 1 if mark else None,
                                column=mark.column + 1 if mark else None, rule="yaml"))
        return None


def load_engine_config(programme_dir: str | Path) -> EngineConfig:
    """Read ``computed/*.yaml`` and the ``index`` section (``svc766.yaml``) of a programme folder.
    Raises :class:`InputError` listing every problem with file, line and column."""
    root = Path(programme_dir)
    try:  # fast path: the safe loader is several times quicker than the round-trip one
        return _load_fast(root)
    except Exception:
        return _load_located(root)


def _load_fast(root: Path) -> EngineConfig:
    indicators: list[ComputedIndicator] = []
    files: list[str] = []
    for path in sorted((root / "computed").glob("*.y*ml")):
        files.append(str(path))
        doc = _load_yaml(path, [], fast=True)
        indicators += [ComputedIndicator.model_validate(item) for item in doc["computed"]]
    index = None
    for path in sorted(root.glob("*.y*ml")):
        if _INDEX_KEY.search(path.read_text(encoding="utf-8")):
            doc = _load_yaml(path, [], fast=True)
            if index is not None or not isinstance(doc, dict):
                raise ValueError("needs the slow path")
            files.append(str(path))
            index = IndexConfig.model_validate(doc["index"])
    codes = [i.code for i in indicators] + [i.code for i in (index.indicators if index else [])]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate codes")
    return EngineConfig(indicators, index, files)


def _load_located(root: Path) -> EngineConfig:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from sodo.services.yaml_source import node_position, plain

    problems: list[Problem] = []
    indicators: list[ComputedIndicator] = []
    index: IndexConfig | None = None
    files: list[str] = []
    seen: dict[str, str] = {}
    for path in sorted((root / "computed").glob("*.y*ml")):
        files.append(str(path))
        doc = _load_yaml(path, problems)
        if doc is None:
            continue
        items = doc.get("computed") if isinstance(doc, CommentedMap) else None
        if not isinstance(items, CommentedSeq):
            problems.append(Problem("expected a top-level 'computed:' list", file=str(path),
                                    line=1, rule="engine-definition"))
            continue
        for pos, node in enumerate(items):
            code = str(node.get("code", f"#{pos + 1}")) if isinstance(node, CommentedMap) else ""
            try:
                ind = ComputedIndicator.model_validate(plain(node))
            except ValidationError as exc:
                problems += _problems(exc, node, str(path), code)
                continue
            if ind.code in seen:
                line, col = node_position(node, ("code",))
                problems.append(Problem(f"indicator '{ind.code}' is already defined in "
                                        f"{seen[ind.code]}", file=str(path), line=line,
                                        column=col, rule="unique-code", object=ind.code))
                continue
            seen[ind.code] = str(path)
            indicators.append(ind)
    for path in sorted(root.glob("*.y*ml")):
        # Programme files can be large; only parse those with a top-level 'index:' key.
        if not _INDEX_KEY.search(path.read_text(encoding="utf-8")):
            continue
        doc = _load_yaml(path, [])  # programme files are checked by the programme loader
        if not isinstance(doc, CommentedMap) or "index" not in doc:
            continue
        files.append(str(path))
        if index is not None:
            problems.append(Problem("a second 'index' section; only one index is supported",
                                    file=str(path), line=doc.lc.key("index")[0] + 1,
                                    rule="engine-definition"))
            continue
        try:
            index = IndexConfig.model_validate(plain(doc["index"]))
        except ValidationError as exc:
            problems += _problems(exc, doc["index"], str(path), "index", ("index",))
    if index is not None:
        for ind in index.indicators:
            if ind.code in seen:
                problems.append(Problem(f"index indicator code '{ind.code}' clashes with a "
                                        "computed indicator", file=seen[ind.code],
                                        rule="unique-code", object=ind.code))
    if problems:
        raise InputError(f"{root}: {len(problems)} problem(s) in the engine definitions",
                         problems)
    return EngineConfig(indicators, index, files)
