"""The job worker: a thread in the server that validates files, then runs each queued job in a child process.

The child process (``job.run_job``) does the training and writes events and results to the store; the
thread watches it, kills it when the job is cancelled or the server stops, and marks the job failed if the
child dies without saying why. State lives only in the store, so a restarted server picks up where it was:
jobs that were running are queued again.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
import time
from typing import Any

import orjson

from ..service.store import Store

log = logging.getLogger(__name__)

MIN_EXAMPLES = 10


def validate_training_file(path: str, *, param: str, min_examples: int) -> dict[str, Any] | None:
    """The job's ``error`` object when the file cannot be trained on, else None."""
    from ..pipeline.convert import check_record

    problems, n = [], 0
    with open(path, "rb") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            n += 1
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as e:
                problems.append(f"line {lineno}: not valid JSON ({e})")
                continue
            problems += [str(p) for p in check_record(record, f"line {lineno}") if p.severity == "error"]
            if len(problems) >= 5:
                break
    if problems:
        return {"code": "invalid_training_file", "param": param,
                "message": f"The {param.replace('_', ' ')} has invalid examples: " + "; ".join(problems[:5])}
    if n < min_examples:
        return {"code": "invalid_n_examples", "param": param,
                "message": f"The {param.replace('_', ' ')} has {n} example(s), but must have at least "
                           f"{min_examples} examples."}
    return None


class JobWorker:
    def __init__(self, store: Store, *, default_base_model: str, device: str = "auto",
                 min_examples: int = MIN_EXAMPLES) -> None:
        self.store = store
        self.default_base_model, self.device, self.min_examples = default_base_model, device, min_examples
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self._ctx = mp.get_context("spawn")

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> None:
        self.recover()
        self._thread = threading.Thread(target=self._loop, name="lsft-job-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        self._wake.set()

    def recover(self) -> None:
        """Jobs left running by a stopped server go back to the queue."""
        with self.store.connect() as conn:
            rows = conn.execute("SELECT id FROM jobs WHERE status = 'running'").fetchall()
        for (job_id,) in rows:
            if self.store.update_job(job_id, only_if_status={"running"}, status="queued"):
                self.store.add_event(job_id, "The server restarted while this job was running; the job is "
                                             "queued again and will restart from its first step")

    # -- the loop ---------------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self._validate_next() or self._run_next()
            except Exception:  # noqa: BLE001 - keep the worker alive; the job itself records failures
                log.exception("job worker step failed")
                busy = False
            if not busy:
                self._wake.wait(1.0)
                self._wake.clear()

    def _validate_next(self) -> bool:
        job = self.store.next_job("validating_files")
        if job is None:
            return False
        error = None
        for param in ("training_file", "validation_file"):
            file_id = job[param]
            f = self.store.get_file(file_id) if file_id else None
            if file_id and f is None:
                error = {"code": "invalid_file", "param": param, "message": f"File {file_id} no longer exists."}
            elif f is not None:
                minimum = self.min_examples if param == "training_file" else 1
                error = validate_training_file(f["path"], param=param, min_examples=minimum)
            if error:
                break
        if error:
            if self.store.update_job(job["id"], only_if_status={"validating_files"}, status="failed",
                                     error=error, finished_at=int(time.time())):
                self.store.add_event(job["id"], f"Fine-tuning job failed: {error['message']}", level="error")
        elif self.store.update_job(job["id"], only_if_status={"validating_files"}, status="queued"):
            self.store.add_event(job["id"], "Files validated, moving job to queued state")
        return True

    def _run_next(self) -> bool:
        job = self.store.next_job("queued")
        if job is None:
            return False
        if not self.store.update_job(job["id"], only_if_status={"queued"}, status="running"):
            return True
        self.store.add_event(job["id"], "Fine-tuning job started")
        from .job import run_job

        proc = self._ctx.Process(target=run_job, name=f"lsft-{job['id']}", daemon=True,
                                 args=(str(self.store.home), job["id"], self.default_base_model, self.device))
        proc.start()
        while proc.is_alive():
            proc.join(0.5)
            if self._stop.is_set():
                self._kill(proc)
                if self.store.update_job(job["id"], only_if_status={"running"}, status="queued"):
                    self.store.add_event(job["id"], "The server is stopping; the job is queued again")
                return True
            current = self.store.get_job(job["id"]) or {}
            if current.get("status") == "cancelled":
                self._kill(proc, grace=5)  # the child notices within a step; don't wait on a slow one
                return True
        # The child ends every job it ran with a terminal status; a job still "running" means it died.
        if proc.exitcode != 0:
            why = (f"The training process exited with code {proc.exitcode}; see "
                   f"{self.store.job_dir(job['id']) / 'train.log'}.")
        else:
            why = "The training process ended without a result."
        if self.store.update_job(job["id"], only_if_status={"running"}, status="failed", finished_at=int(time.time()),
                                 error={"code": "internal_error", "param": None, "message": why}):
            self.store.add_event(job["id"], f"Fine-tuning job failed: {why}", level="error")
        return True

    @staticmethod
    def _kill(proc: Any, grace: float = 0.0) -> None:
        if grace:
            proc.join(grace)
        if proc.is_alive():
            proc.terminate()
            proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()
