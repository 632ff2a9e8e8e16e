"""The composed pipeline: ``chain.invoke`` in-process, streaming, resume, bad input, and provider errors."""

from __future__ import annotations

import asyncio
import json

import httpx2
import pytest
from openai import OpenAI

import lsft_chain
from lsft_chain import (ConfigError, DataValidationError, FineTuneSummary, JobUpdate, ProviderError, bind,
                        build_chain, train)
from lsft_chain.pipeline._provider import CONFIG_KEY
from lsft_chain.providers import EmbeddedServer, Provider
from lsft_chain.settings import get_settings
from tests.datasets import color_records, write_jsonl

FAST = {"n_epochs": 25, "batch_size": 2, "learning_rate_multiplier": 10}
QUESTION = [("system", "Answer with the code."), ("human", "code for green?")]


def _langsmith_export(path, records):
    """The records as a LangSmith chat-dataset export (LangChain-serialised messages), like the tutorial's file."""
    def lc(m):
        return {"type": {"user": "human", "assistant": "ai"}.get(m["role"], m["role"]),
                "data": {"content": m["content"], "additional_kwargs": {}}}
    examples = [{"inputs": {"input": [lc(m) for m in r["messages"][:-1]]},
                 "outputs": {"output": lc(r["messages"][-1])}} for r in records]
    path.write_text(json.dumps(examples))
    return path


def test_default_chain_runs_in_process_on_the_embedded_service(tmp_path, tiny_model_path, monkeypatch):
    """No keys, no server: ``lsft_chain.chain`` starts the embedded service itself and fine-tunes for real."""
    for var in ("OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "LSFT_EMBEDDED_URL", "LSFT_PROVIDER", "LSFT_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LSFT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LSFT_BASE_MODEL", str(tiny_model_path))
    get_settings.cache_clear()
    try:
        data = _langsmith_export(tmp_path / "colors.json", color_records(12))
        summary = lsft_chain.chain.invoke({"path": str(data), "suffix": "colors", "hyperparameters": FAST,
                                           "poll_interval_s": 0.2})
        assert isinstance(summary, FineTuneSummary) and summary.status == "succeeded"
        assert summary.provider == "embedded" and summary.base_url.startswith("http://127.0.0.1:")
        assert summary.data["examples"] == 12 and summary.final_metrics["train_loss"] < 0.5
        model = bind.invoke(summary)
        assert model.model_name == summary.fine_tuned_model
        assert model.bind(temperature=0, max_tokens=24).invoke(QUESTION).content.strip() == "green green ok"
    finally:
        server = EmbeddedServer._instances.get(str((tmp_path / "home").resolve()))
        if server:
            server.stop()
        get_settings.cache_clear()


def test_stream_and_events_show_progress(provider, tmp_path):
    chain = build_chain(provider)
    data = write_jsonl(tmp_path / "colors.jsonl", color_records(12))
    request = {"path": str(data), "hyperparameters": {"n_epochs": 2}, "poll_interval_s": 0.2}
    chunks = list(chain.stream(request))
    assert any(isinstance(c, JobUpdate) and c.type == "metrics" for c in chunks)
    assert isinstance(chunks[-1], FineTuneSummary) and chunks[-1].status == "succeeded"

    async def stream_events():
        return [e async for e in chain.astream_events(request, version="v2")]

    events = asyncio.run(stream_events())
    names = {e["name"] for e in events if e["event"] == "on_chain_start"}
    assert {"load", "convert", "upload", "train", "wait"} <= names
    waited = [e["data"]["chunk"] for e in events if e["event"] == "on_chain_stream" and e["name"] == "wait"]
    assert any(isinstance(c, JobUpdate) and c.type == "metrics" for c in waited)


def test_resume_waits_on_an_existing_job(provider, client, tmp_path):
    with open(write_jsonl(tmp_path / "t.jsonl", color_records(12)), "rb") as f:
        file = client.files.create(file=f, purpose="fine-tune")
    job = client.fine_tuning.jobs.create(model="gpt-3.5-turbo", training_file=file.id, hyperparameters={"n_epochs": 1})
    summary = build_chain(provider).invoke({"resume_job_id": job.id, "poll_interval_s": 0.2})
    assert summary.job_id == job.id and summary.status == "succeeded"


def test_bad_data_stops_before_upload_naming_example_and_field(provider, client, tmp_path):
    records = color_records(12)
    records[3]["messages"].append({"role": "user", "content": "and?"})
    data = write_jsonl(tmp_path / "bad.jsonl", records)
    before = len(client.files.list().data)
    with pytest.raises(DataValidationError) as e:
        build_chain(provider).invoke({"path": str(data)})
    text = str(e.value)
    assert "line 4" in text and "assistant" in text and "Fix:" in text
    assert len(client.files.list().data) == before


def test_a_request_with_two_sources_is_refused():
    with pytest.raises(ConfigError) as e:
        build_chain(Provider("embedded", "http://127.0.0.1:9/v1", "k", "m")).invoke(
            {"path": "a.jsonl", "dataset_name": "b"})
    assert "exactly one data source" in str(e.value)


def test_daily_rate_limit_on_job_creation_is_not_retried():
    calls = []

    def handler(request):
        calls.append(request.url.path)
        return httpx2.Response(429, json={"error": {"message": "Daily rate limit exceeded for fine-tuning jobs.",
                                                    "type": "rate_limit_error", "param": None,
                                                    "code": "daily_rate_limit_exceeded"}})

    client = OpenAI(base_url="https://mock.invalid/v1", api_key="k",
                    http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
    provider = Provider("openai", "https://mock.invalid/v1", "k", "gpt-4o-mini-2024-07-18", _client=client)
    with pytest.raises(ProviderError) as e:
        train.invoke({"training_file": "file-1"}, {"configurable": {CONFIG_KEY: provider}})
    assert calls == ["/v1/fine_tuning/jobs"]
    assert e.value.code == "daily_rate_limit_exceeded" and "not reset by retrying" in str(e.value)
