"""Examples: create (single, ``/examples/bulk``, multipart ``/v1/platform/datasets/{id}/examples``), list
(offset/limit, ``dataset``/``id``/``splits``/``metadata`` filters), read, update (JSON and multipart), delete.

Every write validates the whole batch first (body shape, then the dataset's data type) and then stores it in
one transaction, so a malformed example stores nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from ...service.store import Store
from .. import repo
from ..deps import get_store
from ..formats import check_example
from ..schemas import ExampleCreate, ExampleUpdate, LangSmithStoreError, not_found, now_iso
from .datasets import dataset_or_404, parse_json_object

router = APIRouter(tags=["examples"])

_MAX_PART_BYTES = 256 * 1024 * 1024
_MAX_FIELDS = 5_000_000
_MAX_ERRORS_SHOWN = 5
_creates = TypeAdapter(list[ExampleCreate])
_updates = TypeAdapter(list[ExampleUpdate])


def _check_types(store: Store, examples: Sequence[tuple[str, dict[str, Any] | None, dict[str, Any] | None]],
                 dataset_id: str) -> None:
    """422 naming every example (up to 5) whose inputs/outputs do not fit the dataset's data type."""
    dataset = dataset_or_404(store, dataset_id)
    problems = []
    for where, inputs, outputs in examples:
        try:
            check_example(dataset["data_type"], inputs or {}, outputs, where)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        more = f" (and {len(problems) - _MAX_ERRORS_SHOWN} more)" if len(problems) > _MAX_ERRORS_SHOWN else ""
        raise LangSmithStoreError(422, f"{len(problems)} example(s) do not fit {dataset['data_type']} dataset "
                                       f"{dataset['name']!r}, nothing was stored: "
                                       + " | ".join(problems[:_MAX_ERRORS_SHOWN]) + more)


def _create(store: Store, examples: list[ExampleCreate], dataset_id: str | None = None) -> list[dict[str, Any]]:
    batches: dict[str, list[ExampleCreate]] = {}
    for i, ex in enumerate(examples):
        ds = dataset_id or (str(ex.dataset_id) if ex.dataset_id else None)
        if ds is None:
            raise LangSmithStoreError(422, f"Example {i} has no dataset_id. Fix: give each example the dataset_id "
                                           "of the dataset it belongs to.")
        batches.setdefault(ds, []).append(ex)
    for ds, batch in batches.items():
        _check_types(store, [(f"example {i} ({ex.id or 'new'})", ex.inputs, ex.outputs)
                             for i, ex in enumerate(batch)], ds)
    return repo.add_examples(store, batches)


