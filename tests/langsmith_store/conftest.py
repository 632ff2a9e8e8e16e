"""Fixtures: the embedded LangSmith store on a real loopback port, and the real ``langsmith.Client`` on it."""

from __future__ import annotations

from collections import Counter

import pytest

langsmith = pytest.importorskip("langsmith")

from lsft_chain.langsmith_store import create_langsmith_app  # noqa: E402
from lsft_chain.settings import Settings  # noqa: E402
from tests.servers import serve  # noqa: E402

_ENV = ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGSMITH_ENDPOINT", "LANGCHAIN_ENDPOINT",
        "LANGSMITH_API_KEY", "LANGCHAIN_API_KEY", "LSFT_API_KEY", "LSFT_SEED_EXAMPLE_DATASET")


@pytest.fixture(autouse=True)
def _no_langsmith_env(monkeypatch):
    for var in _ENV:
        monkeypatch.delenv(var, raising=False)


def store_settings(home, **kw) -> Settings:
    return Settings(home=home, api_key=None, seed_example_dataset=False, **kw)


def counted(app, hits: Counter):
    """Count ``METHOD path`` of every request the app serves (path ids replaced by ``{id}``)."""
    @app.middleware("http")
    async def _count(request, call_next):
        parts = ["{id}" if len(p) == 36 and p.count("-") == 4 else p for p in request.url.path.split("/")]
        hits[f"{request.method} {'/'.join(parts)}"] += 1
        return await call_next(request)
    return app


@pytest.fixture(scope="module")
def store_servers(tmp_path_factory):
    """Two stores on one home: ``multipart`` (``/info`` enables the multipart create_examples path, as current
    LangSmith does) and ``legacy`` (it does not: the SDK posts JSON to ``/examples/bulk``). Each value is
    ``(url, hits)``."""
    home = tmp_path_factory.mktemp("ls-home")
    hits = {"multipart": Counter(), "legacy": Counter()}
    with serve(counted(create_langsmith_app(store_settings(home)), hits["multipart"])) as multipart, \
            serve(counted(create_langsmith_app(store_settings(home), multipart_examples=False),
                          hits["legacy"])) as legacy:
        yield {"multipart": (multipart, hits["multipart"]), "legacy": (legacy, hits["legacy"])}


@pytest.fixture(params=["multipart", "legacy"])
def ls_server(request, store_servers):
    """``(url, hits, kind)`` for each create_examples path; hits are cleared."""
    url, hits = store_servers[request.param]
    hits.clear()
    return url, hits, request.param


@pytest.fixture()
def ls_client(ls_server):
    """The real SDK, no ``info=`` override: it reads ``/info`` and picks its create_examples path from it."""
    return langsmith.Client(api_url=ls_server[0], api_key="test")


@pytest.fixture()
def store_url(store_servers):
    return store_servers["multipart"][0]


@pytest.fixture()
def client(store_url):
    return langsmith.Client(api_url=store_url, api_key="test")
