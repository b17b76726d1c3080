"""The scheduler of ``sodo serve``: one lease holder across workers; the job runs on its
interval and sends what is due."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from sodo.services import scheduler
from sodo.services.context import AppContext
from sodo.services.settings import Settings


@pytest.mark.parametrize("workspace", ["sqlite", pytest.param(
    "postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_one_lease_holder_at_a_time(workspace: Path) -> None:
    with AppContext(Settings.open(workspace)) as ctx:
        assert scheduler.take_lease(ctx, "worker-a", 60)
        assert not scheduler.take_lease(ctx, "worker-b", 60)
        assert scheduler.take_lease(ctx, "worker-a", 60)  # renewed by its holder
        assert scheduler.take_lease(ctx, "worker-c", 1, name="other-job")
        time.sleep(1.2)
        assert scheduler.take_lease(ctx, "worker-d", 60, name="other-job")  # ran out


def test_the_scheduler_runs_the_job_once_per_interval(workspace: Path, smtp) -> None:
    settings = replace(Settings.open(workspace), today=date(2026, 3, 17))
    with AppContext(settings) as ctx:
        first = scheduler.run_once(ctx, "worker-a", timedelta(hours=1))
        assert first is not None and first.new > 0 and first.sent > 0
        assert scheduler.run_once(ctx, "worker-a", timedelta(hours=1)) is None  # not yet
        assert scheduler.run_once(ctx, "worker-b", timedelta(seconds=0)) is None  # not held
        job = scheduler.Scheduler(ctx, interval=timedelta(seconds=0), tick=0.2)
        job.start()
        time.sleep(1.5)
        job.stop()
        job.join(timeout=30)
    received = {m["X-Sodo-Notice"] for _, m in smtp.inbox.messages}
    assert len(received) == len(smtp.inbox.messages) == first.sent
