"""Tokenize one chat fine-tuning record into ``input_ids`` and ``labels`` (the loss mask).

The chat template is rendered on growing prefixes; the text between "prompt for assistant message i"
and "conversation up to message i" is that message's content plus its end-of-turn token: those positions
get labels, all others -100. The mask is built from positions, never from token ids (SmolLM2's pad token
is its end-of-turn token).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..errors import DataError
from .render import chat_only, render_messages

__all__ = ["PreparedExample", "prepare_example", "IGNORE_INDEX"]

IGNORE_INDEX = -100


class PreparedExample(NamedTuple):
    """``input_ids`` and ``labels`` of equal length; ``truncated`` when cut to ``max_seq_len``."""

    input_ids: list[int]
    labels: list[int]
    truncated: bool
    n_trained: int


def _where(index: int | None) -> str:
    return "example" if index is None else f"example {index}"


def _template(tokenizer: Any, messages: list[dict[str, str]], generation_prompt: bool) -> str:
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)


def _split_end(segment: str, end_token: str | None) -> tuple[str, str]:
    """Train up to and including the last end-of-turn token; what follows it (a newline) is context."""
    if end_token:
        cut = segment.rfind(end_token)
        if cut >= 0:
            cut += len(end_token)
            return segment[:cut], segment[cut:]
    return segment, ""


def _segments(tokenizer: Any, record: dict[str, Any], index: int | None) -> list[tuple[str, bool]]:
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        raise DataError(f"{_where(index)} has no 'messages' list.",
                        hint="give every example a non-empty 'messages' list.")
    rendered = render_messages(messages, record.get("tools"))
    chat = chat_only(rendered)
    end_token = getattr(tokenizer, "eos_token", None)
    segments: list[tuple[str, bool]] = []
    done = ""  # text already covered by segments
    for i, message in enumerate(rendered):
        if message["role"] != "assistant":
            continue
        upto = _template(tokenizer, chat[: i + 1], False)
        prefix = _template(tokenizer, chat[:i], True) if i else None  # templates refuse empty chats
        if prefix is None or not (prefix.startswith(done) and upto.startswith(prefix)):
            # e.g. a template that adds a default system prompt only when messages exist: locate the
            # content in the full rendering instead.
            start = upto.rfind(message["content"]) if message["content"] else -1
            if not upto.startswith(done) or start < len(done):
                raise DataError(
                    f"{_where(index)}, messages[{i}]: the base model's chat template does not render this "
                    "conversation as a stable prefix, so the assistant turn cannot be located.",
                    hint="start the conversation with a system or user message.")
            prefix = upto[:start]
        segments.append((prefix[len(done):], False))
        trained, rest = _split_end(upto[len(prefix):], end_token)
        segments.append((trained, bool(message["weight"])))
        segments.append((rest, False))
        done = upto
    full = _template(tokenizer, chat, False)
    if not full.startswith(done):
        raise DataError(f"{_where(index)}: the chat template renders the full conversation differently "
                        "from its prefixes.", hint="check the base model's chat template.")
    segments.append((full[len(done):], False))
    return [(text, trained) for text, trained in segments if text]


def prepare_example(tokenizer: Any, record: dict[str, Any], max_seq_len: int, *,
                    index: int | None = None) -> PreparedExample:
    """Tokenize ``record`` (``{"messages": [...], "tools"?: [...]}``) for training.

    Raises ``DataError`` naming the example when nothing in it is trained (no assistant message with
    weight 1, or everything trained was cut off by ``max_seq_len``).
    """
    input_ids: list[int] = []
    labels: list[int] = []
    for text, trained in _segments(tokenizer, record, index):
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        input_ids.extend(ids)
        labels.extend(ids if trained else [IGNORE_INDEX] * len(ids))
    truncated = len(input_ids) > max_seq_len
    if truncated:
        input_ids, labels = input_ids[:max_seq_len], labels[:max_seq_len]
    n_trained = sum(1 for label in labels[1:] if label != IGNORE_INDEX)
    if n_trained == 0:
        if truncated:
            raise DataError(f"{_where(index)}: no assistant token is left after truncation to "
                            f"{max_seq_len} tokens.",
                            hint="shorten the example or raise max_seq_len.")
        raise DataError(f"{_where(index)} has no assistant message to train on.",
                        hint="add an assistant message (with weight 1 or no weight) at the end.")
    return PreparedExample(input_ids, labels, truncated, n_trained)
