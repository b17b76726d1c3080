"""YAML read with positions, shared by every loader of user-written YAML (programmes, engine
definitions, dataset declarations): plain values for validation, and the line and column of
whatever a pydantic error points at."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from sodo.domain.problems import Problem


def plain(node: Any) -> Any:
    """ruamel's round-trip nodes as plain Python values (dates stay dates)."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if type(node).__name__ == "ScalarFloat":
        return float(node)
    if type(node).__name__ == "ScalarInt":
        return int(node)
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, str):
        return str(node)
    return node


def node_position(node: Any, loc: tuple[Any, ...],
                  at_key: bool = False) -> tuple[int | None, int | None]:
    """Walk a round-trip node along a pydantic ``loc``; the 1-based (line, column) reached.
    ``at_key`` points at the last key itself rather than its value (for unknown fields)."""
    line = col = None
    if hasattr(node, "lc"):
        line, col = node.lc.line + 1, node.lc.col + 1
    for depth, part in enumerate(loc):
        if at_key and depth == len(loc) - 1 and isinstance(node, CommentedMap) and part in node:
            kl, kc = node.lc.key(part)
            return kl + 1, kc + 1
        if isinstance(node, CommentedMap) and part in node:
            try:
                vl, vc = node.lc.value(part)
                line, col = vl + 1, vc + 1
            except (KeyError, TypeError):
                pass
            node = node[part]
        elif isinstance(node, CommentedMap):
            try:  # a key that is not there: point at the mapping's own key if any
                kl, kc = node.lc.key(part)
                line, col = kl + 1, kc + 1
            except (KeyError, TypeError):
                pass
            break
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            try:
                il, ic = node.lc.item(part)
                line, col = il + 1, ic + 1
            except (KeyError, TypeError, IndexError):
                pass
            node = node[part]
        else:
            break
    return line, col


def error_message(err: dict[str, Any]) -> str:
    """A pydantic error as a plain sentence."""
    if err.get("type") == "extra_forbidden":
        return f"unknown field '{err['loc'][-1]}'"
    if err.get("type") == "missing":
        return f"missing required field '{err['loc'][-1]}'"
    return str(err.get("msg", "invalid value")).removeprefix("Value error, ")


def validation_problems(exc: ValidationError, node: Any, file: str, obj: str = "",
                        rule: str = "type", base: tuple[Any, ...] = (),
                        with_path: bool = False) -> list[Problem]:
    """One :class:`Problem` per pydantic error, placed at its position in ``node``."""
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        line, col = node_position(node, loc, at_key=err.get("type") == "extra_forbidden")
        msg = error_message(err)
        if with_path:
            where = ".".join(str(p) for p in (*base, *loc))
            msg = f"{where}: {msg}" if where else msg
        out.append(Problem(msg, file=file, line=line, column=col, rule=rule, object=obj))
    return out
