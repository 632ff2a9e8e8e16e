"""``/datasets``: create, list (filters, offset/limit), read, delete, and ``openai_ft`` (the JSONL export that
``LangSmithDatasetChatLoader`` reads)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from typing import IO, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from ...service.store import Store
from .. import repo
from ..deps import get_store
from ..formats import to_openai_record
from ..schemas import DatasetCreate, DataType, LangSmithStoreError, not_found

router = APIRouter(prefix="/datasets", tags=["datasets"])

_SPOOL_BYTES = 8 * 1024 * 1024
_FIX_ID = "check the id; list_datasets() shows what exists."


def parse_json_object(text: str | None, param: str) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LangSmithStoreError(422, f"{param} is not valid JSON ({exc.msg}). Fix: send a JSON object.") from None
    if not isinstance(value, dict):
        raise LangSmithStoreError(422, f"{param} must be a JSON object, got {type(value).__name__}.")
    return value


def dataset_or_404(store: Store, dataset_id: UUID | str) -> dict[str, Any]:
    dataset = repo.get_dataset(store, str(dataset_id))
    if dataset is None:
        raise not_found("Dataset", str(dataset_id), _FIX_ID)
    return dataset


@router.post("")
def create_dataset(body: DatasetCreate, store: Store = Depends(get_store)) -> dict[str, Any]:
    return repo.create_dataset(store, body)


@router.get("")
def list_datasets(store: Store = Depends(get_store),
                  id: Annotated[list[UUID] | None, Query()] = None,
                  data_type: DataType | None = None, name: str | None = None, name_contains: str | None = None,
                  metadata: str | None = None, offset: Annotated[int, Query(ge=0)] = 0,
                  limit: Annotated[int, Query(ge=1, le=100)] = 100) -> list[dict[str, Any]]:
    """Newest first. ``name`` matches exactly (no match: ``[]``, which the SDK's read_dataset turns into
    ``LangSmithNotFoundError``)."""
    return repo.list_datasets(store, ids=[str(i) for i in id or ()], data_type=data_type.value if data_type else None,
                              name=name, name_contains=name_contains,
                              metadata=parse_json_object(metadata, "metadata"), offset=offset, limit=limit)


@router.get("/{dataset_id}")
def read_dataset(dataset_id: UUID, store: Store = Depends(get_store)) -> dict[str, Any]:
    return dataset_or_404(store, dataset_id)


@router.delete("/{dataset_id}")
def delete_dataset(dataset_id: UUID, store: Store = Depends(get_store)) -> dict[str, Any]:
    dataset = dataset_or_404(store, dataset_id)
    repo.delete_dataset(store, str(dataset_id))
    return dataset


def _spool(store: Store, dataset: dict[str, Any]) -> IO[bytes]:
    """Convert every example to a JSONL line in a spooled temp file (memory-bounded); 422 on one that cannot be
    converted, before any byte is sent."""
    out = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)
    try:
        for example in repo.iter_dataset_examples(store, dataset["id"]):
            try:
                record = to_openai_record(dataset["data_type"], example)
            except ValueError as exc:
                raise LangSmithStoreError(422, f"Cannot export dataset {dataset['name']!r} for fine-tuning: {exc}. "
                                               "Fix: update or delete that example.") from None
            out.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
        if out.tell() == 0:
            raise LangSmithStoreError(422, f"Dataset {dataset['name']!r} has no examples to export. Fix: add "
                                           "examples with Client.create_examples(dataset_id=..., examples=[...]).")
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _chunks(f: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := f.read(1 << 16):
            yield chunk
    finally:
        f.close()


@router.get("/{dataset_id}/openai_ft")
def openai_ft(dataset_id: UUID, store: Store = Depends(get_store)) -> StreamingResponse:
    """JSONL, one ``{"messages": [OpenAI role dicts], ...}`` per example, in the dataset's order."""
    dataset = dataset_or_404(store, dataset_id)
    return StreamingResponse(_chunks(_spool(store, dataset)), media_type="application/x-ndjson")
