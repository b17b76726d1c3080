"""The ``sodo`` entry point's last line of defence: a defect ends in one line, with the
details written to a file, never a traceback on the terminal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sodo.cli import main


def test_a_defect_ends_in_one_line_and_a_crash_file(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    def broken() -> None:
        raise RuntimeError("the store went away")

    monkeypatch.setattr(main, "app", broken)
    monkeypatch.delenv("SODO_DEBUG", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    with pytest.raises(SystemExit) as stopped:
        main.run()
    assert stopped.value.code == main.UNEXPECTED_EXIT
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "RuntimeError: the store went away" in err and "SODO_DEBUG=1" in err
    crash = Path(re.search(r"written to (\S+)", err).group(1))  # type: ignore[union-attr]
    assert crash.parent == tmp_path
    assert "Traceback" in crash.read_text(encoding="utf-8")


def test_sodo_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(main, "app", broken)
    monkeypatch.setenv("SODO_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main.run()


def test_an_interrupt_is_one_word(monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(main, "app", interrupted)
    with pytest.raises(SystemExit) as stopped:
        main.run()
    assert stopped.value.code == 130 and capsys.readouterr().err.strip() == "interrupted"
