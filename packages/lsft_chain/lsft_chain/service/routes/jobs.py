"""``/fine_tuning/jobs``: create, list, retrieve, cancel, events (newest first) and checkpoints."""

from __future__ import annotations

import random
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from ..deps import get_store
from ..schemas import (Hyperparameters, JobCreate, OpenAIError, checkpoint_public, event_public, job_public,
                       not_found, page)
from ..store import Store, new_id

router = APIRouter(prefix="/fine_tuning/jobs", tags=["fine-tuning"])


def _check_file(store: Store, file_id: str | None, param: str) -> None:
    if file_id is None:
        return
    f = store.get_file(file_id)
    if f is None:
        raise OpenAIError(400, f"File '{file_id}' does not exist. Upload it first with purpose 'fine-tune'.",
                          param=param, code="invalid_file")
    if f["purpose"] != "fine-tune":
        raise OpenAIError(400, f"File '{file_id}' has purpose '{f['purpose']}', not 'fine-tune'.",
                          param=param, code="invalid_file_purpose")


def _check_hyperparameters(hp: Hyperparameters) -> None:
    checks = [("n_epochs", hp.n_epochs, 1, 50), ("batch_size", hp.batch_size, 1, 256),
              ("learning_rate_multiplier", hp.learning_rate_multiplier, 1e-9, 10)]
    for name, value, lo, hi in checks:
        if value != "auto" and not lo <= value <= hi:
            raise OpenAIError(400, f"hyperparameters.{name} must be 'auto' or between {lo:g} and {hi:g}; "
                                   f"got {value}.", param=f"hyperparameters.{name}", code="invalid_hyperparameters")


@router.post("")
def create_job(body: JobCreate, request: Request, store: Store = Depends(get_store)) -> dict:
    method = body.method
    if method is not None and method.type != "supervised":
        raise OpenAIError(400, f"Fine-tuning method '{method.type}' is not supported by the embedded service; "
                               "use 'supervised'.", param="method.type", code="unsupported_method")
    hp = (method.supervised.hyperparameters if method and method.supervised else None) \
        or body.hyperparameters or Hyperparameters()
    _check_hyperparameters(hp)
    _check_file(store, body.training_file, "training_file")
    _check_file(store, body.validation_file, "validation_file")
    request.app.state.base_models.check(body.model)
    hyperparameters = hp.model_dump()
    job = store.add_job({
        "id": new_id("ftjob"), "created_at": int(time.time()), "status": "validating_files",
        "model": body.model, "training_file": body.training_file, "validation_file": body.validation_file,
        "hyperparameters": hyperparameters,
        "method": {"type": "supervised", "supervised": {"hyperparameters": hyperparameters}},
        "suffix": body.suffix, "seed": body.seed if body.seed is not None else random.randrange(2**31),
        "metadata": body.metadata,
    })
    store.add_event(job["id"], f"Validating training file: {body.training_file}"
                    + (f" and validation file: {body.validation_file}" if body.validation_file else ""))
    request.app.state.worker.wake()
    return job_public(job)


@router.get("")
def list_jobs(request: Request, store: Store = Depends(get_store),
              limit: Annotated[int, Query(ge=1, le=100)] = 20, after: str | None = None) -> dict:
    metadata = {k[len("metadata["):-1]: v for k, v in request.query_params.items()
                if k.startswith("metadata[") and k.endswith("]")}
    rows = store.list_jobs(limit=limit + 1, after=after, metadata=metadata)
    return page([job_public(j) for j in rows[:limit]], has_more=len(rows) > limit)


def _job_or_404(store: Store, job_id: str) -> dict:
    job = store.get_job(job_id)
    if job is None:
        raise not_found("fine-tuning job", job_id, param="fine_tuning_job_id")
    return job


@router.get("/{job_id}")
def retrieve_job(job_id: str, store: Store = Depends(get_store)) -> dict:
    return job_public(_job_or_404(store, job_id))


@router.post("/{job_id}/cancel")
def cancel_job(job_id: str, request: Request, store: Store = Depends(get_store)) -> dict:
    job = _job_or_404(store, job_id)
    live = {"validating_files", "queued", "running", "pausing", "paused"}
    if not store.update_job(job_id, only_if_status=live, status="cancelled", finished_at=int(time.time())):
        raise OpenAIError(400, f"Job {job_id} has already {job['status']} and cannot be cancelled.",
                          param="fine_tuning_job_id", code="job_not_cancellable")
    store.add_event(job_id, "Job cancelled by request")
    request.app.state.worker.wake()
    return job_public(_job_or_404(store, job_id))


@router.get("/{job_id}/events")
def list_events(job_id: str, store: Store = Depends(get_store),
                limit: Annotated[int, Query(ge=1, le=1000)] = 20, after: str | None = None) -> dict:
    _job_or_404(store, job_id)
    rows = store.list_events(job_id, limit=limit + 1, after=after)
    return page([event_public(e) for e in rows[:limit]], has_more=len(rows) > limit)


@router.get("/{job_id}/checkpoints")
def list_checkpoints(job_id: str, store: Store = Depends(get_store),
                     limit: Annotated[int, Query(ge=1, le=100)] = 10, after: str | None = None) -> dict:
    _job_or_404(store, job_id)
    rows = store.list_checkpoints(job_id, limit=limit + 1, after=after)
    return page([checkpoint_public(c) for c in rows[:limit]], has_more=len(rows) > limit)

