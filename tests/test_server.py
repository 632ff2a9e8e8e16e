"""server.py over real HTTP: /finetune and /model through RemoteRunnable, /openai/v1 through the SDK, auth."""

from __future__ import annotations

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langserve import RemoteRunnable
from openai import OpenAI

from lsft_chain.errors import ConfigError
from lsft_chain.settings import Settings
from server import create_server
from tests.datasets import color_records, write_jsonl
from tests.servers import free_port, serve

FAST = {"n_epochs": 25, "batch_size": 2, "learning_rate_multiplier": 10}


@pytest.fixture(scope="module")
def server_url(tmp_path_factory, tiny_model_path):
    port = free_port()
    settings = Settings(home=tmp_path_factory.mktemp("server-home"), base_model=str(tiny_model_path), port=port)
    with serve(create_server(settings), port=port) as url:
        yield url


def test_finetune_route_trains_and_model_route_answers(server_url, tmp_path):
    data = write_jsonl(tmp_path / "colors.jsonl", color_records(12))
    finetune = RemoteRunnable(f"{server_url}/finetune")
    chunks = list(finetune.stream({"path": str(data), "suffix": "remote", "hyperparameters": FAST,
                                   "poll_interval_s": 0.2}))
    summary = chunks[-1]
    assert summary["kind"] == "summary" and summary["status"] == "succeeded", summary
    assert ":remote:" in summary["fine_tuned_model"] and summary["trained_tokens"] > 0
    assert summary["final_metrics"]["train_loss"] < 0.5
    losses = [c["data"]["train_loss"] for c in chunks[:-1] if c.get("type") == "metrics"]
    assert len(losses) == 150 and losses[-1] < losses[0] * 0.1

    model = RemoteRunnable(f"{server_url}/model").with_config(
        configurable={"model": summary["fine_tuned_model"], "temperature": 0, "max_tokens": 24})
    answer = model.invoke([SystemMessage("Answer with the code."), HumanMessage("code for teal?")])
    assert isinstance(answer, AIMessage) and answer.content.strip() == "teal teal ok"

    # The same model through the embedded service's OpenAI surface.
    client = OpenAI(base_url=f"{server_url}/openai/v1", api_key="unused")
    assert summary["fine_tuned_model"] in [m.id for m in client.models.list()]


def test_schemas_and_playgrounds_are_served(server_url):
    for path in ("/finetune/input_schema", "/finetune/output_schema", "/finetune/config_schema",
                 "/model/input_schema", "/model/output_schema", "/model/config_schema",
                 "/finetune/playground/", "/model/playground/", "/docs", "/openapi.json"):
        r = httpx.get(server_url + path)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    fields = httpx.get(server_url + "/finetune/input_schema").json()["properties"]
    assert {"dataset_name", "path", "base_model", "suffix", "hyperparameters"} <= fields.keys()
    config = httpx.get(server_url + "/model/config_schema").json()
    assert "model" in str(config)


def test_finetune_route_reports_bad_input_clearly(server_url, tmp_path):
    records = color_records(12)
    records[0]["messages"][2]["role"] = "robot"
    data = write_jsonl(tmp_path / "bad.jsonl", records)
    r = httpx.post(f"{server_url}/finetune/invoke", json={"input": {"path": str(data)}}, timeout=60)
    assert r.status_code == 500  # LangServe's answer to a raised error; the message says what is wrong
    r = httpx.post(f"{server_url}/finetune/invoke", json={"input": {"hyperparameters": {"n_epochs": "x"}}})
    assert r.status_code == 422


def test_every_route_requires_the_key_when_set(tmp_path, tiny_model_path):
    port = free_port()
    settings = Settings(home=tmp_path / "h", base_model=str(tiny_model_path), port=port, api_key="k3y")
    with serve(create_server(settings), port=port) as url:
        for method, path in (("POST", "/finetune/invoke"), ("POST", "/model/invoke"),
                             ("GET", "/openai/v1/files"), ("GET", "/openai/v1/models")):
            r = httpx.request(method, url + path, json={"input": "hi"})
            assert r.status_code == 401, (path, r.status_code)
        headers = {"Authorization": "Bearer k3y"}
        assert httpx.get(url + "/openai/v1/files", headers=headers).status_code == 200
        assert httpx.get(url + "/finetune/input_schema", headers=headers).status_code == 200


def test_refuses_to_listen_beyond_loopback_without_a_key():
    with pytest.raises(ConfigError) as e:
        Settings(host="0.0.0.0", api_key=None).check_bind()
    assert "LSFT_API_KEY" in str(e.value)
    Settings(host="0.0.0.0", api_key="x").check_bind()
    Settings(host="127.0.0.1", api_key=None).check_bind()


def test_finetune_reads_the_servers_own_langsmith_store_by_default(server_url, monkeypatch):
    """A dataset name with no langsmith_api_url: the seeded tutorial dataset in this server's /langsmith."""
    from lsft_chain.langsmith_store import EXAMPLE_DATASET_NAME

    summary = RemoteRunnable(f"{server_url}/finetune").invoke(
        {"dataset_name": EXAMPLE_DATASET_NAME, "base_model": "gpt-4o-mini-2024-07-18", "dry_run": True})
    assert summary["status"] == "dry_run"
    assert summary["data"]["examples_out"] == 100 and summary["data"]["tokens_total"] > 100_000
