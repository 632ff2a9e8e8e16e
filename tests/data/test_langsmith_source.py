"""LangSmithDatasetSource against a real HTTP server speaking the LangSmith API subset it uses."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timezone

import pytest

fastapi = pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
langsmith = pytest.importorskip("langsmith")

from fastapi import FastAPI, HTTPException  # noqa: E402
from langchain_core.messages import AIMessage, HumanMessage  # noqa: E402

from lsft_chain.errors import SourceNotFoundError  # noqa: E402
from lsft_chain.pipeline.convert import convert_sessions  # noqa: E402
from lsft_chain.pipeline.load import LangSmithDatasetSource, LoadSessions  # noqa: E402

N_EXAMPLES = 250
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc).isoformat()
DATASET_ID = str(uuid.uuid4())
TENANT_ID = str(uuid.uuid4())
TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]


def _examples() -> list[dict]:
    out = []
    for i in range(N_EXAMPLES):
        if i % 2:  # legacy chat schema
            inputs = {"input": [{"type": "human", "data": {"content": f"q{i}", "additional_kwargs": {}}}]}
            outputs = {"output": {"type": "ai", "data": {"content": f"a{i}", "additional_kwargs": {}}}}
        else:  # key-value with OpenAI messages and tools
            inputs = {"messages": [{"role": "user", "content": f"q{i}"}], "tools": TOOLS}
            outputs = {"message": {"role": "assistant", "content": f"a{i}"}}
        out.append({"id": str(uuid.UUID(int=i + 1)), "dataset_id": DATASET_ID, "inputs": inputs,
                    "outputs": outputs, "metadata": {"i": i}, "created_at": NOW, "modified_at": NOW})
    return out


def _app(hits: Counter, examples: list[dict]) -> FastAPI:
    app = FastAPI()
    dataset = {"id": DATASET_ID, "name": "triples", "description": "test", "data_type": "chat",
               "created_at": NOW, "modified_at": NOW, "example_count": len(examples)}

    @app.get("/info")
    def info() -> dict:
        hits["/info"] += 1
        return {"version": "0.test", "instance_flags": {}}

    @app.get("/sessions")
    def sessions(limit: int = 1) -> list:
        hits["/sessions"] += 1
        return [{"id": str(uuid.uuid4()), "tenant_id": TENANT_ID, "reference_dataset_id": None,
                 "start_time": NOW, "name": "default"}]

    @app.get("/datasets")
    def datasets(name: str | None = None, limit: int = 100) -> list:
        hits["/datasets"] += 1
        return [dataset][:limit] if name in (None, dataset["name"]) else []

    @app.get("/datasets/{dataset_id}")
    def dataset_by_id(dataset_id: str) -> dict:
        hits["/datasets/{id}"] += 1
        if dataset_id != DATASET_ID:
            raise HTTPException(404, "Dataset not found")
        return dataset

    @app.get("/examples")
    def list_examples(dataset: str, offset: int = 0, limit: int = 100) -> list:
        hits["/examples"] += 1
        hits[f"/examples offset={offset} limit={limit}"] += 1
        return examples[offset:offset + limit] if dataset == DATASET_ID else []

    return app


@pytest.fixture(scope="module")
def server():
    hits: Counter = Counter()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(_app(hits, _examples()), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", hits
    srv.should_exit = True
    thread.join(5)


@pytest.fixture
def client(server, monkeypatch):
    for var in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGSMITH_ENDPOINT", "LANGCHAIN_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    url, hits = server
    hits.clear()
    return langsmith.Client(api_url=url, api_key="test", info={"version": "0.test"}), hits


def test_examples_are_fetched_lazily_in_pages(client, tmp_path):
    c, hits = client
    source = LangSmithDatasetSource(dataset_name="triples", client=c)
    it = iter(source)
    first = next(it)
    assert hits["/examples"] == 1  # only the first page so far
    rest = list(it)
    loaded = [first, *rest]
    assert len(loaded) == N_EXAMPLES
    assert hits["/examples"] == 3 and hits["/datasets"] == 1
    assert [hits[f"/examples offset={o} limit=100"] for o in (0, 100, 200)] == [1, 1, 1]
    assert loaded[0].ref == str(uuid.UUID(int=1))
    for i, x in enumerate(loaded):
        msgs = x.session["messages"]
        assert [type(m) for m in msgs] == [HumanMessage, AIMessage]
        assert (msgs[0].content, msgs[1].content) == (f"q{i}", f"a{i}")
        assert (x.session.get("tools") == TOOLS) == (i % 2 == 0)
    report = convert_sessions(source, tmp_path / "o.jsonl")  # re-iterable: pages again
    assert report.examples == N_EXAMPLES and report.with_tools == N_EXAMPLES // 2
    assert hits["/examples"] == 6


def test_page_size_and_dataset_id(client):
    c, hits = client
    source = LangSmithDatasetSource(dataset_id=DATASET_ID, client=c, page_size=50)
    assert sum(1 for _ in source) == N_EXAMPLES
    assert hits["/datasets/{id}"] == 1 and hits["/examples"] == 6  # 5 full pages + the empty one


def test_unknown_dataset_raises_source_not_found_with_hint(client):
    c, _ = client
    with pytest.raises(SourceNotFoundError) as info:
        LoadSessions(client=c).invoke({"dataset_name": "no-such-dataset"})
    assert "no-such-dataset" in str(info.value) and info.value.hint and "Fix:" in str(info.value)
    with pytest.raises(SourceNotFoundError):
        LangSmithDatasetSource(dataset_id=str(uuid.uuid4()), client=c).dataset


def test_load_runnable_builds_client_from_api_url(server, monkeypatch):
    url, hits = server
    monkeypatch.setenv("LANGSMITH_API_KEY", "test")
    for var in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2"):
        monkeypatch.delenv(var, raising=False)
    source = LoadSessions().invoke({"dataset_name": "triples", "langsmith_api_url": url})
    assert isinstance(source, LangSmithDatasetSource)
    assert source.client.api_url == url
    assert sum(1 for _ in source) == N_EXAMPLES
