"""The layers are real: domain ← stores ← services ← interfaces, no upward import and no import
cycle anywhere (lazy imports inside functions count too), and no interface module too large to
read. Walks the package's source with ``ast``; nothing is imported."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "sodo"
LAYERS = {"domain": 0, "stores": 1, "services": 2, "http": 3, "api": 3, "web": 3, "cli": 3}
MAX_INTERFACE_LINES = 400


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = path
    return out


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def imports(known: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the sodo modules it imports (at any depth of its code)."""
    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                targets = [base, *(f"{base}.{a.name}" for a in node.names)]
            for target in targets:
                if target.startswith("sodo"):
                    found = resolve(target)
                    if found and found != name:
                        edges[name].add(found)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), ignoring a package
    importing its own submodule's re-export."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def test_every_module_has_a_layer() -> None:
    known = modules()
    homeless = sorted(m for m in known if m.count(".") >= 1 and layer_of(m) is None
                      and m.split(".")[1] not in ("data", "programmes", "__main__"))
    assert not homeless, f"modules outside the layers: {homeless}"


def test_no_import_goes_up_a_layer() -> None:
    known = modules()
    upward = sorted(f"{a} -> {b}" for a, targets in imports(known).items() for b in targets
                    if (la := layer_of(a)) is not None and (lb := layer_of(b)) is not None
                    and lb > la)
    assert not upward, upward


def test_no_import_cycle() -> None:
    found = cycles(imports(modules()))
    assert not found, found


def test_interface_modules_stay_readable() -> None:
    big = sorted((len(path.read_text(encoding="utf-8").splitlines()), name)
                 for name, path in modules().items() if layer_of(name) == 3)
    too_big = [(name, lines) for lines, name in big if lines > MAX_INTERFACE_LINES]
    assert not too_big, too_big


def test_the_checks_fire() -> None:
    # The walk sees the imports it must judge: services import stores, the web imports http.
    edges = imports(modules())
    assert "sodo.stores.operational.values" in edges["sodo.services.values"]
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert layer_of("sodo.web.pages.overview") == 3 and layer_of("sodo.domain.values") == 0
