"""The embedded service's state: one SQLite database (WAL) and one files folder under ``LSFT_HOME``.

Every call opens its own short connection, so the store is safe to use from the server's threads and from
the training worker's child process at once. Migrations are numbered and append-only.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["Store", "new_id", "TERMINAL_STATUSES"]

TERMINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})

MIGRATIONS: list[str] = [
    # 1: files, fine-tuning jobs, their events and checkpoints, tuned models
    """
    CREATE TABLE files (
        id TEXT PRIMARY KEY, filename TEXT NOT NULL, purpose TEXT NOT NULL, bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'processed', path TEXT NOT NULL
    );
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, status TEXT NOT NULL, model TEXT NOT NULL,
        base_model TEXT, training_file TEXT NOT NULL, validation_file TEXT, hyperparameters TEXT NOT NULL,
        method TEXT NOT NULL, suffix TEXT, seed INTEGER NOT NULL, metadata TEXT, fine_tuned_model TEXT,
        finished_at INTEGER, trained_tokens INTEGER, result_files TEXT NOT NULL DEFAULT '[]',
        error TEXT, estimated_finish INTEGER
    );
    CREATE INDEX jobs_status ON jobs(status, created_at);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, job_id TEXT NOT NULL,
        created_at INTEGER NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL, type TEXT NOT NULL,
        data TEXT
    );
    CREATE INDEX events_job ON events(job_id, seq);
    CREATE TABLE checkpoints (
        id TEXT PRIMARY KEY, job_id TEXT NOT NULL, created_at INTEGER NOT NULL, step INTEGER NOT NULL,
        model TEXT NOT NULL, metrics TEXT NOT NULL, path TEXT NOT NULL
    );
    CREATE TABLE models (
        id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, owned_by TEXT NOT NULL, job_id TEXT,
        base_model TEXT NOT NULL, base_path TEXT NOT NULL, adapter_path TEXT NOT NULL
    );
    """,
    # 2: the embedded LangSmith-compatible dataset store (lsft_chain.langsmith_store): datasets, examples,
    # and a small key/value table (e.g. whether the example dataset was ever seeded). Times are ISO 8601.
    """
    CREATE TABLE ls_datasets (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT, data_type TEXT NOT NULL,
        created_at TEXT NOT NULL, modified_at TEXT NOT NULL, inputs_schema TEXT, outputs_schema TEXT,
        transformations TEXT, metadata TEXT
    );
    CREATE TABLE ls_examples (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, dataset_id TEXT NOT NULL,
        inputs TEXT NOT NULL, outputs TEXT, metadata TEXT, splits TEXT NOT NULL,
        source_run_id TEXT, created_at TEXT NOT NULL, modified_at TEXT NOT NULL
    );
    CREATE INDEX ls_examples_dataset ON ls_examples(dataset_id, seq);
    CREATE TABLE ls_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
]

_JSON_COLUMNS = {"hyperparameters", "method", "metadata", "result_files", "error", "data", "metrics"}


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(12)}"


