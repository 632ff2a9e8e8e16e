"""Settings, read from the environment (and a ``.env`` file) by pydantic-settings.

Nothing is read at import time: call ``Settings()`` (or ``get_settings()``) where settings are needed,
and pass the object on, so tests can build their own.
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings", "DEFAULT_BASE_MODEL", "is_loopback"]

DEFAULT_BASE_MODEL = "SmolLM2-135M-Instruct"


def _default_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "lsft"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    home: Path = Field(default_factory=_default_home, validation_alias=AliasChoices("LSFT_HOME", "home"),
                       description="Directory holding the embedded service's SQLite store, files, models.")
    api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("LSFT_API_KEY", "api_key"),
                                      description="When set, every server route requires it as a Bearer token.")
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("HOST", "LSFT_HOST", "host"))
    port: int = Field(default=8000, validation_alias=AliasChoices("PORT", "LSFT_PORT", "port"))

    provider: Literal["auto", "embedded", "openai", "azure"] = Field(
        default="auto", validation_alias=AliasChoices("LSFT_PROVIDER", "provider"),
        description="'auto' picks Azure if AZURE_OPENAI_ENDPOINT is set, OpenAI if OPENAI_API_KEY is set, "
                    "else the embedded service.")
    openai_api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key"))
    openai_base_url: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url"))
    azure_openai_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_OPENAI_ENDPOINT", "azure_openai_endpoint"))
    azure_openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_OPENAI_API_KEY", "azure_openai_api_key"))
    embedded_url: str | None = Field(
        default=None, validation_alias=AliasChoices("LSFT_EMBEDDED_URL", "embedded_url"),
        description="Base URL of a running embedded service (…/openai/v1). Unset: the pipeline starts one "
                    "in-process on a free loopback port when it first needs it.")

    base_model: str = Field(default=DEFAULT_BASE_MODEL, validation_alias=AliasChoices("LSFT_BASE_MODEL", "base_model"),
                            description="The embedded service's default base model: a known name, a local "
                                        "folder, or a Hugging Face id the machine can load.")
    device: Literal["auto", "cpu", "cuda"] = Field(default="auto", validation_alias=AliasChoices("LSFT_DEVICE", "device"))
    seed_example_dataset: bool = Field(
        default=True, validation_alias=AliasChoices("LSFT_SEED_EXAMPLE_DATASET", "seed_example_dataset"),
        description="On first start, create the tutorial's example chat dataset in the embedded LangSmith "
                    "store (/langsmith). Set LSFT_SEED_EXAMPLE_DATASET=0 to start with no datasets.")

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @property
    def db_path(self) -> Path:
        return self.home / "lsft.sqlite3"

    def check_bind(self) -> None:
        """Refuse to listen beyond loopback without a key."""
        from .errors import ConfigError

        if self.api_key is None and not is_loopback(self.host):
            raise ConfigError(
                f"Refusing to listen on {self.host} without LSFT_API_KEY: the server would let anyone on the "
                "network upload data and start training.",
                hint="set LSFT_API_KEY to a secret, or use HOST=127.0.0.1.",
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
