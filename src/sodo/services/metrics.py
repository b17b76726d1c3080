"""The process's Prometheus metrics (``GET /metrics``): requests, ingest, compute, reminders,
the recompute queue. Services count what they do here; the HTTP app serves them.

With several workers each process counts its own; set ``PROMETHEUS_MULTIPROC_DIR`` to a
folder (empty at start) and every worker's numbers are served together
(prometheus-client's multiprocess mode)."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

REQUEST_SECONDS = Histogram(
    "sodo_http_request_duration_seconds", "HTTP request latency by route",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
INGEST_BATCHES = Counter("sodo_ingest_batches_total", "Accepted record batches",
                         ["dataset", "channel"])
INGEST_ROWS = Counter("sodo_ingest_rows_total", "Records in accepted batches",
                      ["dataset", "channel"])
INGEST_REJECTED = Counter("sodo_ingest_rejected_total", "Rejected record files",
                          ["dataset", "channel"])
COMPUTE_RUNS = Counter("sodo_compute_runs_total", "Compute runs", ["mode", "status"])
COMPUTE_SECONDS = Histogram("sodo_compute_seconds", "Duration of compute runs", ["mode"],
                            buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600))
REMINDERS_SENT = Counter("sodo_reminders_sent_total",
                         "Follow-up e-mails (reminders, escalations, notices) by kind and outcome",
                         ["kind", "outcome"])
QUEUE_DEPTH = Gauge("sodo_recompute_queue_depth",
                    "Batches accepted and waiting for their recompute",
                    multiprocess_mode="livesum")


def exposition() -> tuple[bytes, str]:
    """The metrics in the Prometheus text format, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