async def _multipart_rows(request: Request) -> list[dict[str, Any]]:
    """The SDK's multipart body → one dict per example: part ``{id}`` (JSON: metadata, split, created_at…),
    ``{id}.inputs``, ``{id}.outputs``, ``{id}.attachments_operations``; attachments are refused."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise LangSmithStoreError(422, "Expected a multipart/form-data body. Fix: send one part per example "
                                       "field ({id}, {id}.inputs, {id}.outputs), as langsmith.Client does.")
    form = await request.form(max_files=_MAX_FIELDS, max_fields=_MAX_FIELDS, max_part_size=_MAX_PART_BYTES)
    rows: dict[str, dict[str, Any]] = {}
    for name, value in form.multi_items():
        ex_id, _, field = name.partition(".")
        row = rows.setdefault(ex_id, {})
        if field.startswith("attachment") and field != "attachments_operations":
            raise LangSmithStoreError(422, f"Part {name!r}: the embedded store does not keep attachments, nothing "
                                           "was stored. Fix: put the data in the example's inputs.")
        if not isinstance(value, str):
            raise LangSmithStoreError(422, f"Part {name!r} is a file; expected a JSON value.")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise LangSmithStoreError(422, f"Part {name!r} is not valid JSON ({exc.msg}), nothing was "
                                           "stored.") from None
        if field == "":
            if not isinstance(parsed, dict):
                raise LangSmithStoreError(422, f"Part {name!r} must be a JSON object, got {type(parsed).__name__}.")
            row.update(parsed)
        elif field in ("inputs", "outputs", "attachments_operations"):
            row[field] = parsed
        else:
            raise LangSmithStoreError(422, f"Unknown part {name!r}. Fix: name parts {{id}}, {{id}}.inputs or "
                                           "{id}.outputs.")
        row["id"] = ex_id
    return list(rows.values())


def _validated(adapter: TypeAdapter, rows: list[dict[str, Any]]) -> list[Any]:
    try:
        return adapter.validate_python(rows)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


# -- create --------------------------------------------------------------------------------------------
@router.post("/examples")
def create_example(body: ExampleCreate, store: Store = Depends(get_store)) -> dict[str, Any]:
    return _create(store, [body])[0]


@router.post("/examples/bulk")
def create_examples_bulk(body: list[ExampleCreate], store: Store = Depends(get_store)) -> list[dict[str, Any]]:
    return _create(store, body)


@router.post("/v1/platform/datasets/{dataset_id}/examples")
async def create_examples_multipart(dataset_id: UUID, request: Request,
                                    store: Store = Depends(get_store)) -> dict[str, Any]:
    examples = _validated(_creates, await _multipart_rows(request))
    created = await run_in_threadpool(_create, store, examples, str(dataset_id))
    return {"example_ids": [e["id"] for e in created], "count": len(created), "as_of": now_iso()}


# -- read ----------------------------------------------------------------------------------------------
@router.get("/examples")
def list_examples(store: Store = Depends(get_store), dataset: UUID | None = None,
                  id: Annotated[list[UUID] | None, Query()] = None,
                  splits: Annotated[list[str] | None, Query()] = None, metadata: str | None = None,
                  filter: str | None = None, as_of: str | None = None,
                  offset: Annotated[int, Query(ge=0)] = 0,
                  limit: Annotated[int, Query(ge=1, le=100)] = 100) -> list[dict[str, Any]]:
    if filter:
        raise LangSmithStoreError(422, "The embedded store does not evaluate structured filters. Fix: filter with "
                                       "example_ids, splits or metadata, or filter the examples in Python.")
    if as_of not in (None, "latest"):
        raise LangSmithStoreError(422, f"as_of={as_of!r}: the embedded store keeps no dataset versions. Fix: "
                                       "leave as_of out to read the current examples.")
    if dataset is not None:
        dataset_or_404(store, dataset)
    return repo.list_examples(store, dataset_id=str(dataset) if dataset else None, ids=[str(i) for i in id or ()],
                              splits=splits or (), metadata=parse_json_object(metadata, "metadata"),
                              offset=offset, limit=limit)


@router.get("/examples/{example_id}")
def read_example(example_id: UUID, store: Store = Depends(get_store)) -> dict[str, Any]:
    example = repo.get_example(store, str(example_id))
    if example is None:
        raise not_found("Example", str(example_id), "check the id; list_examples(dataset_id=...) shows them.")
    return example


# -- update and delete ---------------------------------------------------------------------------------
def _update(store: Store, updates: list[ExampleUpdate], dataset_id: str | None) -> list[str]:
    pairs = []
    for upd in updates:
        current = repo.get_example(store, str(upd.id))
        if current is None or (dataset_id and current["dataset_id"] != dataset_id):
            raise not_found("Example", str(upd.id), "check the example id (and its dataset).")
        _check_types(store, [(f"example {upd.id}", upd.inputs if upd.inputs is not None else current["inputs"],
                              upd.outputs if upd.outputs is not None else current["outputs"])],
                     current["dataset_id"])
        pairs.append((str(upd.id), upd))
    return repo.update_examples(store, pairs, dataset_id)


@router.patch("/examples/{example_id}")
def update_example(example_id: UUID, body: ExampleUpdate, store: Store = Depends(get_store)) -> dict[str, Any]:
    _update(store, [body.model_copy(update={"id": example_id})], None)
    return repo.get_example(store, str(example_id))  # type: ignore[return-value]


@router.patch("/v1/platform/datasets/{dataset_id}/examples")
async def update_examples_multipart(dataset_id: UUID, request: Request,
                                    store: Store = Depends(get_store)) -> dict[str, Any]:
    updates = _validated(_updates, await _multipart_rows(request))
    ids = await run_in_threadpool(_update, store, updates, str(dataset_id))
    return {"example_ids": ids, "count": len(ids), "as_of": now_iso()}


@router.delete("/examples/{example_id}")
def delete_example(example_id: UUID, store: Store = Depends(get_store)) -> dict[str, Any]:
    if not repo.delete_example(store, str(example_id)):
        raise not_found("Example", str(example_id), "check the id; it may be deleted already.")
    return {"id": str(example_id), "deleted": True}


@router.delete("/examples")
def delete_examples(example_ids: Annotated[list[UUID], Query()],
                    store: Store = Depends(get_store)) -> dict[str, Any]:
    deleted = [str(i) for i in example_ids if repo.delete_example(store, str(i))]
    return {"example_ids": deleted, "count": len(deleted)}
