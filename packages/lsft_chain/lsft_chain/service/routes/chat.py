"""``/chat/completions`` for base and tuned models, streaming (SSE) included."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from ..schemas import OpenAIError

router = APIRouter(prefix="/chat", tags=["chat"])


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[dict[str, Any]] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    stop: str | list[str] | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = 1
    seed: int | None = None
    tools: list[dict[str, Any]] | None = None


def _usage(result: Any) -> dict[str, int]:
    return {"prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
            "total_tokens": result.prompt_tokens + result.completion_tokens}


@router.post("/completions")
async def chat_completions(body: ChatRequest, request: Request):
    if body.n != 1:
        raise OpenAIError(400, "The embedded service generates one choice per request; set n=1.", param="n")
    # May convert the base model once (seconds): never on the event loop.
    base_path, adapter_path = await run_in_threadpool(request.app.state.base_models.for_chat, body.model)
    generator = request.app.state.generator()
    kwargs = dict(tools=body.tools, max_tokens=body.max_completion_tokens or body.max_tokens,
                  temperature=1.0 if body.temperature is None else body.temperature,
                  top_p=1.0 if body.top_p is None else body.top_p,
                  stop=[body.stop] if isinstance(body.stop, str) else body.stop, seed=body.seed)
    completion_id, created = f"chatcmpl-{secrets.token_hex(12)}", int(time.time())
    if not body.stream:
        result = await run_in_threadpool(generator.complete, base_path, adapter_path, body.messages, **kwargs)
        return {
            "id": completion_id, "object": "chat.completion", "created": created, "model": body.model,
            "system_fingerprint": None,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": result.text, "refusal": None},
                         "finish_reason": result.finish_reason, "logprobs": None}],
            "usage": _usage(result),
        }

    stream = await run_in_threadpool(generator.stream, base_path, adapter_path, body.messages, **kwargs)
    include_usage = bool(body.stream_options and body.stream_options.include_usage)

    def chunk(delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> str:
        payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                   "model": body.model, "system_fingerprint": None,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
                   **extra}
        return f"data: {json.dumps(payload)}\n\n"

    async def events() -> AsyncIterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        async for text in iterate_in_threadpool(iter(stream)):
            if text:
                yield chunk({"content": text})
        result = stream.result
        yield chunk({}, result.finish_reason)
        if include_usage:
            payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                       "model": body.model, "choices": [], "usage": _usage(result)}
            yield f"data: {json.dumps(payload)}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")
