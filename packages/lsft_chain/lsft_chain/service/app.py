"""The embedded OpenAI-compatible service: ``create_app(settings)``.

Serve it on its own (``uvicorn --factory lsft_chain.service.app:create_app`` serves ``/v1``), or mount it
(``server.py`` mounts it at ``/openai`` so its base URL is ``…/openai/v1``). Starlette does not run a mounted
app's lifespan, so the host app calls ``start_service`` / ``stop_service`` from its own.
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ..settings import Settings
from .deps import require_api_key
from .registry import ModelRegistry
from .routes import chat, files, jobs, models
from .schemas import OpenAIError
from .store import Store

__all__ = ["create_app", "start_service", "stop_service"]


def start_service(app: FastAPI) -> None:
    from ..training.worker import JobWorker

    settings: Settings = app.state.settings
    store = Store(settings.home)
    app.state.store = store
    app.state.base_models = ModelRegistry(settings, store)
    app.state.worker = JobWorker(store, default_base_model=settings.base_model, device=settings.device)
    app.state.worker.start()
    lock, holder = threading.Lock(), []

    def generator() -> Any:
        with lock:
            if not holder:
                from ..training.generate import ChatGenerator

                holder.append(ChatGenerator())
            return holder[0]

    app.state.generator = generator


def stop_service(app: FastAPI) -> None:
    worker = getattr(app.state, "worker", None)
    if worker is not None:
        worker.stop()


def create_app(settings: Settings | None = None, *, manage_lifecycle: bool = True, prefix: str = "/v1") -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        start_service(app)
        try:
            yield
        finally:
            stop_service(app)

    app = FastAPI(title="lsft embedded OpenAI-compatible service", version="0.1.0",
                  lifespan=lifespan if manage_lifecycle else None)
    app.state.settings = settings

    @app.exception_handler(OpenAIError)
    async def _openai_error(_: Request, exc: OpenAIError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        param = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        msg = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}"
                        for e in exc.errors())
        return JSONResponse(OpenAIError(400, f"Invalid request: {msg}", param=param).body(), status_code=400)

    for router in (files.router, jobs.router, models.router, chat.router):
        app.include_router(router, prefix=prefix, dependencies=[Depends(require_api_key)])
    return app
