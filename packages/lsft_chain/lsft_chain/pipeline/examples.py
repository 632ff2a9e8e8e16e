"""A LangSmith example (inputs/outputs of any of the usual shapes) → a ChatSession that keeps its tools."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.chat_sessions import ChatSession

from ..errors import DataValidationError, Problem
from ..messages import RECORD_KEYS, to_langchain_message, to_openai_message

_INPUT_KEYS = ("messages", "input", "inputs", "chat_history")
_INPUT_TEXT_KEYS = ("question", "prompt", "query", "text")
_OUTPUT_KEYS = ("messages", "message", "output", "outputs", "generations", "choices")
_OUTPUT_TEXT_KEYS = ("answer", "content", "response", "completion", "text")


def _as_messages(value: Any, role: str) -> list[Any] | None:
    """A message list from one inputs/outputs value, or None when it is not one."""
    if isinstance(value, str):
        return [{"role": role, "content": value}]
    if isinstance(value, Mapping):
        if "choices" in value and isinstance(value["choices"], list) and value["choices"]:
            choice = value["choices"][0]
            return [choice.get("message")] if isinstance(choice, Mapping) and "message" in choice else None
        if "role" in value or "type" in value or "lc" in value:
            return [value]
        if "message" in value:
            return _as_messages(value["message"], role)
        return None
    if isinstance(value, list):
        if len(value) == 1 and isinstance(value[0], list):  # batched: [[msg, ...]]
            value = value[0]
        if all(isinstance(v, (Mapping, tuple, list)) or hasattr(v, "content") for v in value):
            return list(value)
        return None
    if hasattr(value, "content") and hasattr(value, "type"):  # a BaseMessage
        return [value]
    return None


def _pick(d: Mapping[str, Any], keys: Sequence[str], text_keys: Sequence[str], role: str) -> list[Any] | None:
    for key in keys:
        if key in d and (msgs := _as_messages(d[key], role)) is not None:
            return msgs
    for key in text_keys:
        if isinstance(d.get(key), str):
            return [{"role": role, "content": d[key]}]
    if len(d) == 1:
        return _as_messages(next(iter(d.values())), role)
    return None


def example_to_session(inputs: Mapping[str, Any] | None, outputs: Mapping[str, Any] | None,
                       metadata: Mapping[str, Any] | None = None, *, ref: str) -> ChatSession:
    """A LangSmith example (chat schema or key-value with messages) → ``ChatSession``, tools included.

    Raises ``DataValidationError`` naming ``ref``, the keys found and every bad message.
    """
    inputs, outputs, metadata = inputs or {}, outputs or {}, metadata or {}
    msgs_in = _pick(inputs, _INPUT_KEYS, _INPUT_TEXT_KEYS, "user")
    if msgs_in is None:
        raise DataValidationError([Problem(
            ref, "inputs", f"no messages found in inputs (keys: {sorted(inputs)})",
            "put the conversation in inputs['input'] (LangSmith chat schema) or inputs['messages'] "
            "(a list of {'role', 'content'} messages).", code="missing_messages_list")], source=f"example {ref}")
    msgs_out: list[Any] = []
    if outputs:
        picked = _pick(outputs, _OUTPUT_KEYS, _OUTPUT_TEXT_KEYS, "assistant")
        if picked is None:
            raise DataValidationError([Problem(
                ref, "outputs", f"no assistant message found in outputs (keys: {sorted(outputs)})",
                "put the reply in outputs['output'] or outputs['message'] (one message), outputs['messages'] "
                "(a list), or outputs['answer'] (text).", code="example_missing_assistant_message")],
                source=f"example {ref}")
        msgs_out = picked
    problems: list[Problem] = []
    messages = []
    for i, m in enumerate([*msgs_in, *msgs_out]):
        try:
            messages.append(to_langchain_message(to_openai_message(m, where=ref, index=i)))
        except DataValidationError as exc:
            problems.extend(exc.problems)
        except Exception as exc:  # LangChain refused the fields of an otherwise recognised message
            problems.append(Problem(ref, "message", f"invalid message: {str(exc).splitlines()[0][:200]}",
                                    "compare the message with OpenAI's chat format.", i, code="message_invalid"))
    if problems:
        raise DataValidationError(problems, source=f"example {ref}")
    session: dict[str, Any] = {"messages": messages}
    for key in RECORD_KEYS:
        value = inputs.get(key, metadata.get(key))
        if value is not None:
            session[key] = value
    return ChatSession(**session)  # type: ignore[typeddict-item]


