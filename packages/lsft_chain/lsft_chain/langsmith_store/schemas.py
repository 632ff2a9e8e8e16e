"""LangSmith wire shapes: the request bodies the ``langsmith`` SDK sends, and the error the store raises.

Bodies are validated here, before anything is stored, so a malformed example fails its whole batch with
422. Responses are plain dicts built in ``repo.py`` with the fields ``langsmith.schemas`` requires.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["LangSmithStoreError", "not_found", "DataType", "DatasetCreate", "ExampleCreate", "ExampleUpdate",
           "utc_iso", "now_iso", "splits_of"]

#: The split LangSmith gives an example created without one.
DEFAULT_SPLIT = "base"


class LangSmithStoreError(Exception):
    """Rendered as LangSmith renders errors, ``{"detail": "..."}``, so the SDK raises its own exception type
    (404 → ``LangSmithNotFoundError``, 409 → ``LangSmithConflictError``, 401 → ``LangSmithAuthError``,
    other 4xx → ``LangSmithError``)."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code, self.detail = status_code, detail


def not_found(kind: str, key: str, fix: str) -> LangSmithStoreError:
    return LangSmithStoreError(404, f"{kind} {key} not found. Fix: {fix}")


class DataType(str, Enum):
    kv = "kv"
    llm = "llm"
    chat = "chat"


def utc_iso(value: datetime | None = None) -> str:
    """ISO 8601 in UTC with an offset (``…+00:00``): sorts as text and parses back in the SDK."""
    value = value or datetime.now(timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def now_iso() -> str:
    return utc_iso()


def splits_of(split: str | list[str] | None, metadata: dict[str, Any] | None) -> list[str]:
    """An example's splits: the ``split`` field, else ``metadata['dataset_split']``, else ``['base']``."""
    if split is None and metadata:
        split = metadata.get("dataset_split")
    if split is None:
        return [DEFAULT_SPLIT]
    if isinstance(split, str):
        return [split]
    return [str(s) for s in split] or [DEFAULT_SPLIT]


class DatasetCreate(BaseModel):
    """``POST /datasets`` as ``Client.create_dataset`` sends it."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=1000)
    description: str | None = None
    data_type: DataType = DataType.kv
    inputs_schema_definition: dict[str, Any] | None = None
    outputs_schema_definition: dict[str, Any] | None = None
    transformations: list[dict[str, Any]] | None = None
    extra: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the dataset name is blank; give it a name")
        return v


class ExampleCreate(BaseModel):
    """One example of ``POST /examples``, ``/examples/bulk`` or the multipart upload (its parts reassembled)."""

    model_config = ConfigDict(extra="ignore")

    id: UUID | None = None
    dataset_id: UUID | None = None
    inputs: dict[str, Any]
    outputs: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    split: str | list[str] | None = None
    created_at: datetime | None = None
    source_run_id: UUID | None = None
    use_source_run_io: bool = False
    use_source_run_attachments: list[str] | None = None
    attachments: dict[str, Any] | None = None

    @field_validator("use_source_run_io")
    @classmethod
    def _no_runs(cls, v: bool) -> bool:
        if v:
            raise ValueError("the embedded store keeps no runs, so use_source_run_io is not supported; "
                             "pass the example's inputs and outputs instead")
        return v

    @field_validator("attachments")
    @classmethod
    def _no_attachments(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        if v:
            raise ValueError("the embedded store does not keep attachments; put the data in inputs instead")
        return None


class ExampleUpdate(BaseModel):
    """``PATCH /examples/{id}`` (or one example of the multipart PATCH): only the fields given change."""

    model_config = ConfigDict(extra="ignore")

    id: UUID | None = None
    dataset_id: UUID | None = None
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    split: str | list[str] | None = None
    attachments: dict[str, Any] | None = None
    attachments_operations: dict[str, Any] | None = None

    @field_validator("attachments", "attachments_operations")
    @classmethod
    def _no_attachments(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        if v and any(v.values()):
            raise ValueError("the embedded store does not keep attachments")
        return None
