"""The embedded service through the unmodified ``openai`` SDK and ``ChatOpenAI``, over real HTTP."""

from __future__ import annotations

import csv
import io
import json

import openai
import pytest
from langchain_openai import ChatOpenAI

from lsft_chain.service.app import create_app
from lsft_chain.settings import Settings
from tests.datasets import color_records, write_jsonl
from tests.servers import serve, wait_until


def _upload(client, tmp_path, records, name="train.jsonl"):
    with open(write_jsonl(tmp_path / name, records), "rb") as f:
        return client.files.create(file=f, purpose="fine-tune")


def _job_status(client, job_id, statuses):
    job = client.fine_tuning.jobs.retrieve(job_id)
    return job if job.status in statuses else None


def test_files_create_list_retrieve_content_delete(client, tmp_path):
    records = color_records(3)
    f = _upload(client, tmp_path, records)
    assert f.id.startswith("file-") and f.purpose == "fine-tune" and f.filename == "train.jsonl"
    assert f.bytes == (tmp_path / "train.jsonl").stat().st_size
    assert client.files.retrieve(f.id).bytes == f.bytes
    assert f.id in [x.id for x in client.files.list()]
    assert client.files.content(f.id).content == (tmp_path / "train.jsonl").read_bytes()
    assert client.files.delete(f.id).deleted is True
    with pytest.raises(openai.NotFoundError) as e:
        client.files.retrieve(f.id)
    assert e.value.body["code"] == "file_not_found"


def test_bad_job_requests_are_refused_with_openai_errors(client, tmp_path):
    f = _upload(client, tmp_path, color_records(12))
    with pytest.raises(openai.BadRequestError) as e:
        client.fine_tuning.jobs.create(model="no-such-model-xyz", training_file=f.id)
    assert e.value.body["param"] == "model" and "no-such-model-xyz" in e.value.body["message"]
    with pytest.raises(openai.BadRequestError) as e:
        client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file="file-missing")
    assert e.value.body["param"] == "training_file"
    with pytest.raises(openai.BadRequestError) as e:
        client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=f.id,
                                       method={"type": "supervised",
                                               "supervised": {"hyperparameters": {"n_epochs": 0}}})
    assert e.value.body["param"] == "hyperparameters.n_epochs"
    with pytest.raises(openai.BadRequestError) as e:
        client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=f.id, method={"type": "dpo"})
    assert e.value.body["param"] == "method.type"
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.retrieve("ftjob-nope")


def test_too_few_examples_fails_the_job_with_openais_error(client, tmp_path):
    f = _upload(client, tmp_path, color_records(3))
    job = client.fine_tuning.jobs.create(model="gpt-3.5-turbo", training_file=f.id)
    assert job.status == "validating_files"
    job = wait_until(lambda: _job_status(client, job.id, {"failed", "succeeded"}), timeout=30)
    assert job.status == "failed"
    assert job.error.code == "invalid_n_examples" and job.error.param == "training_file"
    assert "3 example" in job.error.message and "at least 10" in job.error.message
    messages = [e.message for e in client.fine_tuning.jobs.list_events(job.id)]
    assert any("failed" in m for m in messages)


def test_invalid_record_fails_validation_naming_the_line(client, tmp_path):
    records = color_records(12)
    records[4]["messages"] = records[4]["messages"][:2]  # ends with a user message
    f = _upload(client, tmp_path, records)
    job = client.fine_tuning.jobs.create(model="gpt-3.5-turbo", training_file=f.id)
    job = wait_until(lambda: _job_status(client, job.id, {"failed", "succeeded"}), timeout=30)
    assert job.error.code == "invalid_training_file"
    assert "line 5" in job.error.message


