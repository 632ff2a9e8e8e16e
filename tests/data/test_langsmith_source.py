"""LangSmithDatasetSource against a real HTTP server speaking the LangSmith API: the embedded store."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

fastapi = pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
langsmith = pytest.importorskip("langsmith")

from langchain_core.messages import AIMessage, HumanMessage  # noqa: E402

from lsft_chain.errors import SourceNotFoundError  # noqa: E402
from lsft_chain.langsmith_store import create_langsmith_app  # noqa: E402
from lsft_chain.pipeline.convert import convert_sessions  # noqa: E402
from lsft_chain.pipeline.load import LangSmithDatasetSource, LoadSessions  # noqa: E402
from lsft_chain.settings import Settings  # noqa: E402
from tests.servers import serve  # noqa: E402

N_EXAMPLES = 250
TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
_ENV = ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGSMITH_ENDPOINT", "LANGCHAIN_ENDPOINT")


def _examples() -> list[dict]:
    out = []
    for i in range(N_EXAMPLES):
        if i % 2:  # legacy chat schema
            inputs = {"input": [{"type": "human", "data": {"content": f"q{i}", "additional_kwargs": {}}}]}
            outputs = {"output": {"type": "ai", "data": {"content": f"a{i}", "additional_kwargs": {}}}}
        else:  # key-value with OpenAI messages and tools
            inputs = {"messages": [{"role": "user", "content": f"q{i}"}], "tools": TOOLS}
            outputs = {"message": {"role": "assistant", "content": f"a{i}"}}
        out.append({"id": uuid.UUID(int=i + 1), "inputs": inputs, "outputs": outputs, "metadata": {"i": i}})
    return out


def _count(app, hits: Counter):
    """Count requests by route (and list_examples pages by offset/limit)."""
    @app.middleware("http")
    async def _hit(request, call_next):
        path, q = request.url.path, request.query_params
        route = "/datasets/{id}" if path.startswith("/datasets/") else path
        hits[route] += 1
        if path == "/examples":
            hits[f"/examples offset={q.get('offset')} limit={q.get('limit')}"] += 1
        return await call_next(request)
    return app


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    hits: Counter = Counter()
    settings = Settings(home=tmp_path_factory.mktemp("ls-home"), api_key=None, seed_example_dataset=False)
    with serve(_count(create_langsmith_app(settings), hits)) as url:
        client = langsmith.Client(api_url=url, api_key="test")
        ds = client.create_dataset("triples", description="test")  # key-value: both shapes side by side
        client.create_examples(dataset_id=ds.id, examples=_examples())
        yield url, hits, str(ds.id)


@pytest.fixture
def client(server, monkeypatch):
    for var in _ENV:
        monkeypatch.delenv(var, raising=False)
    url, hits, _ = server
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


def test_page_size_and_dataset_id(client, server):
    c, hits = client
    source = LangSmithDatasetSource(dataset_id=server[2], client=c, page_size=50)
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
    url, hits, _ = server
    monkeypatch.setenv("LANGSMITH_API_KEY", "test")
    for var in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2"):
        monkeypatch.delenv(var, raising=False)
    source = LoadSessions().invoke({"dataset_name": "triples", "langsmith_api_url": url})
    assert isinstance(source, LangSmithDatasetSource)
    assert source.client.api_url == url
    assert sum(1 for _ in source) == N_EXAMPLES
