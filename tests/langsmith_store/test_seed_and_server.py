"""Seeding the tutorial's dataset on first start, and the store mounted by ``server.py`` at ``/langsmith``."""

from __future__ import annotations

import langsmith
import pytest
from langchain_community.chat_loaders.langsmith import LangSmithDatasetChatLoader
from langsmith.schemas import DataType
from langsmith.utils import LangSmithAuthError

from lsft_chain.langsmith_store import EXAMPLE_DATASET_NAME, create_langsmith_app
from lsft_chain.settings import Settings
from tests.servers import free_port, serve


def _datasets(url: str) -> list:
    return list(langsmith.Client(api_url=url, api_key="x").list_datasets())


def test_first_start_seeds_once_and_a_deleted_seed_stays_deleted(tmp_path):
    settings = Settings(home=tmp_path / "home", api_key=None)
    with serve(create_langsmith_app(settings)) as url:
        client = langsmith.Client(api_url=url, api_key="x")
        ds = client.read_dataset(dataset_name=EXAMPLE_DATASET_NAME)
        assert ds.data_type == DataType.chat and ds.example_count == 100
        sessions = list(LangSmithDatasetChatLoader(dataset_name=EXAMPLE_DATASET_NAME, client=client).lazy_load())
        assert len(sessions) == 100
    with serve(create_langsmith_app(settings)) as url:  # second start: no duplicate
        assert [(d.name, d.example_count) for d in _datasets(url)] == [(EXAMPLE_DATASET_NAME, 100)]
        langsmith.Client(api_url=url, api_key="x").delete_dataset(dataset_name=EXAMPLE_DATASET_NAME)
    with serve(create_langsmith_app(settings)) as url:  # deleted by the user: not re-created
        assert _datasets(url) == []


def test_seeding_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("LSFT_SEED_EXAMPLE_DATASET", "0")
    settings = Settings(home=tmp_path / "home", api_key=None)
    assert settings.seed_example_dataset is False
    with serve(create_langsmith_app(settings)) as url:
        assert _datasets(url) == []


def test_a_store_with_datasets_is_not_seeded(tmp_path):
    home = tmp_path / "home"
    with serve(create_langsmith_app(Settings(home=home, api_key=None, seed_example_dataset=False))) as url:
        langsmith.Client(api_url=url, api_key="x").create_dataset("mine")
    with serve(create_langsmith_app(Settings(home=home, api_key=None))) as url:
        assert [d.name for d in _datasets(url)] == ["mine"]


@pytest.fixture()
def server_with_key(tmp_path, tiny_model_path):
    from server import create_server

    port = free_port()
    settings = Settings(home=tmp_path / "home", base_model=str(tiny_model_path), port=port, api_key="k3y")
    with serve(create_server(settings), port=port) as url:
        yield url


def test_server_mounts_the_store_at_langsmith_with_the_key(server_with_key, monkeypatch):
    """``LANGSMITH_ENDPOINT`` pointing at ``/langsmith`` works; with LSFT_API_KEY set, the SDK's key must match."""
    monkeypatch.setenv("LANGSMITH_ENDPOINT", f"{server_with_key}/langsmith")
    monkeypatch.setenv("LANGSMITH_API_KEY", "k3y")
    client = langsmith.Client()
    assert client.api_url == f"{server_with_key}/langsmith"
    assert client.read_dataset(dataset_name=EXAMPLE_DATASET_NAME).example_count == 100  # seeded at start
    sessions = list(LangSmithDatasetChatLoader(dataset_name=EXAMPLE_DATASET_NAME, client=client).lazy_load())
    assert len(sessions) == 100
    wrong = langsmith.Client(api_url=f"{server_with_key}/langsmith", api_key="wrong")
    with pytest.raises(LangSmithAuthError):
        wrong.read_dataset(dataset_name=EXAMPLE_DATASET_NAME)
    with pytest.raises(LangSmithAuthError):
        wrong.create_dataset("x")
