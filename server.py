"""The LangServe app: the embedded OpenAI-compatible service and the pipeline, served side by side.

    /openai/v1   the embedded service (files, fine_tuning.jobs, models, chat.completions)
    /langsmith   the embedded LangSmith-compatible dataset store (langsmith.Client(api_url=".../langsmith"))
    /finetune    the pipeline (LangServe: invoke, batch, stream, stream_events, playground)
    /model       a chat model on the same provider; configurable field "model" picks the model id

Run it with ``make run`` or ``python server.py`` (HOST, PORT, LSFT_HOME, LSFT_API_KEY from the environment).
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from langchain_core.runnables import ConfigurableField
from langserve import add_routes

from lsft_chain import build_chain
from lsft_chain.errors import ConfigError
from lsft_chain.langsmith_store import create_langsmith_app, start_langsmith_store
from lsft_chain.providers import resolve_provider
from lsft_chain.service.app import create_app as create_service_app
from lsft_chain.service.app import start_service, stop_service
from lsft_chain.service.deps import check_api_key
from lsft_chain.service.schemas import OpenAIError
from lsft_chain.settings import Settings


def _self_url(settings: Settings, path: str) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}{path}"


def _langsmith_default(settings: Settings) -> dict[str, str | None] | None:
    """/finetune reads datasets from this server's own /langsmith unless LANGSMITH_ENDPOINT names another."""
    if os.environ.get("LANGSMITH_ENDPOINT") or os.environ.get("LANGCHAIN_ENDPOINT"):
        return None
    key = settings.api_key.get_secret_value() if settings.api_key else "lsft-local"
    return {"api_url": _self_url(settings, "/langsmith"), "api_key": key}


def create_server(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.embedded_url is None:
        settings = settings.model_copy(update={"embedded_url": _self_url(settings, "/openai/v1")})
    service = create_service_app(settings, manage_lifecycle=False)
    langsmith_store = create_langsmith_app(settings, manage_lifecycle=False)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        start_service(service)
        start_langsmith_store(langsmith_store)  # migrates, and seeds the example dataset on first start
        try:
            yield
        finally:
            stop_service(service)

    app = FastAPI(title="lsft", version="0.1.0", lifespan=lifespan,
                  description="Fine-tune chat models from LangSmith chat datasets; serve them.")
    app.state.settings = settings
    app.mount("/openai", service)
    app.mount("/langsmith", langsmith_store)

    @app.exception_handler(OpenAIError)
    async def _auth_error(_: Request, exc: OpenAIError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code)

    def require_key(request: Request) -> None:
        check_api_key(settings, request)

    provider = resolve_provider(settings)
    add_routes(app, build_chain(provider, langsmith=_langsmith_default(settings)), path="/finetune", dependencies=[Depends(require_key)])
    model = provider.chat_model(provider.default_base_model).configurable_fields(
        model_name=ConfigurableField(id="model", name="Model",
                                     description="Model id: a base model or a tuned one (ft:...)."),
        temperature=ConfigurableField(id="temperature", name="Temperature", description="0 = greedy."),
        max_tokens=ConfigurableField(id="max_tokens", name="Max tokens", description="Reply length limit."))
    add_routes(app, model, path="/model", dependencies=[Depends(require_key)])

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "provider": provider.name, "base_url": provider.base_url}

    return app


def main() -> None:
    import sys

    import uvicorn

    settings = Settings()
    try:
        settings.check_bind()
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"lsft: serving on http://{settings.host}:{settings.port} (LSFT_HOME={settings.home})", flush=True)
    uvicorn.run(create_server(settings), host=settings.host, port=settings.port, log_level="info")


if __name__ == "__main__":
    main()
