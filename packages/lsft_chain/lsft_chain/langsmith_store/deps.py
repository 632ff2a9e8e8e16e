"""FastAPI dependencies of the LangSmith store: its ``Store`` (opened, and seeded, on first use) and the key."""

from __future__ import annotations

import secrets
import threading

from fastapi import FastAPI, Request

from ..service.deps import bearer_token
from ..service.store import Store
from ..settings import Settings
from .schemas import LangSmithStoreError
from .seed import seed_example_dataset

__all__ = ["start_langsmith_store", "get_store", "require_api_key"]

_lock = threading.Lock()


def start_langsmith_store(app: FastAPI) -> Store:
    """Open the store under ``settings.home`` (migrating it) and seed the example dataset once; idempotent.

    The host app calls this from its lifespan (Starlette does not run a mounted app's lifespan); a request
    that comes first opens it lazily.
    """
    with _lock:
        store = getattr(app.state, "store", None)
        if store is None:
            settings: Settings = app.state.settings
            store = Store(settings.home)
            if settings.seed_example_dataset:
                seed_example_dataset(store)
            app.state.store = store
        return store


def get_store(request: Request) -> Store:
    store = getattr(request.app.state, "store", None)
    return store if store is not None else start_langsmith_store(request.app)


def require_api_key(request: Request) -> None:
    """Any key (or none) when LSFT_API_KEY is unset; else ``x-api-key`` (what the SDK sends) or a Bearer token
    equal to it, or 401."""
    settings: Settings = request.app.state.settings
    if settings.api_key is None:
        return
    token = bearer_token(request)
    if token is None or not secrets.compare_digest(token, settings.api_key.get_secret_value()):
        raise LangSmithStoreError(401, "Missing or wrong API key. Fix: pass the server's LSFT_API_KEY as the "
                                       "LangSmith API key: langsmith.Client(api_key=...) or LANGSMITH_API_KEY "
                                       "(sent as the x-api-key header).")
