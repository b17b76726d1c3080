"""Where an accepted record batch stands: validated → computing → computed (or failed), with
the time of each step (the link the records endpoint answers with)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from sodo.http.deps import Ctx, RequireUser
from sodo.http.problems import ProblemError, problem_responses
from sodo.services import recompute

router = APIRouter(prefix="/batches", tags=["datasets"])


@router.get("/{batch_id}", summary="The status of a record batch and its recompute",
            responses=problem_responses(401, 404))
async def batch_status(batch_id: int, actor: RequireUser, ctx: Ctx) -> Any:
    del actor  # any signed-in user may follow a batch
    found = await run_in_threadpool(recompute.status, ctx, batch_id)
    if found is None:
        raise ProblemError(404, f"no batch {batch_id}")
    return found
