"""FastAPI dependencies: the service's settings, store and generator live on ``app.state``."""

from __future__ import annotations

import secrets

from fastapi import Request

from ..settings import Settings
from .schemas import OpenAIError
from .store import Store


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> Store:
    return request.app.state.store


def bearer_token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    return request.headers.get("api-key") or request.headers.get("x-api-key")


def check_api_key(settings: Settings, request: Request) -> None:
    """Raise 401 unless the request carries LSFT_API_KEY (when one is set)."""
    if settings.api_key is None:
        return
    token = bearer_token(request)
    if token is None or not secrets.compare_digest(token, settings.api_key.get_secret_value()):
        raise OpenAIError(401, "Incorrect or missing API key. Send it as 'Authorization: Bearer <LSFT_API_KEY>'.",
                          type="invalid_request_error", code="invalid_api_key")


def require_api_key(request: Request) -> None:
    check_api_key(request.app.state.settings, request)
