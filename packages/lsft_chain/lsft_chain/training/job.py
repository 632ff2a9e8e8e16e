"""Run one fine-tuning job to its end. Runs in the worker's child process; talks only to the store."""

from __future__ import annotations

import math
import os
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import orjson

from ..errors import DataError, SourceNotFoundError
from ..service.store import Store, new_id

BASE_LEARNING_RATE = 2e-4


def resolve_hyperparameters(hp: dict[str, Any], n_examples: int) -> dict[str, Any]:
    """OpenAI's 'auto' rules: epochs 3, raised toward 100 example-epochs (max 25), lowered toward 25,000."""
    n_epochs = hp.get("n_epochs", "auto")
    if n_epochs == "auto":
        n_epochs = 3
        if n_examples * n_epochs < 100:
            n_epochs = min(25, math.ceil(100 / max(n_examples, 1)))
        elif n_examples * n_epochs > 25_000:
            n_epochs = max(1, 25_000 // n_examples)
    batch_size = hp.get("batch_size", "auto")
    if batch_size == "auto":
        batch_size = max(1, min(256, math.ceil(0.002 * n_examples)))
    lr_mult = hp.get("learning_rate_multiplier", "auto")
    if lr_mult == "auto":
        lr_mult = 1.0
    return {"n_epochs": int(n_epochs), "batch_size": int(batch_size), "learning_rate_multiplier": float(lr_mult)}


def read_records(path: str | Path):
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                yield orjson.loads(line)


def tuned_model_id(base: str, suffix: str | None, job_id: str) -> str:
    base = base.replace(":", "-").split("/")[-1]
    return f"ft:{base}:lsft:{suffix or ''}:{job_id.removeprefix('ftjob-')[:8]}"


class JobRun:
    def __init__(self, store: Store, job_id: str, *, default_base_model: str, device: str) -> None:
        self.store, self.job_id = store, job_id
        self.default_base_model, self.device = default_base_model, device
        self._last_check, self._cancelled = 0.0, False

    def event(self, message: str, *, level: str = "info", type: str = "message", data: dict | None = None) -> None:
        self.store.add_event(self.job_id, message, level=level, type=type, data=data)

    def cancelled(self) -> bool:
        now = time.monotonic()
        if not self._cancelled and now - self._last_check > 0.5:
            self._last_check = now
            self._cancelled = (self.store.get_job(self.job_id) or {}).get("status") == "cancelled"
        return self._cancelled

    def fail(self, code: str, message: str, param: str | None = None) -> None:
        if self.store.update_job(self.job_id, only_if_status={"running"}, status="failed",
                                 finished_at=int(time.time()),
                                 error={"code": code, "message": message, "param": param}):
            self.event(f"Fine-tuning job failed: {message}", level="error")

    def run(self) -> None:
        from .base_models import resolve_base_model
        from .lora import TrainingCancelled, TrainingConfig, train_lora

        job = self.store.get_job(self.job_id)
        assert job is not None
        job_dir = self.store.job_dir(self.job_id)
        try:
            resolved = resolve_base_model(job["model"], home=self.store.home, default=self.default_base_model)
            via = " (an alias: the embedded service trains its configured base model)" if resolved.aliased else ""
            self.event(f"Base model: requested '{job['model']}', training '{resolved.name}'{via}",
                       data={"requested_model": job["model"], "trained_model": resolved.name,
                             "path": str(resolved.path)})
            self.store.update_job(self.job_id, base_model=resolved.name)
            train_file = self.store.get_file(job["training_file"])
            valid_file = self.store.get_file(job["validation_file"]) if job["validation_file"] else None
            n_examples = sum(1 for _ in read_records(train_file["path"]))
            hp = resolve_hyperparameters(job["hyperparameters"], n_examples)
            self.store.update_job(self.job_id, hyperparameters=hp,
                                  method={"type": "supervised", "supervised": {"hyperparameters": hp}})
            config = TrainingConfig(
                base_model_path=resolved.path, output_dir=job_dir, n_epochs=hp["n_epochs"],
                batch_size=hp["batch_size"], learning_rate=BASE_LEARNING_RATE * hp["learning_rate_multiplier"],
                seed=job["seed"], device=self.device)
            model_id = tuned_model_id(resolved.name, job["suffix"], self.job_id)
            result = train_lora(
                config, read_records(train_file["path"]),
                read_records(valid_file["path"]) if valid_file else None,
                on_event=lambda e: self.on_train_event(e, model_id, resolved), should_stop=self.cancelled)
        except TrainingCancelled:
            self.event("Training stopped: the job was cancelled")
            return
        except DataError as e:
            self.fail("invalid_training_file", str(e), "training_file")
            return
        except SourceNotFoundError as e:
            self.fail("model_not_available", str(e), "model")
            return
        except Exception as e:  # noqa: BLE001 - the job records the failure; the log keeps the trace
            traceback.print_exc()
            self.fail("internal_error", f"{type(e).__name__}: {e}. The job's log is {job_dir / 'train.log'}.")
            return
        self.finish(job, result, model_id, resolved)

    def on_train_event(self, e: dict[str, Any], model_id: str, resolved: Any) -> None:
        kind = e.get("type")
        if kind == "metrics":
            data = {k: v for k, v in e.items() if k != "type"}
            msg = f"Step {e['step']}/{e['total_steps']}: training loss={e['train_loss']:.4f}"
            if e.get("valid_loss") is not None:
                msg += f", validation loss={e['valid_loss']:.4f}"
            self.event(msg, type="metrics", data=data)
        elif kind == "checkpoint":
            ckpt_model = f"{model_id}:ckpt-step-{e['step']}"
            self.store.add_checkpoint(job_id=self.job_id, step=e["step"], model=ckpt_model,
                                      metrics=e.get("metrics") or {}, path=Path(e["path"]))
            self.store.add_model(model_id=ckpt_model, job_id=self.job_id, base_model=resolved.name,
                                 base_path=resolved.path, adapter_path=Path(e["path"]))
            self.event(f"Checkpoint created at step {e['step']}: {ckpt_model}")
        else:
            self.event(e.get("message", ""), level=e.get("level", "info"))

    def finish(self, job: dict[str, Any], result: Any, model_id: str, resolved: Any) -> None:
        file_id = new_id("file")
        dest = self.store.files_dir / file_id
        shutil.copyfile(result.metrics_csv, dest)
        self.store.add_file(file_id=file_id, filename="step_metrics.csv", purpose="fine-tune-results",
                            nbytes=dest.stat().st_size, path=dest)
        self.store.add_model(model_id=model_id, job_id=self.job_id, base_model=resolved.name,
                             base_path=resolved.path, adapter_path=Path(result.adapter_dir))
        self.store.add_checkpoint(job_id=self.job_id, step=result.steps, model=model_id,
                                  metrics={"step": result.steps, "train_loss": result.final_train_loss,
                                           "valid_loss": result.final_valid_loss},
                                  path=Path(result.adapter_dir))
        self.event(f"New fine-tuned model created: {model_id}")
        if self.store.update_job(self.job_id, only_if_status={"running"}, status="succeeded",
                                 fine_tuned_model=model_id, trained_tokens=result.trained_tokens,
                                 finished_at=int(time.time()), result_files=[file_id]):
            self.event("The job has successfully completed")
        else:  # cancelled while saving: the model stays listed but the job keeps its terminal status
            self.store.delete_model(model_id)


def run_job(home: str, job_id: str, default_base_model: str, device: str) -> None:
    """Child-process entry point: logs go to the job's folder."""
    store = Store(Path(home))
    job_dir = store.job_dir(job_id)
    job_dir.mkdir(parents=True, exist_ok=True)
    log = open(job_dir / "train.log", "a", buffering=1)
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    sys.stdout = sys.stderr = log
    JobRun(store, job_id, default_base_model=default_base_model, device=device).run()
