"""Data access for the LangSmith store: datasets, examples and a key/value meta table in the service's SQLite.

Every function takes the service's ``Store`` (migration 2 made the tables) and returns public dicts in
LangSmith's shapes. A batch of examples is written in one transaction: all of it, or nothing.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..service.store import Store
from .schemas import DatasetCreate, ExampleCreate, ExampleUpdate, LangSmithStoreError, now_iso, splits_of, utc_iso

__all__ = ["TENANT_ID", "insert_dataset", "insert_examples", "create_dataset", "get_dataset", "list_datasets",
           "delete_dataset", "add_examples", "get_example", "list_examples", "iter_dataset_examples",
           "update_examples", "delete_example", "get_meta", "set_meta"]

#: The one tenant of an embedded store (the SDK reads it from ``GET /sessions`` to build URLs).
TENANT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "lsft:langsmith-store"))

_DATASET_SELECT = ("SELECT d.*, (SELECT COUNT(*) FROM ls_examples e WHERE e.dataset_id = d.id) AS example_count "
                   "FROM ls_datasets d")


def _metadata_filter(column: str, metadata: dict[str, Any] | None) -> tuple[str, list[Any]]:
    """SQL (and its arguments) keeping rows whose JSON ``column`` has every key/value of ``metadata``."""
    sql, args = "", []
    for k, v in (metadata or {}).items():
        sql += f" AND json_extract({column}, ?) = ?"
        args += [f'$."{k}"', v if isinstance(v, (str, int, float)) else json.dumps(v)]
    return sql, args


def _loads(v: str | None) -> Any:
    return None if v is None else json.loads(v)


def _dumps(v: Any) -> str | None:
    return None if v is None else json.dumps(v, ensure_ascii=False)


def _dataset_public(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "description": row["description"],
            "data_type": row["data_type"], "created_at": row["created_at"], "modified_at": row["modified_at"],
            "example_count": row["example_count"], "session_count": 0, "last_session_start_time": None,
            "inputs_schema_definition": _loads(row["inputs_schema"]),
            "outputs_schema_definition": _loads(row["outputs_schema"]),
            "transformations": _loads(row["transformations"]), "metadata": _loads(row["metadata"]),
            "tenant_id": TENANT_ID}


def _public_from_values(v: Mapping[str, Any]) -> dict[str, Any]:
    """An example in LangSmith's shape; its splits show as ``metadata['dataset_split']``, as LangSmith does."""
    return {"id": v["id"], "dataset_id": v["dataset_id"], "inputs": v["inputs"], "outputs": v["outputs"],
            "metadata": {**(v["metadata"] or {}), "dataset_split": v["splits"]}, "created_at": v["created_at"],
            "modified_at": v["modified_at"], "source_run_id": v["source_run_id"], "attachment_urls": None}


def _example_public(row: sqlite3.Row) -> dict[str, Any]:
    return _public_from_values({**dict(row), **{k: _loads(row[k]) for k in ("inputs", "outputs", "metadata",
                                                                            "splits")}})


# -- datasets ------------------------------------------------------------------------------------------
def insert_dataset(conn: sqlite3.Connection, body: DatasetCreate) -> str:
    """Insert inside the caller's transaction; 409 on a duplicate name."""
    now = now_iso()
    dataset_id = str(uuid.uuid4())
    metadata = body.metadata if body.metadata is not None else (body.extra or {}).get("metadata")
    try:
        conn.execute(
            "INSERT INTO ls_datasets (id, name, description, data_type, created_at, modified_at, "
            "inputs_schema, outputs_schema, transformations, metadata) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (dataset_id, body.name, body.description, body.data_type.value, now, now,
             _dumps(body.inputs_schema_definition), _dumps(body.outputs_schema_definition),
             _dumps(body.transformations), _dumps(metadata)))
    except sqlite3.IntegrityError:
        raise LangSmithStoreError(409, f"Dataset {body.name!r} already exists. Fix: pick another name, or "
                                       "read the existing one with read_dataset(dataset_name=...).") from None
    return dataset_id


def create_dataset(store: Store, body: DatasetCreate) -> dict[str, Any]:
    with store.transaction() as conn:
        dataset_id = insert_dataset(conn, body)
    return get_dataset(store, dataset_id)  # type: ignore[return-value]


