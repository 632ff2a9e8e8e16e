"""``/models``: base models (the default, its OpenAI aliases) and tuned models."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from ..deps import get_store
from ..schemas import OpenAIError, not_found, page
from ..store import Store

router = APIRouter(prefix="/models", tags=["models"])


@router.get("")
def list_models(request: Request) -> dict:
    return page(request.app.state.base_models.list_public())


@router.get("/{model_id:path}")
def retrieve_model(model_id: str, request: Request) -> dict:
    for m in request.app.state.base_models.list_public():
        if m["id"] == model_id:
            return m
    raise not_found("model", model_id, param="model")


@router.delete("/{model_id:path}")
def delete_model(model_id: str, store: Store = Depends(get_store)) -> dict:
    if store.get_model(model_id) is None:
        if model_id.startswith("ft:"):
            raise not_found("model", model_id, param="model")
        raise OpenAIError(400, f"Only fine-tuned models can be deleted; '{model_id}' is a base model.",
                          param="model", code="model_not_deletable")
    store.delete_model(model_id)
    return {"id": model_id, "object": "model", "deleted": True}

