"""The embedded LangSmith-compatible dataset store: ``create_langsmith_app(settings)``.

It speaks the part of LangSmith's REST API that ``langsmith.Client`` uses for datasets and examples, so the
unmodified SDK and ``LangSmithDatasetChatLoader`` run against it offline:
``langsmith.Client(api_url="http://127.0.0.1:8000/langsmith", api_key="any")``. ``server.py`` mounts it at
``/langsmith``; serve it alone with ``uvicorn --factory lsft_chain.langsmith_store.app:create_langsmith_app``.
Data lives in the embedded service's SQLite under ``LSFT_HOME`` (tables ``ls_*``, migration 2).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ..settings import Settings
from .deps import require_api_key, start_langsmith_store
from .routes import datasets, examples, meta
from .schemas import LangSmithStoreError

__all__ = ["create_langsmith_app", "start_langsmith_store", "default_info"]


def default_info(*, multipart_examples: bool = True) -> dict[str, Any]:
    """``GET /info``. ``dataset_examples_multipart_enabled`` picks the SDK's create_examples path: multipart
    ``/v1/platform/datasets/{id}/examples`` (True, what current LangSmith says) or JSON ``/examples/bulk``."""
    return {"version": "0.lsft-embedded", "license_expiration_time": None, "batch_ingest_config": None,
            "instance_flags": {"dataset_examples_multipart_enabled": multipart_examples}}


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def create_langsmith_app(settings: Settings | None = None, *, manage_lifecycle: bool = True,
                         multipart_examples: bool = True) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        start_langsmith_store(app)
        yield

    app = FastAPI(title="lsft embedded LangSmith dataset store", version="0.1.0",
                  lifespan=lifespan if manage_lifecycle else None)
    app.state.settings = settings
    app.state.store = None
    app.state.info = default_info(multipart_examples=multipart_examples)

    @app.exception_handler(LangSmithStoreError)
    async def _store_error(_: Request, exc: LangSmithStoreError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        shown = "; ".join(f"{_loc(tuple(e.get('loc', ())))}: {e.get('msg')}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        return JSONResponse({"detail": f"Invalid request, nothing was stored: {shown}{more}. Fix: send inputs, "
                                       "outputs and metadata as JSON objects, ids as UUIDs."}, status_code=422)

    app.include_router(meta.router)
    for router in (datasets.router, examples.router):
        app.include_router(router, dependencies=[Depends(require_api_key)])
    return app
