"""Records as use cases: open the workspace's record store, take in batches, compute.

Every intake and every computation, from the CLI, the API or a watched folder, goes through
:func:`ingest` and :func:`compute_values`: rights are checked before any file is read, and each
accepted batch and each run is written to the audit log.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sodo.domain.permissions import Action, Actor, require
from sodo.services import audit
from sodo.services.datasets import open_record_store
from sodo.stores.records.base import BatchInfo

if TYPE_CHECKING:
    from sodo.services.context import AppContext
    from sodo.services.engine.compute import ComputeRun


def ingest(ctx: AppContext, actor: Actor, dataset: str, files: Sequence[str | Path], *,
           mapping: dict[str, str] | None = None, backend: str | None = None,
           progress: Any = None, channel: str = "cli") -> list[BatchInfo]:
    """Validate and apply each file as one batch (all or nothing per file) and record each
    accepted batch in the audit log. Admins only, checked before a file is opened.

    The data-quality checks graded ``warning`` run on each accepted batch; what they find
    (``BatchInfo.warnings``) is stored with the batch (``quality.intake``)."""
    from sodo.domain.orgunits import default_hierarchy
    from sodo.domain.problems import InputError
    from sodo.services.intake import ingest_files
    from sodo.services.quality import intake as quality_intake

    require(actor, Action.ADMIN)
    hierarchy = default_hierarchy()
    warn = quality_intake.warner(ctx.settings.programme_path(), hierarchy)
    with open_record_store(ctx.settings, backend) as store:
        store.dataset(dataset)  # an unknown dataset is refused before reading
        try:
            batches = ingest_files(store, dataset, files, mapping, hierarchy=hierarchy,
                                   progress=progress, warn=warn)
        except InputError:
            if (metrics := collected_metrics()) is not None:
                metrics.INGEST_REJECTED.labels(dataset, channel).inc()
            raise
    if (metrics := collected_metrics()) is not None:
        for batch in batches:
            metrics.INGEST_BATCHES.labels(dataset, channel).inc()
            metrics.INGEST_ROWS.labels(dataset, channel).inc(batch.rows)
    with ctx.session() as session:
        for batch in batches:
            audit.record(session, actor, "records.ingest", "dataset", dataset, None,
                         {**_plain(batch.to_dict()), "channel": channel})
            quality_intake.store(session, batch.id, dataset, batch.rows, batch.warnings)
        session.commit()
    return batches


def collected_metrics() -> ModuleType | None:
    """:mod:`sodo.services.metrics` where this process's counts are read: a server (which
    imports it to serve ``/metrics``) or a process writing into the multiprocess folder
    (``PROMETHEUS_MULTIPROC_DIR``). ``None`` in a lone command, whose counts would end with
    it unread (and prometheus_client is a fiftieth of its start)."""
    if "sodo.services.metrics" in sys.modules or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from sodo.services import metrics

        return metrics
    return None


# the steps of ``compute_values`` as a progress callback hears them: the engine's three (scan,
# roll-up and scoring, write: sodo.services.engine.compute.COMPUTE_STEPS), then the scorecard
QUALITY_STEP = "chấm điểm chất lượng dữ liệu / scoring data quality"
COMPUTE_STEPS = ("scan", "roll up and score", "write", "quality")


def compute_values(ctx: AppContext, actor: Actor, **options: Any) -> ComputeRun:
    """Compute every record-computed indicator and the 766 index (``options``: backend,
    periods, full, levels) and record the run in the audit log; then rescore the stored
    data-quality periods that the run's months touched. Admins only. ``progress(done, step)``
    (an option) is told as each of ``COMPUTE_STEPS`` begins, and ``(4, "")`` at the end."""
    import time

    from sodo.services.engine.compute import compute

    require(actor, Action.ADMIN)
    began = time.perf_counter()
    progress = options.pop("progress", None)
    metrics = collected_metrics()
    try:
        run = compute(ctx.settings, progress=progress, **options)
    except Exception:
        if metrics is not None:
            metrics.COMPUTE_RUNS.labels("unknown", "failed").inc()
        raise
    if metrics is not None:
        metrics.COMPUTE_RUNS.labels(run.mode, "done").inc()
        metrics.COMPUTE_SECONDS.labels(run.mode).observe(time.perf_counter() - began)
    if run.id is not None:
        # on a Core connection: the ORM's mapped classes are built only when a stored
        # scorecard is to be rescored (a small run would spend a fifth of its time on them)
        with ctx.engine.begin() as conn:
            audit.record_on(conn, actor, "values.compute", "compute_run", str(run.id), None,
                            _plain({k: v for k, v in run.to_dict().items()
                                    if k not in ("indicators",)}))
        if progress is not None:
            progress(3, QUALITY_STEP)
        if _has_quality_scores(ctx):  # else quality.refresh has nothing to rescore
            from sodo.services import quality

            quality.refresh(ctx, actor, run.periods)
        if progress is not None:
            progress(len(COMPUTE_STEPS), "")
    return run


def _has_quality_scores(ctx: AppContext) -> bool:
    """Whether the store holds any data-quality score (a Core look-up of one row, so that a
    compute without a scorecard imports neither the quality service nor the ORM models)."""
    from sqlalchemy import select, table

    with ctx.engine.connect() as conn:
        return conn.execute(select(1).select_from(table("quality_score")).limit(1)
                            ).first() is not None


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready: datetimes as ISO text, long lists shortened."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, list) and len(value) > 50:
            value = [*value[:50], f"… {len(value) - 50} more"]
        out[key] = value
    return out
