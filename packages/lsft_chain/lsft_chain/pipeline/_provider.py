"""How a stage finds its provider, and how the SDK's errors become ours."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import openai
from langchain_core.runnables import RunnableConfig

from ..errors import ProviderError
from ..providers import Provider, resolve_provider

T = TypeVar("T")

CONFIG_KEY = "lsft_provider"


def provider_from(config: RunnableConfig | None) -> Provider:
    """The provider put in ``configurable["lsft_provider"]`` (see ``build_chain``), else the default one."""
    provider = ((config or {}).get("configurable") or {}).get(CONFIG_KEY)
    return provider if isinstance(provider, Provider) else resolve_provider()


def _body_error(e: openai.APIStatusError) -> tuple[str, str | None, str | None]:
    body = e.body if isinstance(e.body, dict) else {}
    err = body.get("error", body) if isinstance(body, dict) else {}
    if not isinstance(err, dict):
        err = {}
    return str(err.get("message") or e.message), err.get("code"), err.get("param")


def call(provider: Provider, what: str, fn: Callable[[], T]) -> T:
    """Run one SDK call, translating its errors into ``ProviderError`` with a hint."""
    try:
        return fn()
    except openai.APIConnectionError as e:
        raise ProviderError(f"Could not reach the {provider.name} endpoint at {provider.base_url or 'api.openai.com'} "
                            f"to {what}: {e}.",
                            hint="check that the server is running and the base URL is right "
                                 "(LSFT_EMBEDDED_URL / OPENAI_BASE_URL / AZURE_OPENAI_ENDPOINT).") from e
    except openai.APIStatusError as e:
        message, code, param = _body_error(e)
        hints = {
            401: "check the API key (LSFT_API_KEY / OPENAI_API_KEY / AZURE_OPENAI_API_KEY).",
            404: "check the id or model name.",
            429: "wait and retry later, or raise your quota"
                 + ("; this daily limit does not reset by retrying" if code == "daily_rate_limit_exceeded" else "") + ".",
        }
        hint = hints.get(e.status_code, "see the message; fix the request and run again.")
        where = f" (param: {param})" if param else ""
        raise ProviderError(f"The {provider.name} endpoint refused to {what}: [{e.status_code}"
                            f"{' ' + code if code else ''}] {message}{where}",
                            hint=hint, status_code=e.status_code, code=code) from e


def dump(obj: Any) -> dict[str, Any]:
    return obj.model_dump(mode="json") if hasattr(obj, "model_dump") else dict(obj)
