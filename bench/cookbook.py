"""OpenAI's cookbook data-prep checks and token counts, as the notebook has them.

Reimplemented faithfully from "Data preparation and analysis for chat model fine-tuning"
(https://cookbook.openai.com/examples/chat_finetuning_data_prep, openai-cookbook
examples/Chat_finetuning_data_prep.ipynb): format error checks, num_tokens_from_messages,
num_assistant_tokens_from_messages, the warnings/token statistics and the epoch/billing estimate.
One deviation, needed to run at all on tool-call data: the notebook calls ``encoding.encode(value)`` on every
message value and crashes on a ``tool_calls`` list or a null content; here non-string values are counted as
their JSON text (``None`` as nothing).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

MAX_TOKENS_PER_EXAMPLE = 65536  # gpt-4o-mini, as ours is run
TARGET_EPOCHS, MIN_TARGET_EXAMPLES, MAX_TARGET_EXAMPLES, MIN_DEFAULT_EPOCHS, MAX_DEFAULT_EPOCHS = 3, 100, 25000, 1, 25


def format_errors(dataset: list[Any]) -> dict[str, int]:
    errors: dict[str, int] = defaultdict(int)
    for ex in dataset:
        if not isinstance(ex, dict):
            errors["data_type"] += 1
            continue
        messages = ex.get("messages", None)
        if not messages:
            errors["missing_messages_list"] += 1
            continue
        for message in messages:
            if "role" not in message or "content" not in message:
                errors["message_missing_key"] += 1
            if any(k not in ("role", "content", "name", "function_call", "weight") for k in message):
                errors["message_unrecognized_key"] += 1
            if message.get("role", None) not in ("system", "user", "assistant", "function"):
                errors["unrecognized_role"] += 1
            content = message.get("content", None)
            function_call = message.get("function_call", None)
            if (not content and not function_call) or not isinstance(content, str):
                errors["missing_content"] += 1
        if not any(message.get("role", None) == "assistant" for message in messages):
            errors["example_missing_assistant_message"] += 1
    return dict(errors)


def _encode(encoding: Any, value: Any) -> list[int]:
    if value is None:
        return []
    return encoding.encode(value if isinstance(value, str) else json.dumps(value))


def num_tokens_from_messages(encoding: Any, messages: list[dict], tokens_per_message: int = 3,
                             tokens_per_name: int = 1) -> int:
    num_tokens = 0
    for message in messages:
        num_tokens += tokens_per_message
        for key, value in message.items():
            num_tokens += len(_encode(encoding, value))
            if key == "name":
                num_tokens += tokens_per_name
    num_tokens += 3
    return num_tokens


def num_assistant_tokens_from_messages(encoding: Any, messages: list[dict]) -> int:
    return sum(len(_encode(encoding, m.get("content"))) for m in messages if m["role"] == "assistant")


def analyse(dataset: list[dict], encoding: Any) -> dict[str, Any]:
    """The notebook's checks, warnings and token counts, then its epoch and billing estimate."""
    errors = format_errors(dataset)
    n_missing_system = n_missing_user = 0
    n_messages, convo_lens, assistant_message_lens = [], [], []
    for ex in dataset:
        messages = ex["messages"]
        if not any(message["role"] == "system" for message in messages):
            n_missing_system += 1
        if not any(message["role"] == "user" for message in messages):
            n_missing_user += 1
        n_messages.append(len(messages))
        convo_lens.append(num_tokens_from_messages(encoding, messages))
        assistant_message_lens.append(num_assistant_tokens_from_messages(encoding, messages))
    n_too_long = sum(length > MAX_TOKENS_PER_EXAMPLE for length in convo_lens)
    n_train_examples = len(dataset)
    n_epochs = TARGET_EPOCHS
    if n_train_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        n_epochs = min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_train_examples)
    elif n_train_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        n_epochs = max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_train_examples)
    n_billing_tokens = sum(min(MAX_TOKENS_PER_EXAMPLE, length) for length in convo_lens)
    return {"format_errors": errors, "n_missing_system": n_missing_system, "n_missing_user": n_missing_user,
            "n_too_long": n_too_long, "tokens": sum(convo_lens), "n_epochs": n_epochs,
            "billed_tokens": n_epochs * n_billing_tokens}
