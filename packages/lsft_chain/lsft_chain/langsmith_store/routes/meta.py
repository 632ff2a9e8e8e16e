"""``/info`` (which create_examples path the SDK takes) and ``/sessions`` (the SDK's tenant lookup)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ..deps import require_api_key
from ..repo import TENANT_ID

router = APIRouter(tags=["meta"])

#: The one tracer session (project) the store reports; it holds no runs.
_SESSION_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "lsft:langsmith-store:default-project"))
_STARTED = "2024-01-01T00:00:00+00:00"


@router.get("/info")
def info(request: Request) -> dict[str, Any]:
    return request.app.state.info


@router.get("/sessions", dependencies=[Depends(require_api_key)])
def sessions(limit: int = Query(100, ge=1, le=100), offset: int = Query(0, ge=0)) -> list[dict[str, Any]]:
    """A single empty project: the SDK reads ``tenant_id`` from the first one (``GET /sessions?limit=1``)."""
    project = {"id": _SESSION_ID, "name": "default", "tenant_id": TENANT_ID, "reference_dataset_id": None,
               "start_time": _STARTED, "end_time": None, "description": "The embedded store keeps no runs.",
               "extra": None, "run_count": 0}
    return [project][offset:offset + limit]
