"""The follow-up job on a schedule, for ``sodo serve``: a background thread that runs
:func:`sodo.services.follow_up.run` every ``[follow_up] interval_minutes`` (default 60).

One scheduler across workers and machines: before each run a worker takes the ``remind``
lease in the ``job_lease`` table (a conditional update, the same on SQLite and PostgreSQL)
and runs only if it holds it and the last run is older than the interval. Even two runs at
once would not send a notice twice (the notices are unique); the lease saves the work.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from sodo.domain.permissions import Actor
from sodo.services import follow_up
from sodo.services.context import AppContext
from sodo.stores.operational.models import utcnow
from sodo.stores.operational.notice_models import JobLease

log = logging.getLogger("sodo.scheduler")
JOB = "remind"


def take_lease(ctx: AppContext, holder: str, seconds: int, name: str = JOB) -> bool:
    """Hold the lease ``name`` for ``seconds`` if it is free, run out, or already ours."""
    now = utcnow()
    with ctx.session() as session:
        if session.get(JobLease, name) is None:
            try:
                session.add(JobLease(name=name, holder="", until=None))
                session.commit()
            except IntegrityError:
                session.rollback()
        taken = session.execute(
            update(JobLease).where(JobLease.name == name,
                                   or_(JobLease.until.is_(None), JobLease.until < now,
                                       JobLease.holder == holder))
            .values(holder=holder, until=now + timedelta(seconds=seconds))
            .execution_options(synchronize_session=False))
        session.commit()
        return taken.rowcount == 1


def due_to_run(ctx: AppContext, interval: timedelta, name: str = JOB) -> bool:
    with ctx.session() as session:
        lease = session.get(JobLease, name)
        return lease is None or lease.last_run_at is None \
            or utcnow() - lease.last_run_at >= interval


def mark_run(ctx: AppContext, name: str = JOB) -> None:
    with ctx.session() as session:
        session.execute(update(JobLease).where(JobLease.name == name)
                        .values(last_run_at=utcnow())
                        .execution_options(synchronize_session=False))
        session.commit()


def run_once(ctx: AppContext, holder: str, interval: timedelta) -> follow_up.RunResult | None:
    """One tick: run the follow-up job if this worker holds the lease and it is time."""
    if not take_lease(ctx, holder, int(interval.total_seconds() * 2) + 60):
        return None
    if not due_to_run(ctx, interval):
        return None
    result = follow_up.run(ctx, Actor.system("scheduler"), ctx.today())
    mark_run(ctx)
    log.info("follow-up: %d new notice(s), %d e-mail(s) sent, %d failed", result.new,
             result.sent, result.failed)
    return result


class Scheduler(threading.Thread):
    """Ticks every ``tick`` seconds (at most the interval) until :meth:`stop`."""

    def __init__(self, ctx: AppContext, interval: timedelta | None = None,
                 tick: float | None = None) -> None:
        super().__init__(name="sodo-scheduler", daemon=True)
        self.ctx = ctx
        self.interval = interval or timedelta(minutes=ctx.settings.follow_up.interval_minutes)
        self.tick = tick if tick is not None else min(60.0, self.interval.total_seconds())
        self.holder = follow_up.worker_name()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                run_once(self.ctx, self.holder, self.interval)
            except Exception:  # a failed run must not end the scheduler; the next tick retries
                log.exception("follow-up run failed")
            self._halt.wait(self.tick)

    def stop(self) -> None:
        self._halt.set()
