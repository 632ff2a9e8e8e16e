"""wait: a RunnableLambda over a generator that polls a job until it ends, streaming its events.

``wait.stream({"job_id": ...})`` yields a ``JobUpdate`` for each new job event and status change, oldest
first, then one ``FineTuneSummary``; ``wait.invoke`` returns that summary. Any status other than
succeeded, failed and cancelled (``paused``, Azure's ``pending``, ones not invented yet) means keep waiting.
On timeout the summary has ``timed_out=True`` and the job id: ``wait.invoke({"job_id": ...})`` resumes.
A failed job raises ``FineTuneJobFailed`` with the job's error code, message and param; a cancelled one
raises ``FineTuneJobCancelled``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import openai
from langchain_core.runnables import RunnableConfig, RunnableLambda
from pydantic import BaseModel, Field

from ..errors import FineTuneJobCancelled, FineTuneJobFailed, ProviderError
from ..providers import Provider
from ._provider import call, dump, provider_from

TERMINAL = {"succeeded", "failed", "cancelled"}
MAX_POLL_FAILURES = 8


class WaitRequest(BaseModel):
    job_id: str
    poll_interval_s: float = Field(default=5.0, gt=0, description="Longest pause between polls.")
    timeout_s: float | None = Field(default=None, gt=0, description="Stop waiting after this long; None = no limit.")
    data: dict[str, Any] | None = Field(default=None, description="The convert stage's report, passed through.")


class JobUpdate(BaseModel):
    """One thing that happened to the job: an event it logged, or a status change seen by polling."""

    kind: Literal["event", "status"]
    job_id: str
    status: str
    message: str
    level: str = "info"
    type: str = "message"
    created_at: int | None = None
    data: dict[str, Any] | None = None


class FineTuneSummary(BaseModel):
    """The pipeline's one output. ``data`` is the convert stage's report (``ConversionReport``'s fields).
    A ``dry_run`` gives ``status="dry_run"``, ``job_id=""`` and only ``model`` and ``data`` set."""

    kind: Literal["summary"] = "summary"
    job_id: str
    status: str
    model: str | None = None
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    training_file: str | None = None
    validation_file: str | None = None
    result_files: list[str] = Field(default_factory=list)
    final_metrics: dict[str, Any] = Field(default_factory=dict)
    timed_out: bool = False
    resume: dict[str, str] | None = Field(default=None, description="Pass this to wait (or /finetune) to resume.")
    provider: str | None = None
    base_url: str | None = None
    data: dict[str, Any] | None = None


def _new_events(provider: Provider, job_id: str, last_seen: str | None) -> list[Any]:
    """Events newer than ``last_seen``, oldest first (the API lists newest first, ``after`` pages older)."""
    out: list[Any] = []
    after: str | None = None
    while True:
        kwargs: dict[str, Any] = {"limit": 100}
        if after:
            kwargs["after"] = after
        page = provider.client.fine_tuning.jobs.list_events(job_id, **kwargs)
        for ev in page.data:
            if ev.id == last_seen:
                return out[::-1]
            out.append(ev)
        if not page.has_more or not page.data:
            return out[::-1]
        after = page.data[-1].id


def _final_metrics(provider: Provider, job: Any, last_metrics: dict[str, Any]) -> dict[str, Any]:
    if last_metrics or not job.result_files:
        return last_metrics
    try:  # OpenAI's result file: CSV step,train_loss,...; parse by header
        text = provider.client.files.content(job.result_files[0]).text
        rows = list(csv.DictReader(io.StringIO(text)))
    except (openai.OpenAIError, ValueError):
        return {}
    if not rows:
        return {}
    return {k: (float(v) if v not in ("", None) else None) for k, v in rows[-1].items() if k}


def _summary(provider: Provider, job: Any, req: WaitRequest, metrics: dict[str, Any], timed_out: bool) -> FineTuneSummary:
    return FineTuneSummary(
        job_id=job.id, status=job.status, model=job.model, fine_tuned_model=job.fine_tuned_model,
        trained_tokens=job.trained_tokens, training_file=job.training_file, validation_file=job.validation_file,
        result_files=list(job.result_files or []),
        final_metrics={} if timed_out else _final_metrics(provider, job, metrics),
        timed_out=timed_out, resume={"job_id": job.id} if timed_out else None,
        provider=provider.name, base_url=provider.base_url, data=req.data)


def _poll(provider: Provider, what: str, fn: Any, failures: list[int]) -> Any:
    """One poll; a dropped connection or 5xx/429 is retried on the next poll, up to MAX_POLL_FAILURES in a row."""
    try:
        result = call(provider, what, fn)
    except ProviderError as e:
        transient = e.status_code is None or e.status_code >= 500 or e.status_code == 429
        failures[0] += 1
        if not transient or failures[0] >= MAX_POLL_FAILURES:
            raise
        return None
    failures[0] = 0
    return result


class _Waiter:
    """The polling state of one wait. ``step()`` polls once (blocking) and returns what to yield, and the
    pause before the next poll, or None when the wait is over; the sync and async generators share it."""

    def __init__(self, request: WaitRequest | dict[str, Any] | str, config: RunnableConfig | None) -> None:
        self.req = WaitRequest(job_id=request) if isinstance(request, str) else (
            request if isinstance(request, WaitRequest) else WaitRequest.model_validate(dump(request)))
        self.provider = provider_from(config)
        self.started = time.monotonic()
        self.last_event: str | None = None
        self.last_status: str | None = None
        self.last_metrics: dict[str, Any] = {}
        self.last_job: Any = None
        self.failures = [0]
        self.interval = min(1.0, self.req.poll_interval_s)

    def step(self) -> tuple[list[JobUpdate | FineTuneSummary], float | None]:
        req, provider, out = self.req, self.provider, []
        job = _poll(provider, f"read job {req.job_id}",
                    lambda: provider.client.fine_tuning.jobs.retrieve(req.job_id), self.failures)
        events = None if job is None else _poll(
            provider, f"list the events of job {req.job_id}",
            lambda: _new_events(provider, req.job_id, self.last_event), self.failures)
        self.last_job = job or self.last_job
        if job is not None and events is not None:
            for ev in events:
                self.last_event = ev.id
                data = dump(ev.data) if ev.data is not None else None
                if ev.type == "metrics" and data:
                    self.last_metrics = data
                out.append(JobUpdate(kind="event", job_id=job.id, status=job.status, message=ev.message,
                                     level=ev.level, type=ev.type or "message", created_at=ev.created_at, data=data))
            if job.status != self.last_status:
                self.last_status = job.status
                out.append(JobUpdate(kind="status", job_id=job.id, status=job.status,
                                     message=f"Job {job.id} is {job.status}", type="status"))
            if job.status in TERMINAL:
                if job.status == "succeeded":
                    out.append(_summary(provider, job, req, self.last_metrics, timed_out=False))
                return out, None
        elapsed = time.monotonic() - self.started
        if req.timeout_s is not None and elapsed >= req.timeout_s:
            if self.last_job is None:
                raise ProviderError(f"Timed out waiting for job {req.job_id}: no poll succeeded.",
                                    hint=f"resume later with wait.invoke({{'job_id': '{req.job_id}'}}).")
            out.append(_summary(provider, self.last_job, req, self.last_metrics, timed_out=True))
            return out, None
        pause = self.interval if req.timeout_s is None else min(self.interval, max(0.0, req.timeout_s - elapsed))
        self.interval = min(req.poll_interval_s, self.interval * 1.5)
        return out, pause

    def raise_if_unsuccessful(self) -> None:
        job = self.last_job
        if job is not None and job.status == "failed":
            err = job.error
            raise FineTuneJobFailed(job_id=job.id, code=getattr(err, "code", None),
                                    error_message=getattr(err, "message", None), param=getattr(err, "param", None))
        if job is not None and job.status == "cancelled":
            raise FineTuneJobCancelled(job_id=job.id)


def wait_for_job(request: WaitRequest | dict[str, Any] | str,
                 config: RunnableConfig | None = None) -> Iterator[JobUpdate | FineTuneSummary]:
    waiter = _Waiter(request, config)
    while True:
        updates, pause = waiter.step()
        yield from updates
        if pause is None:
            waiter.raise_if_unsuccessful()
            return
        time.sleep(pause)


async def await_job(request: WaitRequest | dict[str, Any] | str,
                    config: RunnableConfig | None = None) -> AsyncIterator[JobUpdate | FineTuneSummary]:
    """The same wait for async callers (LangServe, ``astream_events``): polls run in a worker thread."""
    waiter = _Waiter(request, config)
    while True:
        updates, pause = await asyncio.to_thread(waiter.step)
        for update in updates:
            yield update
        if pause is None:
            waiter.raise_if_unsuccessful()
            return
        await asyncio.sleep(pause)


wait = RunnableLambda(wait_for_job, afunc=await_job, name="wait").with_types(
    input_type=WaitRequest, output_type=FineTuneSummary)