def test_fine_tune_end_to_end_then_chat_and_restart(service_settings, client, tmp_path):
    f = _upload(client, tmp_path, color_records(12))
    job = client.fine_tuning.jobs.create(
        model="gpt-4o-mini-2024-07-18", training_file=f.id, suffix="colors", seed=7, metadata={"team": "qa"},
        method={"type": "supervised", "supervised": {"hyperparameters": {
            "n_epochs": 25, "batch_size": 2, "learning_rate_multiplier": 10}}})
    assert job.object == "fine_tuning.job" and job.model == "gpt-4o-mini-2024-07-18" and job.seed == 7
    job = wait_until(lambda: _job_status(client, job.id, {"succeeded", "failed", "cancelled"}), timeout=240)
    assert job.status == "succeeded", job.error
    assert job.fine_tuned_model.startswith("ft:") and ":colors:" in job.fine_tuned_model
    assert job.trained_tokens > 0 and job.finished_at >= job.created_at
    assert job.hyperparameters.n_epochs == 25 and job.hyperparameters.batch_size == 2
    assert job.metadata == {"team": "qa"}
    assert [j.id for j in client.fine_tuning.jobs.list(metadata={"team": "qa"})] == [job.id]

    # Events: newest first, paged with `after`; the alias is named; the loss falls.
    events = list(client.fine_tuning.jobs.list_events(job.id, limit=1000))
    assert events[0].message == "The job has successfully completed"
    first_two = client.fine_tuning.jobs.list_events(job.id, limit=2)
    older = client.fine_tuning.jobs.list_events(job.id, limit=2, after=first_two.data[-1].id)
    assert [e.id for e in first_two.data + older.data] == [e.id for e in events[:4]]
    assert any("requested 'gpt-4o-mini-2024-07-18'" in e.message for e in events)
    metrics = [e.data for e in reversed(events) if e.type == "metrics"]
    assert len(metrics) == metrics[-1]["total_steps"] == 25 * 6
    first, last = metrics[0]["train_loss"], sum(m["train_loss"] for m in metrics[-6:]) / 6
    assert last < first * 0.1, (first, last)

    # The result file is OpenAI's step-metrics CSV.
    text = client.files.content(job.result_files[0]).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0].keys() >= {"step", "train_loss", "train_accuracy", "valid_loss", "valid_mean_token_accuracy"}
    assert len(rows) == 25 * 6
    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id)
    assert checkpoints.data and checkpoints.data[0].fine_tuning_job_id == job.id

    # The tuned model is listed and answers, greedy, with what it learned; streaming gives the same text.
    assert job.fine_tuned_model in [m.id for m in client.models.list()]
    assert client.models.retrieve(job.fine_tuned_model).id == job.fine_tuned_model
    msgs = [{"role": "system", "content": "Answer with the code."}, {"role": "user", "content": "code for red?"}]
    reply = client.chat.completions.create(model=job.fine_tuned_model, messages=msgs, temperature=0, max_tokens=24)
    assert reply.choices[0].message.content.strip() == "red red ok"
    assert reply.choices[0].finish_reason == "stop" and reply.usage.completion_tokens > 0
    chunks = list(client.chat.completions.create(model=job.fine_tuned_model, messages=msgs, temperature=0,
                                                 max_tokens=24, stream=True, stream_options={"include_usage": True}))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == reply.choices[0].message.content
    assert chunks[-1].usage.total_tokens == reply.usage.total_tokens

    llm = ChatOpenAI(model=job.fine_tuned_model, base_url=str(client.base_url), api_key="unused", temperature=0,
                     max_tokens=24)
    assert llm.invoke([("system", "Answer with the code."), ("human", "code for blue?")]).content.strip() \
        == "blue blue ok"

    # A second server on the same home sees the same jobs, files and models, and the model still answers.
    with serve(create_app(service_settings)) as url:
        again = openai.OpenAI(base_url=url + "/v1", api_key="unused")
        assert again.fine_tuning.jobs.retrieve(job.id).fine_tuned_model == job.fine_tuned_model
        out = again.chat.completions.create(model=job.fine_tuned_model, messages=msgs, temperature=0, max_tokens=24)
        assert out.choices[0].message.content.strip() == "red red ok"


def test_cancel_stops_a_running_job(client, tmp_path):
    f = _upload(client, tmp_path, color_records(12))
    job = client.fine_tuning.jobs.create(model="gpt-3.5-turbo", training_file=f.id,
                                         hyperparameters={"n_epochs": 50})
    wait_until(lambda: any(e.type == "metrics" for e in client.fine_tuning.jobs.list_events(job.id)), timeout=120)
    cancelled = client.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled"
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.cancel(job.id)
    # The training process stops: the event list stops growing, and no model appears.
    def settled():
        a = len(list(client.fine_tuning.jobs.list_events(job.id, limit=1000)))
        import time
        time.sleep(1.5)
        return a == len(list(client.fine_tuning.jobs.list_events(job.id, limit=1000)))
    wait_until(settled, timeout=30)
    final = client.fine_tuning.jobs.retrieve(job.id)
    assert final.status == "cancelled" and final.fine_tuned_model is None


def test_api_key_is_required_when_set(tmp_path, tiny_model_path):
    settings = Settings(home=tmp_path / "home", base_model=str(tiny_model_path), api_key="s3cret")
    with serve(create_app(settings)) as url:
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0).files.list()
        assert openai.OpenAI(base_url=url + "/v1", api_key="s3cret").files.list().data == []


def test_worker_requeues_jobs_left_running(tmp_path):
    from lsft_chain.service.store import Store
    from lsft_chain.training.worker import JobWorker

    store = Store(tmp_path)
    store.add_job({"id": "ftjob-x", "created_at": 1, "status": "running", "model": "m", "training_file": "f",
                   "hyperparameters": {}, "method": {}, "seed": 1})
    JobWorker(store, default_base_model="m").recover()
    assert store.get_job("ftjob-x")["status"] == "queued"
    assert "restarted" in store.list_events("ftjob-x")[0]["message"]
    json.dumps(store.get_job("ftjob-x"))  # rows are plain JSON
