"""What each dataset data type accepts, and its conversion to an OpenAI fine-tuning record (``openai_ft``).

    kv     any inputs and outputs objects
    chat   inputs {"input": [message, ...]}, outputs {"output": message}; a message is LangChain-serialised
           ({"type": "human", "data": {"content": ...}}, or the ``lc`` constructor form) or an OpenAI
           {"role", "content"} dict
    llm    inputs {"input": "prompt text"}, outputs {"output": "completion text"}

The checks run before an example is stored, so a chat dataset always converts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import DataValidationError
from ..messages import RECORD_KEYS, to_openai_message

__all__ = ["check_example", "to_openai_record"]

_CHAT_HINT = ("a chat example is inputs={'input': [message, ...]} and outputs={'output': message}, each "
              "message LangChain-serialised ({'type': 'human', 'data': {'content': ...}}) or OpenAI "
              "{'role': 'user', 'content': ...}")
_LLM_HINT = "an llm example is inputs={'input': 'prompt text'} and outputs={'output': 'completion text'}"


def _first_problem(exc: DataValidationError) -> str:
    return str(exc.problems[0]) if exc.problems else str(exc)


def _check_chat(inputs: Mapping[str, Any], outputs: Mapping[str, Any] | None, where: str) -> None:
    msgs = inputs.get("input")
    if not isinstance(msgs, list) or not msgs:
        raise ValueError(f"{where}: inputs['input'] must be a non-empty list of messages "
                         f"(inputs has keys {sorted(inputs)}). Fix: {_CHAT_HINT}.")
    try:
        for i, m in enumerate(msgs):
            to_openai_message(m, where=where, index=i)
        if outputs is not None:
            if not isinstance(outputs.get("output"), Mapping):
                raise ValueError(f"{where}: outputs['output'] must be one message object (outputs has keys "
                                 f"{sorted(outputs)}). Fix: {_CHAT_HINT}.")
            to_openai_message(outputs["output"], where=where, index=len(msgs))
    except DataValidationError as exc:
        raise ValueError(f"{where}: {_first_problem(exc)}") from None


def _check_llm(inputs: Mapping[str, Any], outputs: Mapping[str, Any] | None, where: str) -> None:
    if not isinstance(inputs.get("input"), str):
        raise ValueError(f"{where}: inputs['input'] must be a string (inputs has keys {sorted(inputs)}). "
                         f"Fix: {_LLM_HINT}.")
    if outputs is not None and not isinstance(outputs.get("output"), str):
        raise ValueError(f"{where}: outputs['output'] must be a string (outputs has keys {sorted(outputs)}). "
                         f"Fix: {_LLM_HINT}.")


def check_example(data_type: str, inputs: Mapping[str, Any], outputs: Mapping[str, Any] | None,
                  where: str) -> None:
    """Raise ``ValueError`` (a message naming ``where`` and the fix) if the example does not fit the type."""
    if data_type == "chat":
        _check_chat(inputs, outputs, where)
    elif data_type == "llm":
        _check_llm(inputs, outputs, where)


def to_openai_record(data_type: str, example: Mapping[str, Any]) -> dict[str, Any]:
    """One stored example → ``{"messages": [...], ...}`` in OpenAI's chat fine-tuning format.

    Raises ``ValueError`` naming the example when a kv example holds no conversation.
    """
    inputs, outputs = example["inputs"] or {}, example.get("outputs") or {}
    ref = str(example["id"])
    if data_type == "llm":
        messages = [{"role": "user", "content": inputs["input"]}]
        if "output" in outputs:
            messages.append({"role": "assistant", "content": outputs["output"]})
        return {"messages": messages}
    if data_type == "chat":
        msgs = [*inputs["input"], *([outputs["output"]] if "output" in outputs else [])]
        record: dict[str, Any] = {"messages": [to_openai_message(m, where=ref, index=i) for i, m in enumerate(msgs)]}
        for key in RECORD_KEYS:
            if inputs.get(key) is not None:
                record[key] = inputs[key]
        return record
    from ..messages import session_to_record
    from ..pipeline.load import example_to_session

    try:
        session = example_to_session(inputs, outputs, example.get("metadata"), ref=ref)
        return session_to_record(session, where=ref)
    except DataValidationError as exc:
        raise ValueError(f"example {ref} cannot be exported for fine-tuning: {_first_problem(exc)}") from None
