from __future__ import annotations

import pytest
from openai import OpenAI

from lsft_chain.service.app import create_app
from lsft_chain.settings import Settings
from tests.servers import serve


@pytest.fixture(scope="module")
def service_settings(tmp_path_factory, tiny_model_path) -> Settings:
    return Settings(home=tmp_path_factory.mktemp("home"), base_model=str(tiny_model_path), api_key=None)


@pytest.fixture(scope="module")
def service_url(service_settings):
    with serve(create_app(service_settings)) as url:
        yield url + "/v1"


@pytest.fixture()
def client(service_url) -> OpenAI:
    return OpenAI(base_url=service_url, api_key="unused", max_retries=0)
