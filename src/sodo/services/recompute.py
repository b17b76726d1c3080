"""Fresh without a manual step: every accepted batch is followed by an automatic, incremental
recompute of the periods it touched, in the background.

- :func:`accepted` records the batches' status (validated, with the time they were received
  and validated) and marks the workspace as having work pending
  (``.sodo/recompute.pending``);
- :func:`run_pending` is the runner: it takes an exclusive lock (``.sodo/recompute.lock``, so
  one computation runs at a time across every process of the workspace — web workers and
  commands alike), then computes while work is pending. Batches arriving during a
  computation coalesce: the next round takes all of them at once (the incremental compute
  rescans the months of every batch newer than the last run). A runner that finds the lock
  taken returns at once: the holder sees the pending mark before it lets go.
- :func:`status` is where a batch stands: validated → computing → computed (or failed), with
  the timings.

The HTTP app runs the runner in a thread after each accepted batch; ``sodo ingest`` starts
``sodo compute --queued`` as a detached process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from sodo.domain.permissions import Actor
from sodo.services import metrics
from sodo.stores.operational.intake_models import BatchStatus

if TYPE_CHECKING:
    from sodo.services.context import AppContext
    from sodo.stores.records.base import BatchInfo

log = logging.getLogger("sodo.recompute")
_THREAD_LOCK = threading.Lock()  # one runner thread per process at a time


def _folder(ctx: AppContext) -> Path:
    assert ctx.settings.root is not None
    folder = ctx.settings.root / ".sodo"
    folder.mkdir(exist_ok=True)
    return folder


def accepted(ctx: AppContext, batches: Sequence[BatchInfo], channel: str,
             received_at: datetime) -> None:
    """Record accepted batches as validated and mark the workspace's recompute pending."""
    now = datetime.now(UTC)
    with ctx.session() as session:
        for b in batches:
            session.merge(BatchStatus(batch_id=b.id, dataset=b.dataset, channel=channel,
                                      rows=b.rows, status="validated", received_at=received_at,
                                      validated_at=now, message=""))
        session.commit()
    if ctx.settings.root is not None and batches:
        (_folder(ctx) / "recompute.pending").touch()
        metrics.QUEUE_DEPTH.inc(len(batches))


