"""Record batches posted as NDJSON, validated and applied all or nothing by the same intake
service as ``sodo records load``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam

from sodo.domain.permissions import Action, require
from sodo.http.deps import DB, RequireUser
from sodo.http.problems import ProblemError, problem_responses
from sodo.services import audit

router = APIRouter(prefix="/datasets", tags=["datasets"])
MAX_BATCH_BYTES = 64 * 1024 * 1024


@router.post("/{dataset}/records", status_code=201,
             summary="Load a batch of records (NDJSON body, one JSON object per line)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/x-ndjson": {"schema": {"type": "string"}}}}},
             responses=problem_responses(401, 403, 404, 409, 413, 415, 422))
async def post_records(request: Request, actor: RequireUser, db: DB,
                       dataset: str = PathParam(max_length=64,
                                                pattern=r"^[A-Za-z0-9_.\-]+$")) -> Any:
    require(actor, Action.ADMIN)
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type not in ("application/x-ndjson", "application/ndjson",
                            "application/jsonl", "application/json-seq"):
        raise ProblemError(415, "send the records as NDJSON (Content-Type: "
                           "application/x-ndjson), one JSON object per line")
    workspace = request.app.state.workspace
    if workspace is None:
        raise ProblemError(409, "this server has no workspace, so no record store")
    from sodo.services.intake import ingest_files
    from sodo.stores.records.base import open_record_store

    with tempfile.TemporaryDirectory(prefix="sodo-batch-") as tmp:
        path = Path(tmp) / f"{dataset}-api.ndjson"
        size = 0
        with path.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BATCH_BYTES:
                    raise ProblemError(413, f"batch larger than {MAX_BATCH_BYTES:,} bytes; "
                                       "split it")
                out.write(chunk)
        if size == 0:
            raise ProblemError(422, "the batch is empty")
        store = open_record_store(workspace)
        try:
            if dataset not in store.datasets:
                raise ProblemError(404, f"unknown dataset '{dataset}' (declared: "
                                   f"{', '.join(sorted(store.datasets)) or 'none'})")
            batches = ingest_files(store, dataset, [path])
        finally:
            store.close()
    result = [b.to_dict() for b in batches]
    audit.record(db, actor, "records.load", "dataset", dataset, None,
                 {"batches": result, "bytes": size})
    db.commit()
    return {"dataset": dataset, "batches": result}
