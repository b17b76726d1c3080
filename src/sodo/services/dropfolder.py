"""A watched drop folder (``sodo watch DIR``): agencies that deliver files put them in a folder
and sodo takes each one in as a batch, exactly as ``sodo ingest`` does, then recomputes the
touched periods in the background.

Layout of the folder (the sub-folders are created on start)::

    DIR/dossiers/         drop files here (one sub-folder per declared dataset)
    DIR/feedback/
    DIR/.inflight/<dataset>/   a file being taken in (moved here first, atomically)
    DIR/processed/<dataset>/   accepted files, named <UTC time>-<name>
    DIR/rejected/<dataset>/    rejected files, with <UTC time>-<name>.errors.txt beside each

How nothing is half-taken and nothing is lost:

- a file is taken only once it has *settled*: its size and modification time unchanged and
  older than ``settle`` seconds (a file still being copied is left alone). Hidden files and
  the usual partial-upload names (``.part``, ``.tmp``, ``.partial``, ``.crdownload``,
  ``.filepart``, ``~``) are never taken: a sender that writes under such a name and renames
  when done is taken at once after settling;
- taking a file is a ``rename`` into ``.inflight`` (atomic on one file system), so two
  watchers never take the same file; the batch is then applied all or nothing;
- a file is moved out of ``.inflight`` only after its batch was applied (to ``processed``)
  or refused (to ``rejected`` with the problems, file, row, column and rule, in a text file
  beside it). A watcher killed in between finds the file in ``.inflight`` on its next start
  and takes it again; records whose key is already stored are replaced, so a batch applied
  twice counts once;
- an unexpected failure (the store unreachable, a disk full) leaves the file in ``.inflight``
  to be tried again on the next scan, never in ``rejected``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sodo.domain.permissions import Actor
from sodo.domain.problems import InputError, StoreBusy
from sodo.stores.files import fsync_dir

log = logging.getLogger("sodo.watch")

INFLIGHT, PROCESSED, REJECTED = ".inflight", "processed", "rejected"
FORMATS = (".csv", ".parquet", ".ndjson", ".jsonl", ".xlsx")
PARTIAL_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload", ".filepart", ".download",
                    "~", ".swp")


@dataclass
class FileOutcome:
    """What became of one dropped file."""

    dataset: str
    file: str  # the name it was dropped under
    status: str  # accepted | rejected | retry
    moved_to: str = ""
    batch: int | None = None
    rows: int = 0
    months: list[str] = field(default_factory=list)
    message: str = ""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    info: Any = None  # the applied BatchInfo

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "file": self.file, "status": self.status,
                "moved_to": self.moved_to, "batch": self.batch, "rows": self.rows,
                "months": self.months, "message": self.message,
                "problems": self.problems[:50], "seconds": round(self.seconds, 3)}


class DropFolder:
    """One drop folder of a workspace; :meth:`scan` takes in what has settled."""

    def __init__(self, root: Path, datasets: list[str], settle: float = 2.0) -> None:
        self.root = Path(root)
        self.datasets = list(datasets)
        self.settle = settle
        self._seen: dict[Path, tuple[int, int]] = {}
        self._retry: dict[Path, tuple[int, float]] = {}  # attempts, next try (monotonic)
        for ds in self.datasets:
            for sub in (self.root / ds, self.root / INFLIGHT / ds, self.root / PROCESSED / ds,
                        self.root / REJECTED / ds):
                sub.mkdir(parents=True, exist_ok=True)

    # -- finding and taking files ---------------------------------------------------------

    def inflight(self) -> list[tuple[str, Path]]:
        """Files in flight that are due: left by a watcher that was stopped or killed, or
        failed for a reason that was not the file's (tried again after 1, 2, 4… up to 60
        seconds)."""
        now = time.monotonic()
        return [(ds, p) for ds in self.datasets
                for p in sorted((self.root / INFLIGHT / ds).iterdir())
                if p.is_file() and self._retry.get(p, (0, 0.0))[1] <= now]

    def done(self, path: Path) -> None:
        self._retry.pop(path, None)

    def failed(self, path: Path) -> None:
        attempts = self._retry.get(path, (0, 0.0))[0] + 1
        self._retry[path] = (attempts, time.monotonic() + min(60.0, 2.0 ** (attempts - 1)))

    def settled(self, now: float | None = None,
                first_look: bool = False) -> list[tuple[str, Path]]:
        """Dropped files whose size and time have not changed for ``settle`` seconds, oldest
        first (seen unchanged on two looks, or, on a ``first_look``, by their time alone)."""
        now = time.time() if now is None else now
        ready: list[tuple[float, str, Path]] = []
        current: dict[Path, tuple[int, int]] = {}
        for ds in self.datasets:
            for path in (self.root / ds).iterdir():
                if not path.is_file() or _partial(path.name):
                    continue
                try:
                    st = path.stat()
                except FileNotFoundError:
                    continue
                sig = (st.st_size, st.st_mtime_ns)
                current[path] = sig
                # unchanged since the previous scan (or no previous scan needed: settle 0)
                # and untouched for `settle` seconds
                stable = self._seen.get(path) == sig or self.settle <= 0 or first_look
                if stable and now - st.st_mtime >= self.settle:
                    ready.append((st.st_mtime, ds, path))
        self._seen = current
        return [(ds, p) for _, ds, p in sorted(ready)]

    def claim(self, dataset: str, path: Path) -> Path | None:
        """Move a dropped file into ``.inflight`` (atomic); None if another watcher took it
        first or a file of that name is still in flight."""
        target = self.root / INFLIGHT / dataset / path.name
        if target.exists():
            return None  # the earlier one of that name is taken first; this one waits
        try:
            os.rename(path, target)
        except FileNotFoundError:
            return None
        fsync_dir(target.parent)
        return target

    # -- taking one file in ---------------------------------------------------------------

    def take(self, ctx: Any, actor: Actor, dataset: str, inflight: Path,
             ingest: Callable[..., Any]) -> FileOutcome:
        """Ingest one taken file as one batch and move it to ``processed`` or ``rejected``;
        on an unexpected failure leave it in flight (status ``retry``)."""
        shown = f"{dataset}/{inflight.name}"
        began = time.perf_counter()
        if inflight.suffix.lower() not in FORMATS:
            return self._reject(dataset, inflight, shown, began, InputError(
                f"{shown}: rejected, not a format sodo reads (use CSV, Parquet, NDJSON or "
                "Excel .xlsx); nothing was loaded"))
        try:
            [batch] = ingest(ctx, actor, dataset, [inflight], channel="watch")
        except StoreBusy as exc:  # another process holds the store: not the file's fault
            return FileOutcome(dataset, inflight.name, "retry", str(inflight),
                               message=exc.summary[:500], seconds=time.perf_counter() - began)
        except InputError as exc:
            return self._reject(dataset, inflight, shown, began, exc)
        except Exception as exc:  # the store, the disk…: not the file's fault, try again
            log.exception("taking %s failed; it stays in %s and is tried again", shown,
                          INFLIGHT)
            return FileOutcome(dataset, inflight.name, "retry", str(inflight),
                               message=f"{type(exc).__name__}: {exc}"[:500],
                               seconds=time.perf_counter() - began)
        moved = self._move(inflight, PROCESSED, dataset)
        return FileOutcome(dataset, inflight.name, "accepted", str(moved), batch.id,
                           batch.rows, list(batch.months),
                           f"{batch.rows:,} records accepted as batch {batch.id}",
                           seconds=time.perf_counter() - began, info=batch)

    def _reject(self, dataset: str, inflight: Path, shown: str, began: float,
                exc: InputError) -> FileOutcome:
        moved = self._move(inflight, REJECTED, dataset)
        # the messages name the file as it was dropped, not its place in flight
        summary = exc.summary.replace(str(inflight), shown)
        problems = [str(p).replace(str(inflight), shown) for p in exc.problems]
        report = moved.with_name(moved.name + ".errors.txt")
        lines = [summary, "", *problems]
        if len(exc.problems) > len(problems):
            lines.append(f"… and {len(exc.problems) - len(problems)} more")
        report.write_text("\n".join(lines) + "\n", encoding="utf-8")
        fsync_dir(report.parent)
        return FileOutcome(dataset, inflight.name, "rejected", str(moved), message=summary,
                           problems=problems, seconds=time.perf_counter() - began)

    def _move(self, inflight: Path, where: str, dataset: str) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.root / where / dataset / f"{stamp}-{inflight.name}"
        n = 1
        while target.exists():
            target = target.with_name(f"{stamp}-{n}-{inflight.name}")
            n += 1
        os.rename(inflight, target)
        fsync_dir(target.parent)
        fsync_dir(inflight.parent)
        return target


def scan_once(ctx: Any, folder: DropFolder, actor: Actor | None = None,
              include_inflight: bool = False, first_look: bool = False,
              report: Callable[[FileOutcome], None] | None = None) -> list[FileOutcome]:
    """Take in every settled file (and, first, those left in flight when asked), each as its
    own batch; the accepted ones are recorded for the automatic recompute. Returns what
    became of each file."""
    from sodo.services import recompute, records

    actor = actor or Actor.system("watch")
    outcomes: list[FileOutcome] = []
    todo = list(folder.inflight()) if include_inflight else []
    for dataset, path in folder.settled(first_look=first_look):
        taken = folder.claim(dataset, path)
        if taken is not None:
            todo.append((dataset, taken))
    for dataset, path in todo:
        received_at = datetime.now(UTC)
        outcome = folder.take(ctx, actor, dataset, path, records.ingest)
        if outcome.status == "accepted":
            recompute.accepted(ctx, [outcome.info], "watch", received_at)
        if outcome.status == "retry":
            folder.failed(path)
        else:
            folder.done(path)
        log.info("file %s", outcome.status, extra={"fields": {
            "event": "watch.file", **{k: v for k, v in outcome.to_dict().items()
                                      if k != "problems"},
            "problems": len(outcome.problems)}})
        outcomes.append(outcome)
        if report is not None:
            report(outcome)
    return outcomes


def _partial(name: str) -> bool:
    return name.startswith(".") or name.lower().endswith(PARTIAL_SUFFIXES)