def _row(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    out = dict(row)
    for k in _JSON_COLUMNS & out.keys():
        if out[k] is not None:
            out[k] = json.loads(out[k])
    return out


def _dump(v: Any) -> Any:
    return json.dumps(v) if isinstance(v, (dict, list)) else v


class Store:
    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.files_dir = self.home / "files"
        self.jobs_dir = self.home / "jobs"
        self.db_path = self.home / "lsft.sqlite3"
        self.home.mkdir(parents=True, exist_ok=True)
        self.files_dir.mkdir(exist_ok=True)
        self.jobs_dir.mkdir(exist_ok=True)
        self.migrate()

    # -- plumbing -------------------------------------------------------------------------------
    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA busy_timeout=30000")
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def migrate(self) -> None:
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                for i, script in enumerate(MIGRATIONS[version:], start=version + 1):
                    for stmt in filter(str.strip, script.split(";")):
                        conn.execute(stmt)
                    conn.execute(f"PRAGMA user_version={i}")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _insert(self, table: str, values: dict[str, Any], conn: sqlite3.Connection | None = None) -> None:
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
        args = [_dump(v) for v in values.values()]
        if conn is not None:
            conn.execute(sql, args)
        else:
            with self.connect() as c:
                c.execute(sql, args)

    def _get(self, table: str, id_: str) -> dict[str, Any] | None:
        with self.connect() as conn:
            return _row(conn.execute(f"SELECT * FROM {table} WHERE id = ?", (id_,)).fetchone())

    # -- files ----------------------------------------------------------------------------------
    def add_file(self, *, file_id: str, filename: str, purpose: str, nbytes: int, path: Path) -> dict[str, Any]:
        self._insert("files", {"id": file_id, "filename": filename, "purpose": purpose, "bytes": nbytes,
                               "created_at": int(time.time()), "path": str(path)})
        return self.get_file(file_id)  # type: ignore[return-value]

    def get_file(self, file_id: str) -> dict[str, Any] | None:
        return self._get("files", file_id)

    def list_files(self, *, purpose: str | None = None, limit: int = 10000, after: str | None = None,
                   order: str = "desc") -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM files WHERE 1=1", []
        if purpose:
            sql, args = sql + " AND purpose = ?", [*args, purpose]
        direction = "DESC" if order == "desc" else "ASC"
        if after:
            cmp = "<" if order == "desc" else ">"
            sql += f" AND rowid {cmp} (SELECT rowid FROM files WHERE id = ?)"
            args.append(after)
        sql += f" ORDER BY rowid {direction} LIMIT ?"
        with self.connect() as conn:
            return [_row(r) for r in conn.execute(sql, [*args, limit])]  # type: ignore[misc]

    def delete_file(self, file_id: str) -> bool:
        f = self.get_file(file_id)
        if f is None:
            return False
        with self.connect() as conn:
            conn.execute("DELETE FROM files WHERE id = ?", (file_id,))
        Path(f["path"]).unlink(missing_ok=True)
        return True

    # -- jobs -----------------------------------------------------------------------------------
    def add_job(self, job: dict[str, Any]) -> dict[str, Any]:
        self._insert("jobs", job)
        return self.get_job(job["id"])  # type: ignore[return-value]

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        return self._get("jobs", job_id)

    def list_jobs(self, *, limit: int = 20, after: str | None = None,
                  metadata: dict[str, str] | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM jobs WHERE 1=1", []
        if after:
            sql += " AND rowid < (SELECT rowid FROM jobs WHERE id = ?)"
            args.append(after)
        for k, v in (metadata or {}).items():
            sql += " AND json_extract(metadata, ?) = ?"
            args += [f"$.{k}", v]
        sql += " ORDER BY rowid DESC LIMIT ?"
        with self.connect() as conn:
            return [_row(r) for r in conn.execute(sql, [*args, limit])]  # type: ignore[misc]

    def update_job(self, job_id: str, *, only_if_status: set[str] | None = None, **fields: Any) -> bool:
        """Update a job; with ``only_if_status`` the update happens only from those statuses (atomically)."""
        sets = ", ".join(f"{k} = ?" for k in fields)
        sql = f"UPDATE jobs SET {sets} WHERE id = ?"
        args = [*(_dump(v) for v in fields.values()), job_id]
        if only_if_status:
            sql += f" AND status IN ({', '.join('?' for _ in only_if_status)})"
            args += sorted(only_if_status)
        with self.connect() as conn:
            return conn.execute(sql, args).rowcount == 1

    def next_job(self, status: str) -> dict[str, Any] | None:
        with self.connect() as conn:
            row = conn.execute("SELECT * FROM jobs WHERE status = ? ORDER BY created_at, rowid LIMIT 1",
                               (status,)).fetchone()
        return _row(row)

    def job_dir(self, job_id: str) -> Path:
        return self.jobs_dir / job_id

    # -- events ---------------------------------------------------------------------------------
    def add_event(self, job_id: str, message: str, *, level: str = "info", type: str = "message",
                  data: dict[str, Any] | None = None) -> dict[str, Any]:
        event = {"id": new_id("ftevent"), "job_id": job_id, "created_at": int(time.time()), "level": level,
                 "message": message, "type": type, "data": data}
        self._insert("events", event)
        return event

    def list_events(self, job_id: str, *, limit: int = 20, after: str | None = None) -> list[dict[str, Any]]:
        """Newest first; ``after`` is an event id, and the page holds the events older than it."""
        sql, args = "SELECT * FROM events WHERE job_id = ?", [job_id]
        if after:
            sql += " AND seq < (SELECT seq FROM events WHERE id = ?)"
            args.append(after)
        sql += " ORDER BY seq DESC LIMIT ?"
        with self.connect() as conn:
            return [_row(r) for r in conn.execute(sql, [*args, limit])]  # type: ignore[misc]

    # -- checkpoints and models -----------------------------------------------------------------
    def add_checkpoint(self, *, job_id: str, step: int, model: str, metrics: dict[str, Any], path: Path) -> None:
        self._insert("checkpoints", {"id": new_id("ftckpt"), "job_id": job_id, "created_at": int(time.time()),
                                     "step": step, "model": model, "metrics": metrics, "path": str(path)})

    def list_checkpoints(self, job_id: str, *, limit: int = 10, after: str | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM checkpoints WHERE job_id = ?", [job_id]
        if after:
            sql += " AND step < (SELECT step FROM checkpoints WHERE id = ?)"
            args.append(after)
        sql += " ORDER BY step DESC LIMIT ?"
        with self.connect() as conn:
            return [_row(r) for r in conn.execute(sql, [*args, limit])]  # type: ignore[misc]

    def add_model(self, *, model_id: str, job_id: str | None, base_model: str, base_path: Path,
                  adapter_path: Path, owned_by: str = "user-lsft") -> None:
        self._insert("models", {"id": model_id, "created_at": int(time.time()), "owned_by": owned_by,
                                "job_id": job_id, "base_model": base_model, "base_path": str(base_path),
                                "adapter_path": str(adapter_path)})

    def get_model(self, model_id: str) -> dict[str, Any] | None:
        return self._get("models", model_id)

    def list_models(self) -> list[dict[str, Any]]:
        with self.connect() as conn:
            return [_row(r) for r in conn.execute("SELECT * FROM models ORDER BY created_at")]  # type: ignore[misc]

    def delete_model(self, model_id: str) -> bool:
        with self.connect() as conn:
            return conn.execute("DELETE FROM models WHERE id = ?", (model_id,)).rowcount == 1
