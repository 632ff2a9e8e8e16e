"""Exact, offline token counts with OpenAI's encodings, and what training on them will bill.

Text is counted with ``quicktok`` (PyPI ``quicktok-v1``): its cl100k_base and o200k_base tables ship in the
wheel and its ids are identical to tiktoken's (the tests compare them), at ~35-45 M tokens/s on one core
against tiktoken's 3.5-5.5 M (see bench/). Special-token text such as ``<|endoftext|>`` in the data is
counted as ordinary text, as it is trained.

How a record is counted (OpenAI's cookbook ``num_tokens_from_messages``, extended to tools):

* every message: 3 tokens, plus the tokens of its role and of each string field (content, tool_call_id);
  ``name``: its tokens + 1; text parts of list content: their text; an image part: 85 tokens (the
  low-detail cost; high-detail images cost more, so this is a lower bound); other parts (audio, files): 0;
* tool calls and ``function_call``: the tokens of the function name and of the arguments string, + 3 per call;
* record-level ``tools`` / ``functions``: the tokens of their compact JSON. OpenAI does not publish how tool
  definitions are rendered for training; this is an approximation that runs a few percent high;
* + 3 for the assistant reply priming, once per record.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import orjson

from .models_table import model_info

__all__ = ["encoding_for_model", "get_counter", "TokenCounter", "estimate_epochs",
           "TOKENS_PER_MESSAGE", "TOKENS_PER_NAME", "REPLY_PRIMING", "IMAGE_TOKENS"]

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
TOKENS_PER_CALL = 3
IMAGE_TOKENS = 85

# OpenAI's default n_epochs rule (cookbook "Data preparation and analysis for chat model fine-tuning").
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


def encoding_for_model(model: str | None) -> str:
    """``o200k_base`` or ``cl100k_base`` for a base or ``ft:`` model name (unknown models: o200k_base)."""
    return model_info(model).encoding


def estimate_epochs(n_examples: int) -> int:
    """The epochs OpenAI runs when ``n_epochs`` is left on auto: 3, raised so that examples × epochs reaches
    100 (at most 25 epochs), lowered so that it stays under 25,000 (at least 1)."""
    if n_examples <= 0:
        return 0
    n = TARGET_EPOCHS
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        n = min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    elif n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        n = max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return n


class TokenCounter:
    """Counts text and whole fine-tuning records in one encoding."""

    def __init__(self, encoding: str) -> None:
        import quicktok

        self.encoding = encoding
        self._count = quicktok.get_encoding(encoding).count

    def text(self, s: str) -> int:
        return self._count(s) if s else 0

    def _content(self, content: Any) -> int:
        if isinstance(content, str):
            return self._count(content) if content else 0
        n = 0
        if isinstance(content, list):
            for part in content:
                if isinstance(part, Mapping):
                    kind = part.get("type")
                    if kind == "text" and isinstance(part.get("text"), str):
                        n += self._count(part["text"])
                    elif kind == "image_url":
                        n += IMAGE_TOKENS
                elif isinstance(part, str):
                    n += self._count(part)
        return n

    def _call(self, fn: Any) -> int:
        if not isinstance(fn, Mapping):
            return TOKENS_PER_CALL
        n = TOKENS_PER_CALL
        for key in ("name", "arguments"):
            if isinstance(fn.get(key), str):
                n += self._count(fn[key])
        return n

    def message(self, m: Mapping[str, Any]) -> int:
        count = self._count
        n = TOKENS_PER_MESSAGE
        for key, value in m.items():
            if key == "content":
                n += self._content(value)
            elif key == "tool_calls":
                if isinstance(value, list):
                    for tc in value:
                        n += self._call(tc.get("function") if isinstance(tc, Mapping) else None)
            elif key == "function_call":
                n += self._call(value)
            elif isinstance(value, str):
                n += count(value)
                if key == "name":
                    n += TOKENS_PER_NAME
        return n

    def record(self, record: Mapping[str, Any]) -> int:
        """Tokens of one fine-tuning record: messages, tool calls, tool definitions, reply priming."""
        n = REPLY_PRIMING
        for m in record.get("messages") or ():
            if isinstance(m, Mapping):
                n += self.message(m)
        for key in ("tools", "functions"):
            if record.get(key):
                n += self._count(orjson.dumps(record[key]).decode())
        return n


@lru_cache(maxsize=4)
def get_counter(encoding: str) -> TokenCounter:
    """A shared counter per encoding (quicktok's tables load once, in ~50 ms)."""
    return TokenCounter(encoding)
