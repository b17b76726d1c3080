"""Load a programme from its folder of YAML files, reporting every problem with its position.

A programme folder holds YAML files whose top-level keys are sections: ``programme`` (the
programme's own metadata), ``indicators``, ``targets``, ``tasks`` and ``values`` (lists). A
section may be split across several files. Subfolders (``datasets/``, ``computed/``…) belong to
other services and are not read here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from sodo.domain.forms import ReportForm
from sodo.domain.orgunits import Hierarchy, default_hierarchy
from sodo.domain.problems import InputError, Problem
from sodo.domain.programme import DataValue, Indicator, Programme, Target, Task
from sodo.services.yaml_source import error_message, plain, validation_problems

LIST_SECTIONS: dict[str, type[BaseModel]] = {
    "indicators": Indicator,
    "targets": Target,
    "tasks": Task,
    "values": DataValue,
}
META_SECTION = "programme"
# Sections other services read from the same files; the core loader leaves them alone.
FOREIGN_SECTIONS: set[str] = {"forms", "datasets", "computed", "index", "quality"}


def default_programme_path() -> Path:
    """The folder of the programme shipped inside the package."""
    return Path(str(resources.files("sodo.programmes").joinpath("default")))


@dataclass
class LoadedProgramme:
    programme: Programme
    path: Path
    # Position of every object, keyed like ("tasks", "T-IV-2-iii"): (file, line, column).
    positions: dict[tuple[str, str], tuple[str, int, int]] = field(default_factory=dict)
    raw_sections: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)

    def where(self, section: str, key: str) -> tuple[str, int | None, int | None]:
        return self.positions.get((section, key), ("", None, None))


def load_programme(path: str | Path | None = None, hierarchy: Hierarchy | None = None) -> LoadedProgramme:
    """Load and check a programme folder (or one YAML file). Raises :class:`InputError`
    carrying every problem found, each with file, line and column."""
    root = Path(path) if path is not None else default_programme_path()
    hierarchy = hierarchy or default_hierarchy()
    if not root.exists():
        raise InputError(f"{root}: no such programme folder or file")
    files = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml")) if root.is_dir() else [root]
    if not files:
        raise InputError(f"{root}: the folder holds no .yaml files")

    problems: list[Problem] = []
    meta: dict[str, Any] = {}
    meta_where: tuple[str, int, int] | None = None
    items: dict[str, list[BaseModel]] = {k: [] for k in LIST_SECTIONS}
    loaded = LoadedProgramme(Programme(code="x", name="x"), root)
    yaml = YAML(typ="rt")
    refs: list[tuple[str, str, str, int, int, str]] = []  # (kind, code, file, line, col, object)

    for file in files:
        rel = str(file if not root.is_dir() else file.relative_to(root.parent))
        try:
            doc = yaml.load(file.read_text(encoding="utf-8"))
        except MarkedYAMLError as exc:
            mark = exc.problem_mark
            problems.append(Problem(f"not valid YAML: {exc.problem}", rel,
                                    mark.line + 1 if mark else None,
                                    mark.column + 1 if mark else None, rule="yaml"))
            continue
        except UnicodeDecodeError:
            problems.append(Problem("not UTF-8 text", rel, rule="yaml"))
            continue
        if doc is None:
            continue
        if not isinstance(doc, CommentedMap):
            problems.append(Problem("expected a mapping of sections (indicators:, targets:, …)",
                                    rel, 1, 1, rule="type"))
            continue
        for key, node in doc.items():
            kl, kc = doc.lc.key(key)
            if key == META_SECTION:
                if not isinstance(node, CommentedMap):
                    problems.append(Problem("'programme' must be a mapping", rel, kl + 1,
                                            kc + 1, rule="type"))
                    continue
                meta.update(plain(node))
                meta_where = (rel, kl + 1, kc + 1)
                loaded.raw_sections.setdefault(key, []).append((rel, node))
                continue
            if key in FOREIGN_SECTIONS:
                loaded.raw_sections.setdefault(key, []).append((rel, node))
                continue
            if key not in LIST_SECTIONS:
                known = ", ".join([META_SECTION, *LIST_SECTIONS])
                problems.append(Problem(f"unknown section '{key}' (expected one of {known})",
                                        rel, kl + 1, kc + 1, rule="section"))
                continue
            if not isinstance(node, CommentedSeq):
                problems.append(Problem(f"'{key}' must be a list", rel, kl + 1, kc + 1,
                                        rule="type"))
                continue
            model = LIST_SECTIONS[key]
            for index, entry in enumerate(node):
                il, ic = node.lc.item(index)
                if not isinstance(entry, CommentedMap):
                    problems.append(Problem(f"{key}[{index}] must be a mapping", rel, il + 1,
                                            ic + 1, rule="type"))
                    continue
                raw_ident = str(entry.get("id") or entry.get("code") or f"#{index + 1}")
                obj_name = f"{key[:-1]} {raw_ident}"
                problems.extend(_raw_references(key, entry, rel, obj_name, refs))
                try:
                    obj = model.model_validate(plain(entry))
                except ValidationError as exc:
                    problems.extend(validation_problems(exc, entry, rel, obj_name))
                    obj = None
                ident = _identity(key, obj) if obj is not None else raw_ident
                first = loaded.positions.get((key, ident))
                if first is not None:
                    what = "value" if key == "values" else key[:-1]
                    problems.append(Problem(
                        f"duplicate {what} '{ident}' (first defined at {first[0]}:{first[1]})",
                        rel, il + 1, ic + 1, rule="duplicate", object=obj_name))
                    continue
                loaded.positions[(key, ident)] = (rel, il + 1, ic + 1)
                if obj is not None:
                    items[key].append(obj)
                    loaded.raw_sections.setdefault(key, []).append((rel, entry))

    if not meta and not problems:
        problems.append(Problem("no 'programme:' section with the programme's code and name",
                                str(root), rule="section"))
    try:
        programme = Programme.model_validate({**meta, **{k: v for k, v in items.items()}})
    except ValidationError as exc:
        for err in exc.errors():
            if err["loc"] and err["loc"][0] in LIST_SECTIONS:
                continue
            file, line, col = meta_where or (str(root), None, None)
            problems.append(Problem(f"programme: {error_message(err)}", file, line, col, rule="type"))
        programme = Programme.model_construct(code=meta.get("code", "?"),
                                              name=meta.get("name", "?"), **items)
    loaded.programme = programme
    indicator_codes = {i.code for i in programme.indicators} | {
        str(e.get("code")) for _, e in loaded.raw_sections.get("indicators", [])}
    indicator_codes |= {k for (sec, k) in loaded.positions if sec == "indicators"}
    for kind, code, file, line, col, obj_name in refs:
        if kind == "indicator" and code not in indicator_codes:
            problems.append(Problem(f"{obj_name} refers to unknown indicator '{code}'", file, line,
                                    col, rule="indicator", object=obj_name))
        elif kind != "indicator" and code not in hierarchy:
            problems.append(Problem(f"{kind} '{code}' is not a known org-unit code", file, line,
                                    col, rule="orgunit", object=obj_name))
    if problems:
        count = len(problems)
        raise InputError(f"{root}: {count} problem{'s' if count > 1 else ''} in the programme",
                         problems)
    return loaded


def _identity(section: str, obj: BaseModel) -> str:
    if section == "values":
        v: DataValue = obj  # type: ignore[assignment]
        doc = v.source.document if v.source else ""
        return f"{v.indicator}|{v.orgunit}|{v.period}|{v.category}|{doc}"
    return getattr(obj, "code", None) or getattr(obj, "id", "")


_REFERENCE_FIELDS = {
    "targets": [("indicator", "indicator"), ("orgunit", "org unit")],
    "values": [("indicator", "indicator"), ("orgunit", "org unit")],
    "tasks": [("lead", "lead agency"), ("partners", "partner")],
}


def _raw_references(section: str, entry: CommentedMap, file: str, obj_name: str,
                    refs: list[tuple[str, str, str, int, int, str]]) -> list[Problem]:
    """Collect the codes an entry refers to, with the position of each, so that a reference
    is checked even when the entry has other errors."""
    for field_name, kind in _REFERENCE_FIELDS.get(section, []):
        if field_name not in entry:
            continue
        value = entry[field_name]
        vl, vc = entry.lc.value(field_name)
        if isinstance(value, CommentedSeq):
            for i, code in enumerate(value):
                il, ic = value.lc.item(i)
                refs.append((kind, str(code), file, il + 1, ic + 1, obj_name))
        elif value is not None:
            refs.append((kind, str(value), file, vl + 1, vc + 1, obj_name))
    return []


def programme_json_schema() -> dict[str, Any]:
    """JSON Schema of a programme file, for editors (YAML language servers read it)."""
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "sodo programme file",
        "description": "One YAML file of a sodo programme folder; sections may be split "
        "across files.",
        "type": "object",
        "additionalProperties": False,
        "properties": {},
        "$defs": {},
    }
    meta = Programme.model_json_schema()
    meta_props = {k: v for k, v in meta["properties"].items() if k not in LIST_SECTIONS}
    schema["$defs"].update(meta.get("$defs", {}))
    schema["properties"][META_SECTION] = {"type": "object", "properties": meta_props,
                                          "required": ["code", "name"]}
    for key, model in LIST_SECTIONS.items():
        sub = model.model_json_schema(ref_template="#/$defs/{model}")
        schema["$defs"].update(sub.pop("$defs", {}))
        schema["$defs"][model.__name__] = sub
        schema["properties"][key] = {"type": "array",
                                     "items": {"$ref": f"#/$defs/{model.__name__}"}}
    for key in sorted(FOREIGN_SECTIONS):
        schema["properties"][key] = {"description": f"read by another sodo service ({key})"}
    return json.loads(json.dumps(schema))


def load_forms(loaded: Any, strict: bool = True) -> list[ReportForm]:
    """The ``forms:`` sections of a loaded programme, checked against its indicators and the
    org units. ``strict`` raises on forms naming unknown indicators; otherwise those
    indicators are dropped (a programme being written may not define them yet)."""
    problems: list[Problem] = []
    forms: list[ReportForm] = []
    seen: dict[str, str] = {}
    known = {i.code for i in loaded.programme.indicators}
    hierarchy = default_hierarchy()
    for file, node in loaded.raw_sections.get("forms", []):
        if not isinstance(node, list):
            problems.append(Problem("'forms' must be a list", file, rule="type"))
            continue
        for index, entry in enumerate(node):
            line, col = _item_position(node, index)
            try:
                form = ReportForm.model_validate(_plain(entry))
            except ValidationError as exc:
                for err in exc.errors():
                    loc = ".".join(str(p) for p in err["loc"])
                    problems.append(Problem(f"forms[{index}].{loc}: {err['msg']}", file, line,
                                            col, rule="form"))
                continue
            if form.code in seen:
                problems.append(Problem(f"duplicate form '{form.code}' (first in "
                                        f"{seen[form.code]})", file, line, col,
                                        rule="duplicate"))
                continue
            seen[form.code] = file
            unknown = [i.code for i in form.indicators if i.code not in known]
            if unknown and strict:
                problems.append(Problem(f"form '{form.code}' asks for unknown indicator(s) "
                                        f"{', '.join(unknown)}", file, line, col,
                                        rule="indicator", object=f"form {form.code}"))
            elif unknown:
                form.indicators = [i for i in form.indicators if i.code in known]
                if not form.indicators:
                    continue
            for code in form.orgunits:
                if code not in hierarchy:
                    problems.append(Problem(f"form '{form.code}': unknown org unit '{code}'",
                                            file, line, col, rule="orgunit"))
            forms.append(form)
    if problems:
        raise InputError(f"{len(problems)} problem(s) in the report forms", problems)
    return forms


def _item_position(node: Any, index: int) -> tuple[int | None, int | None]:
    try:
        line, col = node.lc.item(index)
        return line + 1, col + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return None, None


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node