def get_dataset(store: Store, dataset_id: str) -> dict[str, Any] | None:
    with store.connect() as conn:
        row = conn.execute(f"{_DATASET_SELECT} WHERE d.id = ?", (dataset_id,)).fetchone()
    return _dataset_public(row) if row else None


def list_datasets(store: Store, *, ids: Sequence[str] = (), data_type: str | None = None, name: str | None = None,
                  name_contains: str | None = None, metadata: dict[str, Any] | None = None, offset: int = 0,
                  limit: int = 100) -> list[dict[str, Any]]:
    sql, args = f"{_DATASET_SELECT} WHERE 1=1", []
    if ids:
        sql += f" AND d.id IN ({','.join('?' for _ in ids)})"
        args += list(ids)
    if data_type:
        sql, args = sql + " AND d.data_type = ?", [*args, data_type]
    if name is not None:
        sql, args = sql + " AND d.name = ?", [*args, name]
    if name_contains:
        sql, args = sql + " AND instr(lower(d.name), lower(?)) > 0", [*args, name_contains]
    more_sql, more_args = _metadata_filter("d.metadata", metadata)
    sql, args = sql + more_sql, args + more_args
    sql += " ORDER BY d.rowid DESC LIMIT ? OFFSET ?"
    with store.connect() as conn:
        return [_dataset_public(r) for r in conn.execute(sql, [*args, limit, offset])]


