"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tiny_model import build_tiny_model


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Llama with SmolLM2's tokenizer conventions, built once per test session."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="module")
def service_settings(tmp_path_factory, tiny_model_path):
    """Settings for an embedded service whose default base model is the tiny model."""
    from lsft_chain.settings import Settings

    return Settings(home=tmp_path_factory.mktemp("home"), base_model=str(tiny_model_path), api_key=None)


@pytest.fixture(scope="module")
def service_url(service_settings):
    """The embedded service on a real loopback port (module-scoped): its ``…/v1`` base URL."""
    from lsft_chain.service.app import create_app
    from tests.servers import serve

    with serve(create_app(service_settings)) as url:
        yield url + "/v1"


@pytest.fixture()
def client(service_url):
    from openai import OpenAI

    return OpenAI(base_url=service_url, api_key="unused", max_retries=0)


@pytest.fixture()
def provider(service_url, tiny_model_path):
    from lsft_chain.providers import Provider

    return Provider("embedded", service_url, "unused", str(tiny_model_path))