def run_pending(ctx: AppContext) -> int:
    """Compute while work is pending, holding the workspace's recompute lock; returns the
    number of runs made (0 when another process holds the lock or nothing was pending)."""
    import fcntl

    if ctx.settings.root is None:
        return 0
    folder = _folder(ctx)
    pending, runs = folder / "recompute.pending", 0
    while pending.exists():
        with open(folder / "recompute.lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return runs  # the holder will see the pending mark
            try:
                while pending.exists():
                    pending.unlink(missing_ok=True)  # batches from now on: the next round
                    _compute_round(ctx)
                    runs += 1
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        # a batch accepted between the last check and the release is taken by the loop
    return runs


def _compute_round(ctx: AppContext) -> None:
    from sodo.services.records import compute_values

    with ctx.session() as session:
        waiting = list(session.scalars(select(BatchStatus.batch_id).where(
            BatchStatus.status.in_(("validated", "computing")))))
        if waiting:
            session.execute(update(BatchStatus).where(BatchStatus.batch_id.in_(waiting))
                            .values(status="computing"))
            session.commit()
    try:
        run = compute_values(ctx, Actor.system("automatic recompute"))
    except Exception as exc:
        log.exception("automatic recompute failed")
        _finish(ctx, waiting, "failed", None, str(exc)[:500])
        return
    _finish(ctx, waiting, "computed", run.id, f"{run.mode}: {len(run.periods)} periods, "
            f"{run.value_count} values, {run.seconds:.2f} s")


def _finish(ctx: AppContext, batch_ids: list[int], state: str, run_id: int | None,
            message: str) -> None:
    if not batch_ids:
        return
    with ctx.session() as session:
        session.execute(update(BatchStatus).where(BatchStatus.batch_id.in_(batch_ids))
                        .values(status=state, computed_at=datetime.now(UTC), run_id=run_id,
                                message=message))
        session.commit()
    metrics.QUEUE_DEPTH.dec(len(batch_ids))


def start_background(ctx: AppContext) -> threading.Thread | None:
    """Run :func:`run_pending` in a daemon thread of this process unless one is running."""
    if not _THREAD_LOCK.acquire(blocking=False):
        return None  # this process's runner is at work and will see the pending mark

    def work() -> None:
        try:
            run_pending(ctx)
        finally:
            _THREAD_LOCK.release()
        # a mark left after the runner's last look (it let go of the thread lock later)
        if ctx.settings.root is not None and (_folder(ctx) / "recompute.pending").exists():
            start_background(ctx)

    thread = threading.Thread(target=work, name="sodo-recompute", daemon=True)
    thread.start()
    return thread


def status(ctx: AppContext, batch_id: int) -> dict[str, Any] | None:
    """Where a batch stands, with the time of each step and the durations in seconds, and
    the data-quality warnings found on it at intake (``warnings``; ``None``: not checked)."""
    from sodo.services.quality import intake as quality_intake

    with ctx.session() as session:
        row = session.get(BatchStatus, batch_id)
        checked = quality_intake.of_batch(session, batch_id)
        if row is None:
            if checked is None:
                return None
            # accepted without the automatic recompute (``sodo ingest --no-recompute``)
            return {"batch": batch_id, "dataset": checked["dataset"], "channel": None,
                    "rows": checked["rows"], "status": "accepted", "run": None,
                    "message": "", "steps": {"received": None, "validated": None,
                                             "computed": None},
                    "seconds": {"validation": None, "until_computed": None, "total": None},
                    "warnings": checked["warnings"]}
        steps = {"received": row.received_at, "validated": row.validated_at,
                 "computed": row.computed_at}
        return {
            "batch": row.batch_id, "dataset": row.dataset, "channel": row.channel,
            "rows": row.rows, "status": row.status, "run": row.run_id,
            "message": row.message,
            "steps": {k: v.isoformat() if v else None for k, v in steps.items()},
            "seconds": {
                "validation": _seconds(row.received_at, row.validated_at),
                "until_computed": _seconds(row.validated_at, row.computed_at),
                "total": _seconds(row.received_at, row.computed_at),
            },
            "warnings": checked["warnings"] if checked is not None else None,
        }


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def pending_mark(ctx: AppContext) -> tuple[int, int] | None:
    """Changes whenever a batch is accepted (the pending mark is touched) or a runner takes the
    work (the mark is removed), by any process of the workspace: the modification times of the
    ``.sodo`` folder and of the mark, so views keyed on it never return to an older state."""
    if ctx.settings.root is None:
        return None
    folder = ctx.settings.root / ".sodo"
    try:
        mark = (folder / "recompute.pending").stat().st_mtime_ns
    except FileNotFoundError:
        mark = 0
    try:
        return folder.stat().st_mtime_ns, mark
    except FileNotFoundError:
        return None


def dataset_states(ctx: AppContext, datasets: Sequence[str]) -> list[dict[str, Any]]:
    """When each dataset was last computed, for the overview: the finish of the newest
    successful computation (each one takes in every batch accepted before it started, of
    every dataset), the newest batch received, and the batches still waiting for the
    automatic recompute (or whose last automatic recompute failed)."""
    from sqlalchemy import case, func

    from sodo.stores.operational.tables import compute_run

    row = BatchStatus
    waiting = func.sum(case((row.status.in_(("validated", "computing")), 1), else_=0))
    failed = func.max(case((row.status == "failed", row.batch_id), else_=None))
    computed = func.max(case((row.status == "computed", row.batch_id), else_=None))
    with ctx.session() as session:
        last_done = session.execute(select(func.max(compute_run.c.finished_at))
                                    .where(compute_run.c.status == "done")).scalar()
        grouped = {r.dataset: r for r in session.execute(
            select(row.dataset, func.max(row.received_at).label("received"),
                   waiting.label("waiting"), failed.label("failed"),
                   computed.label("computed")).group_by(row.dataset))}
    out = []
    for code in datasets:
        g = grouped.get(code)
        pending = int(g.waiting or 0) if g else 0
        failing = bool(g and g.failed is not None and (g.computed is None
                                                      or g.failed > g.computed))
        out.append({"dataset": code, "last_computed": last_done,
                    "newest_batch": g.received if g else None, "waiting": pending,
                    "state": "waiting" if pending else "failed" if failing
                    else "computed" if last_done else "never"})
    return out