def delete_dataset(store: Store, dataset_id: str) -> bool:
    """Delete a dataset and its examples (one transaction)."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM ls_examples WHERE dataset_id = ?", (dataset_id,))
        return conn.execute("DELETE FROM ls_datasets WHERE id = ?", (dataset_id,)).rowcount == 1


# -- examples ------------------------------------------------------------------------------------------
def insert_examples(conn: sqlite3.Connection, dataset_id: str,
                    examples: Sequence[ExampleCreate]) -> list[dict[str, Any]]:
    """Insert a batch inside the caller's transaction; returns the stored examples (public shape) in order.
    404 if the dataset does not exist, 409 on an example id that is taken (the caller's rollback then stores
    nothing)."""
    now = now_iso()
    rows: list[dict[str, Any]] = []
    for ex in examples:
        metadata = {k: v for k, v in (ex.metadata or {}).items() if k != "dataset_split"} or None
        rows.append({"id": str(ex.id or uuid.uuid4()), "dataset_id": dataset_id, "inputs": ex.inputs,
                     "outputs": ex.outputs, "metadata": metadata, "splits": splits_of(ex.split, ex.metadata),
                     "source_run_id": str(ex.source_run_id) if ex.source_run_id else None,
                     "created_at": utc_iso(ex.created_at) if ex.created_at else now, "modified_at": now})
    if len({r["id"] for r in rows}) != len(rows):
        raise LangSmithStoreError(409, "The batch holds the same example id twice. Fix: give each example its "
                                       "own id, or leave ids out and let the store assign them.")
    if conn.execute("SELECT 1 FROM ls_datasets WHERE id = ?", (dataset_id,)).fetchone() is None:
        raise LangSmithStoreError(404, f"Dataset {dataset_id} not found. Fix: create it first with "
                                       "create_dataset, or check the id.")
    try:
        conn.executemany(
            "INSERT INTO ls_examples (id, dataset_id, inputs, outputs, metadata, splits, source_run_id, "
            "created_at, modified_at) VALUES (?,?,?,?,?,?,?,?,?)",
            [(r["id"], dataset_id, _dumps(r["inputs"]), _dumps(r["outputs"]), _dumps(r["metadata"]),
              _dumps(r["splits"]), r["source_run_id"], r["created_at"], now) for r in rows])
    except sqlite3.IntegrityError:
        raise LangSmithStoreError(409, "An example with one of these ids already exists; nothing was stored. "
                                       "Fix: leave ids out, or change the existing example with "
                                       "update_example.") from None
    conn.execute("UPDATE ls_datasets SET modified_at = ? WHERE id = ?", (now, dataset_id))
    return [_public_from_values(r) for r in rows]


def add_examples(store: Store, batches: Mapping[str, Sequence[ExampleCreate]]) -> list[dict[str, Any]]:
    """Insert examples (``{dataset_id: [example, ...]}``) in one transaction: all of them, or nothing."""
    out: list[dict[str, Any]] = []
    with store.transaction() as conn:
        for dataset_id, examples in batches.items():
            out += insert_examples(conn, dataset_id, examples)
    return out


def get_example(store: Store, example_id: str) -> dict[str, Any] | None:
    with store.connect() as conn:
        row = conn.execute("SELECT * FROM ls_examples WHERE id = ?", (example_id,)).fetchone()
    return _example_public(row) if row else None


def list_examples(store: Store, *, dataset_id: str | None = None, ids: Sequence[str] = (),
                  splits: Sequence[str] = (), metadata: dict[str, Any] | None = None, offset: int = 0,
                  limit: int = 100) -> list[dict[str, Any]]:
    """One page, in insertion order; served from the (dataset_id, seq) index with LIMIT/OFFSET."""
    sql, args = "SELECT * FROM ls_examples WHERE 1=1", []
    if dataset_id is not None:
        sql, args = sql + " AND dataset_id = ?", [*args, dataset_id]
    if ids:
        sql += f" AND id IN ({','.join('?' for _ in ids)})"
        args += list(ids)
    if splits:
        sql += f" AND EXISTS (SELECT 1 FROM json_each(splits) WHERE value IN ({','.join('?' for _ in splits)}))"
        args += list(splits)
    more_sql, more_args = _metadata_filter("metadata", metadata)
    sql, args = sql + more_sql, args + more_args
    sql += " ORDER BY seq LIMIT ? OFFSET ?"
    with store.connect() as conn:
        return [_example_public(r) for r in conn.execute(sql, [*args, limit, offset])]


def iter_dataset_examples(store: Store, dataset_id: str, *, page: int = 500) -> Iterator[dict[str, Any]]:
    """Every example of a dataset, in order, ``page`` rows per query (keyset paging: memory stays flat)."""
    last = 0
    while True:
        with store.connect() as conn:
            rows = conn.execute("SELECT * FROM ls_examples WHERE dataset_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                                (dataset_id, last, page)).fetchall()
        for r in rows:
            yield _example_public(r)
        if len(rows) < page:
            return
        last = rows[-1]["seq"]


def update_examples(store: Store, updates: Sequence[tuple[str, ExampleUpdate]],
                    dataset_id: str | None = None) -> list[str]:
    """Apply partial updates atomically; 404 (and nothing changed) if any example is unknown."""
    now = now_iso()
    with store.transaction() as conn:
        for ex_id, upd in updates:
            row = conn.execute("SELECT * FROM ls_examples WHERE id = ?", (ex_id,)).fetchone()
            if row is None or (dataset_id is not None and row["dataset_id"] != dataset_id):
                raise LangSmithStoreError(404, f"Example {ex_id} not found" + (
                    f" in dataset {dataset_id}" if dataset_id else "") + ". Fix: check the example id.")
            sets: dict[str, Any] = {"modified_at": now}
            if upd.inputs is not None:
                sets["inputs"] = _dumps(upd.inputs)
            if upd.outputs is not None:
                sets["outputs"] = _dumps(upd.outputs)
            if upd.metadata is not None:
                sets["metadata"] = _dumps({k: v for k, v in upd.metadata.items() if k != "dataset_split"} or None)
            if upd.split is not None or (upd.metadata and "dataset_split" in upd.metadata):
                sets["splits"] = _dumps(splits_of(upd.split, upd.metadata))
            conn.execute(f"UPDATE ls_examples SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?",
                         [*sets.values(), ex_id])
            conn.execute("UPDATE ls_datasets SET modified_at = ? WHERE id = ?", (now, row["dataset_id"]))
    return [ex_id for ex_id, _ in updates]


def delete_example(store: Store, example_id: str) -> bool:
    with store.transaction() as conn:
        row = conn.execute("SELECT dataset_id FROM ls_examples WHERE id = ?", (example_id,)).fetchone()
        if row is None:
            return False
        conn.execute("DELETE FROM ls_examples WHERE id = ?", (example_id,))
        conn.execute("UPDATE ls_datasets SET modified_at = ? WHERE id = ?", (now_iso(), row["dataset_id"]))
    return True


# -- meta ----------------------------------------------------------------------------------------------
def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM ls_meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO ls_meta (key, value) VALUES (?, ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
