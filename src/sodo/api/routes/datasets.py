"""Record batches posted as NDJSON, validated and applied all or nothing by the same intake
use case as ``sodo ingest`` (rights checked before the body is read; the batch is parsed and
applied in the thread pool, never on the event loop)."""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from sodo.domain.permissions import Action, require
from sodo.http.deps import Ctx, RequireUser
from sodo.http.limits import NDJSON_BATCH_BYTES
from sodo.http.problems import ProblemError, problem_responses
from sodo.services import recompute, records
from sodo.services.datasets import load_datasets

log = logging.getLogger("sodo.api")
router = APIRouter(prefix="/datasets", tags=["datasets"])
MAX_BATCH_BYTES = NDJSON_BATCH_BYTES  # the ceiling sodo.http.limits enforces while streaming
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl",
                "application/json-seq")


@router.post("/{dataset}/records", status_code=201,
             summary="Load a batch of records (NDJSON body, one JSON object per line)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/x-ndjson": {"schema": {"type": "string"}}}}},
             responses=problem_responses(401, 403, 404, 409, 413, 415, 422))
async def post_records(request: Request, actor: RequireUser, ctx: Ctx,
                       dataset: str = PathParam(max_length=64,
                                                pattern=r"^[A-Za-z0-9_.\-]+$")) -> Any:
    received_at = datetime.now(UTC)
    require(actor, Action.ADMIN)
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type not in NDJSON_TYPES:
        raise ProblemError(415, "send the records as NDJSON (Content-Type: "
                           "application/x-ndjson), one JSON object per line")
    if ctx.settings.root is None:
        raise ProblemError(409, "this server has no workspace, so no record store")
    declared = await run_in_threadpool(load_datasets, ctx.settings.programme_path())
    if dataset not in declared:
        raise ProblemError(404, f"unknown dataset '{dataset}' (declared: "
                           f"{', '.join(sorted(declared)) or 'none'})")
    declared_size = int(request.headers.get("content-length") or 0)
    if declared_size > MAX_BATCH_BYTES:
        raise ProblemError(413, f"batch larger than {MAX_BATCH_BYTES:,} bytes; split it")
    with tempfile.TemporaryDirectory(prefix="sodo-batch-") as tmp:
        path = Path(tmp) / f"{dataset}-api.ndjson"
        size = 0
        with path.open("wb") as out:
            try:
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > MAX_BATCH_BYTES:
                        raise ProblemError(413, f"batch larger than {MAX_BATCH_BYTES:,} "
                                           "bytes; split it")
                    out.write(chunk)
            except ClientDisconnect:
                # The client went away mid-upload: nothing was loaded; one line, no trace.
                log.warning("NDJSON batch for %s cut off by the client after %d bytes; "
                            "nothing loaded", dataset, size)
                return Response(status_code=400)
        if size == 0:
            raise ProblemError(422, "the batch is empty")
        batches = await run_in_threadpool(records.ingest, ctx, actor, dataset, [path],
                                          channel="api")
    # fresh without a manual step: the touched periods are recomputed in the background
    await run_in_threadpool(recompute.accepted, ctx, batches, "api", received_at)
    if ctx.settings.auto_recompute:
        recompute.start_background(ctx)
    first = batches[0].id if batches else None
    return {"dataset": dataset, "batch": first,
            "status": f"/api/v1/batches/{first}" if first is not None else None,
            "batches": [{**b.to_dict(), "status": f"/api/v1/batches/{b.id}"} for b in batches]}
