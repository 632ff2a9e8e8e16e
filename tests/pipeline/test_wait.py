"""The waiter: success, failure, cancel and timeout against the real embedded service; statuses it has never
seen and dropped connections against a mock that speaks OpenAI's wire format (no real server can be made to
report Azure's ``pending`` or drop a connection on cue)."""

from __future__ import annotations

import threading
import time

import httpx2
import pytest
from openai import OpenAI

from lsft_chain import FineTuneJobCancelled, FineTuneJobFailed, FineTuneSummary, JobUpdate, ProviderError, wait
from lsft_chain.pipeline._provider import CONFIG_KEY
from lsft_chain.providers import Provider
from tests.datasets import color_records, write_jsonl
from tests.servers import wait_until


def _cfg(provider):
    return {"configurable": {CONFIG_KEY: provider}}


def _start_job(client, tmp_path, n=12, **kwargs):
    with open(write_jsonl(tmp_path / "train.jsonl", color_records(n)), "rb") as f:
        file = client.files.create(file=f, purpose="fine-tune")
    return client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file.id, **kwargs)


def test_wait_streams_events_then_a_summary(client, provider, tmp_path):
    job = _start_job(client, tmp_path, hyperparameters={"n_epochs": 3})
    chunks = list(wait.stream({"job_id": job.id, "poll_interval_s": 0.2}, _cfg(provider)))
    updates, summary = chunks[:-1], chunks[-1]
    assert all(isinstance(u, JobUpdate) for u in updates) and isinstance(summary, FineTuneSummary)
    statuses = [u.status for u in updates if u.kind == "status"]
    assert statuses[-1] == "succeeded" and len(statuses) == len(set(statuses))
    messages = [u.message for u in updates if u.kind == "event"]
    assert messages[0].startswith("Validating training file") and messages[-1] == "The job has successfully completed"
    metrics = [u.data for u in updates if u.type == "metrics"]
    assert [m["step"] for m in metrics] == list(range(1, metrics[-1]["total_steps"] + 1))  # each once, in order
    assert summary.status == "succeeded" and summary.fine_tuned_model.startswith("ft:")
    assert summary.final_metrics["step"] == metrics[-1]["step"] and summary.trained_tokens > 0
    assert not summary.timed_out and summary.resume is None


def test_wait_raises_the_jobs_error_on_failure(client, provider, tmp_path):
    job = _start_job(client, tmp_path, n=4)
    with pytest.raises(FineTuneJobFailed) as e:
        wait.invoke({"job_id": job.id, "poll_interval_s": 0.2}, _cfg(provider))
    assert e.value.code == "invalid_n_examples" and e.value.param == "training_file"
    assert e.value.job_id == job.id and "at least 10" in str(e.value)


def test_wait_raises_when_the_job_is_cancelled(client, provider, tmp_path):
    job = _start_job(client, tmp_path, hyperparameters={"n_epochs": 50})

    def cancel_when_running():
        wait_until(lambda: client.fine_tuning.jobs.retrieve(job.id).status == "running", timeout=60)
        client.fine_tuning.jobs.cancel(job.id)

    threading.Thread(target=cancel_when_running, daemon=True).start()
    with pytest.raises(FineTuneJobCancelled) as e:
        wait.invoke({"job_id": job.id, "poll_interval_s": 0.2}, _cfg(provider))
    assert e.value.job_id == job.id and e.value.status == "cancelled"


def test_timeout_gives_back_the_job_id_and_the_wait_resumes(client, provider, tmp_path):
    job = _start_job(client, tmp_path, hyperparameters={"n_epochs": 4})
    started = time.monotonic()
    summary = wait.invoke({"job_id": job.id, "poll_interval_s": 0.2, "timeout_s": 0.5}, _cfg(provider))
    assert time.monotonic() - started < 5
    assert summary.timed_out and summary.status not in {"succeeded", "failed", "cancelled"}
    assert summary.resume == {"job_id": job.id} and summary.fine_tuned_model is None
    resumed = wait.invoke({**summary.resume, "poll_interval_s": 0.2}, _cfg(provider))
    assert resumed.status == "succeeded" and not resumed.timed_out


# -- a provider that reports statuses we have never seen, and drops connections ---------------------------
def _job(status: str, **extra) -> dict:
    return {"id": "ftjob-1", "object": "fine_tuning.job", "created_at": 1, "error": None, "fine_tuned_model": None,
            "finished_at": None, "hyperparameters": {"n_epochs": 1}, "model": "gpt-4o-mini-2024-07-18",
            "organization_id": "org-1", "result_files": [], "seed": 1, "status": status, "trained_tokens": None,
            "training_file": "file-1", "validation_file": None, **extra}


def _mock_provider(handler) -> Provider:
    client = OpenAI(base_url="https://mock.invalid/v1", api_key="k", max_retries=0,
                    http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
    return Provider("openai", "https://mock.invalid/v1", "k", "gpt-4o-mini-2024-07-18", _client=client)


def test_unknown_statuses_mean_keep_waiting_and_dropped_polls_are_retried():
    script = ["pending", "drop", "paused", "503", "some_future_status", "running", "succeeded"]
    state = {"i": 0, "job_polls": 0}

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/events"):
            return httpx2.Response(200, json={"object": "list", "data": [], "has_more": False})
        step = script[min(state["i"], len(script) - 1)]
        state["i"] += 1
        if step == "drop":
            raise httpx2.ConnectError("connection reset by peer", request=request)
        if step == "503":
            return httpx2.Response(503, json={"error": {"message": "overloaded", "type": "server_error",
                                                        "param": None, "code": None}})
        extra = {"fine_tuned_model": "ft:gpt-4o-mini-2024-07-18:org::abc"} if step == "succeeded" else {}
        return httpx2.Response(200, json=_job(step, **extra))

    chunks = list(wait.stream({"job_id": "ftjob-1", "poll_interval_s": 0.01}, _cfg(_mock_provider(handler))))
    statuses = [c.status for c in chunks if isinstance(c, JobUpdate)]
    assert statuses == ["pending", "paused", "some_future_status", "running", "succeeded"]
    assert chunks[-1].fine_tuned_model == "ft:gpt-4o-mini-2024-07-18:org::abc"


def test_a_poll_that_keeps_failing_ends_the_wait_with_a_clear_error():
    def handler(request):
        return httpx2.Response(401, json={"error": {"message": "Incorrect API key provided", "type":
                                                    "invalid_request_error", "param": None, "code": "invalid_api_key"}})

    with pytest.raises(ProviderError) as e:
        wait.invoke({"job_id": "ftjob-1", "poll_interval_s": 0.01}, _cfg(_mock_provider(handler)))
    assert e.value.status_code == 401 and "API key" in str(e.value)
