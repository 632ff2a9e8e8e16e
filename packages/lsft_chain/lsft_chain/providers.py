"""The OpenAI-shaped fine-tuning endpoint the pipeline talks to: OpenAI, Azure OpenAI (v1), or embedded.

The pipeline only speaks the OpenAI wire protocol through the ``openai`` SDK; which endpoint answers is
decided here. With no key configured the embedded service is the default: if ``LSFT_EMBEDDED_URL`` names a
running one, it is used; otherwise one is started in this process (a real uvicorn server on a free loopback
port, in a background thread) the first time the pipeline needs it.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from openai import OpenAI

from .errors import ConfigError
from .settings import Settings, get_settings

__all__ = ["Provider", "resolve_provider", "EmbeddedServer"]

DEFAULT_OPENAI_BASE_MODEL = "gpt-4.1-mini-2025-04-14"
EMBEDDED_PLACEHOLDER_KEY = "lsft-local"


@dataclass
class Provider:
    """Where fine-tuning jobs go, and how to reach the models they make."""

    name: str  # "openai" | "azure" | "embedded"
    base_url: str | None
    api_key: str
    default_base_model: str
    job_extra_body: dict[str, Any] = field(default_factory=dict)
    _client: OpenAI | None = field(default=None, repr=False)

    @property
    def client(self) -> OpenAI:
        if self._client is None:
            self._client = OpenAI(base_url=self.base_url, api_key=self.api_key, max_retries=2)
        return self._client

    def chat_model(self, model: str, **kwargs: Any):
        """A LangChain chat model for ``model`` on this provider."""
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=model, base_url=self.base_url, api_key=self.api_key, **kwargs)


def resolve_provider(settings: Settings | None = None) -> Provider:
    settings = settings or get_settings()
    choice = settings.provider
    if choice == "auto":
        if settings.azure_openai_endpoint:
            choice = "azure"
        elif settings.openai_api_key:
            choice = "openai"
        else:
            choice = "embedded"
    if choice == "openai":
        if settings.openai_api_key is None:
            raise ConfigError("LSFT_PROVIDER=openai but OPENAI_API_KEY is not set.",
                              hint="export OPENAI_API_KEY=sk-..., or unset LSFT_PROVIDER to use the embedded service.")
        return Provider("openai", settings.openai_base_url, settings.openai_api_key.get_secret_value(),
                        DEFAULT_OPENAI_BASE_MODEL)
    if choice == "azure":
        key = settings.azure_openai_api_key
        if not settings.azure_openai_endpoint or key is None:
            raise ConfigError("LSFT_PROVIDER=azure needs AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY.",
                              hint="set both, e.g. AZURE_OPENAI_ENDPOINT=https://<resource>.openai.azure.com.")
        base = settings.azure_openai_endpoint.rstrip("/")
        if not base.endswith("/openai/v1"):
            base += "/openai/v1"
        # Azure's job API wants a training type; its v1 surface otherwise takes OpenAI's shapes.
        return Provider("azure", base + "/", key.get_secret_value(), DEFAULT_OPENAI_BASE_MODEL,
                        job_extra_body={"trainingType": "Standard"})
    key = settings.api_key.get_secret_value() if settings.api_key else EMBEDDED_PLACEHOLDER_KEY
    url = settings.embedded_url or EmbeddedServer.for_settings(settings).base_url
    return Provider("embedded", url.rstrip("/"), key, settings.base_model)


class EmbeddedServer:
    """The embedded service on a free loopback port, in a daemon thread of this process."""

    _instances: dict[str, EmbeddedServer] = {}
    _lock = threading.Lock()

    def __init__(self, settings: Settings) -> None:
        try:
            import uvicorn

            from .service.app import create_app
        except ImportError as e:
            raise ConfigError(f"The embedded service cannot start: {e}.",
                              hint="install it with: pip install 'lsft-chain[service]', or set OPENAI_API_KEY "
                                   "or LSFT_EMBEDDED_URL to use another endpoint.") from e

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="lsft-embedded-service", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError("The embedded service did not start.",
                                  hint="install the service extra: pip install 'lsft-chain[service]'.")
            time.sleep(0.05)

    @classmethod
    def for_settings(cls, settings: Settings) -> EmbeddedServer:
        with cls._lock:
            key = str(settings.home)
            if key not in cls._instances:
                cls._instances[key] = cls(settings)
            return cls._instances[key]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        with self._lock:
            for k, v in list(self._instances.items()):
                if v is self:
                    del self._instances[k]
