"""Programme files parsed once per change (``.sodo/parsed``): a second read of unchanged files
parses nothing, an edited file is read again (its problems reported as without the cache), and
an invalid file caches nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sodo.services.datasets as datasets_module
import sodo.services.engine.definitions as definitions
from sodo.domain.problems import InputError
from sodo.services.datasets import workspace_datasets
from sodo.services.engine.definitions import engine_config_of
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Settings:
    return init_workspace(tmp_path / "ws")


def _counting(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def _touch_later(path: Path) -> None:  # a new modification time, whatever the clock's grain
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_engine_definitions_are_parsed_once_per_change(workspace: Settings,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch, definitions, "load_engine_config")
    cache = workspace.root / ".sodo"
    first = engine_config_of(workspace.programme_path(), cache)
    again = engine_config_of(workspace.programme_path(), cache)
    assert len(calls) == 1 and again.fingerprint() == first.fingerprint()
    assert (cache / "parsed" / "engine-config.pickle").exists()

    computed = workspace.programme_path() / "computed" / "extra.yaml"
    computed.write_text("computed:\n  - code: x_count\n    dataset: dossiers\n"
                        "    value: count\n", encoding="utf-8")
    added = engine_config_of(workspace.programme_path(), cache)
    assert len(calls) == 2 and "x_count" in added.output_codes()

    computed.write_text("computed:\n  - code: x_count\n    dataset: dossiers\n"
                        "    value: ratio\n    numerator: {field: channel, like: x}\n",
                        encoding="utf-8")
    _touch_later(computed)
    for _ in range(2):  # an invalid file is reported every time, never cached
        with pytest.raises(InputError) as caught:
            engine_config_of(workspace.programme_path(), cache)
        assert caught.value.problems[0].file.endswith("extra.yaml")
    assert len(calls) == 4
    computed.unlink()
    assert engine_config_of(workspace.programme_path(), cache).fingerprint() == \
        first.fingerprint()


def test_dataset_declarations_are_parsed_once_per_change(workspace: Settings,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch, datasets_module, "load_datasets")
    first = workspace_datasets(workspace)
    assert workspace_datasets(workspace) == first and len(calls) == 1
    folder = workspace.programme_path() / "datasets"
    declaration = next(folder.glob("*.y*ml"))
    text = declaration.read_text(encoding="utf-8")
    declaration.write_text(text.replace("dataset:", "dataset:\n  unexpected: 1", 1),
                           encoding="utf-8")
    _touch_later(declaration)
    with pytest.raises(InputError):
        workspace_datasets(workspace)
    declaration.write_text(text, encoding="utf-8")
    _touch_later(declaration)
    assert workspace_datasets(workspace) == first and len(calls) == 3


def test_an_unreadable_cache_is_read_again(workspace: Settings) -> None:
    cache = workspace.root / ".sodo"
    first = engine_config_of(workspace.programme_path(), cache)
    (cache / "parsed" / "engine-config.pickle").write_bytes(b"not a pickle")
    assert engine_config_of(workspace.programme_path(), cache).fingerprint() == \
        first.fingerprint()
