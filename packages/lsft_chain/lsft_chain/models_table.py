"""The one table of what lsft knows about base models: encoding, per-example token limit, training price.

Prices are OpenAI's published fine-tuning *training* prices in USD per 1M training tokens, as listed on
https://openai.com/api/pricing/ on ``PRICES_AS_OF``; change them here and nowhere else. Per-example limits
are the ones OpenAI's fine-tuning guide and data-prep cookbook give (16,385 tokens for gpt-3.5-turbo,
65,536 for the gpt-4o / gpt-4.1 families): longer examples are truncated from the end.

Names are matched by longest prefix after stripping a fine-tuned model's ``ft:`` wrapper
(``ft:gpt-4.1-mini-2025-04-14:org:suffix:id`` → ``gpt-4.1-mini-2025-04-14``), so dated snapshots and tuned
models of a known family resolve to it. Anything else (the embedded service's SmolLM2, a local folder) gets
``UNKNOWN``: o200k_base counts, the 65,536-token limit, and no price.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ModelInfo", "MODELS", "UNKNOWN", "PRICES_AS_OF", "CURRENCY", "base_name", "model_info"]

PRICES_AS_OF = "2025-06-01"
CURRENCY = "USD"


@dataclass(frozen=True)
class ModelInfo:
    name: str                       # the family prefix matched ("gpt-4o-mini")
    encoding: str                   # "o200k_base" | "cl100k_base"
    max_tokens_per_example: int     # longer examples are truncated by the provider
    training_price_per_1m: float | None  # CURRENCY per 1M billed training tokens; None = unknown
    known: bool = True


MODELS: tuple[ModelInfo, ...] = (
    ModelInfo("gpt-4.1-nano", "o200k_base", 65_536, 1.50),
    ModelInfo("gpt-4.1-mini", "o200k_base", 65_536, 5.00),
    ModelInfo("gpt-4.1", "o200k_base", 65_536, 25.00),
    ModelInfo("gpt-4o-mini", "o200k_base", 65_536, 3.00),
    ModelInfo("gpt-4o", "o200k_base", 65_536, 25.00),
    ModelInfo("o4-mini", "o200k_base", 65_536, None),   # reinforcement fine-tuning: billed by the hour
    ModelInfo("gpt-4-0613", "cl100k_base", 8_192, 90.00),
    ModelInfo("gpt-4", "cl100k_base", 8_192, 90.00),
    ModelInfo("gpt-3.5-turbo", "cl100k_base", 16_385, 8.00),
    ModelInfo("davinci-002", "cl100k_base", 16_384, 6.00),
    ModelInfo("babbage-002", "cl100k_base", 16_384, 0.40),
)
_BY_LENGTH = tuple(sorted(MODELS, key=lambda m: -len(m.name)))

UNKNOWN = ModelInfo("unknown", "o200k_base", 65_536, None, known=False)


def base_name(model: str | None) -> str:
    """``ft:<base>:<org>:<suffix>:<id>`` → ``<base>``; other names unchanged; None → ``""``."""
    if not model:
        return ""
    if model.startswith("ft:"):
        return model.split(":")[1]
    return model


def model_info(model: str | None) -> ModelInfo:
    """The table row for ``model`` (a base model, a dated snapshot or a fine-tuned ``ft:`` name)."""
    name = base_name(model).lower()
    for info in _BY_LENGTH:
        if name == info.name or name.startswith(info.name + "-"):
            return info
    return UNKNOWN
