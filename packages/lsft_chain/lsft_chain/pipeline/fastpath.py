"""Direct dict → record conversion for the common shapes, skipping LangChain message objects.

Building LangChain messages costs ~10 µs each; most data is plain: OpenAI role dicts (JSONL) or LangChain-
serialised ``{"type": "human"|"ai"|"system"|"tool", "data": {...}}`` messages (LangSmith exports). For those,
these functions build the record the general path (``record_to_session`` / ``example_to_session`` then
``session_to_record``) would build, key order included, so the JSONL bytes are the same. Anything they are not
sure about (aliases, nulls, LangChain-native content blocks, mismatched tool calls, extra kwargs) returns
``None`` and the general path handles it; tests compare both paths on generated data.
"""

from __future__ import annotations

from typing import Any

__all__ = ["openai_record", "langsmith_record"]

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_PARTS = frozenset({"text", "image_url", "input_audio", "file", "refusal"})
_RECORD_KEYS = ("tools", "parallel_tool_calls", "functions")


def _plain_parts(content: list) -> bool:
    for p in content:
        if not isinstance(p, dict):
            return False
        kind = p.get("type")
        if kind not in _PARTS or not (kind in p or kind == "text" and "text" in p):
            return False
    return True


def _raw_calls_ok(calls: Any) -> bool:
    if not isinstance(calls, list) or not calls:
        return False
    for tc in calls:
        if not isinstance(tc, dict) or not isinstance(tc.get("id"), str):
            return False
        fn = tc.get("function")
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not isinstance(fn.get("arguments"), str):
            return False
    return True


def _openai_message(m: Any) -> bool:
    """True when the general path gives ``m`` back unchanged."""
    if not isinstance(m, dict):
        return False
    role = m.get("role")
    if role not in _ROLES:
        return False
    for v in m.values():
        if v is None:
            return False
    content = m.get("content")
    if isinstance(content, list):
        if not _plain_parts(content):
            return False
    elif not isinstance(content, str):
        if content is not None or role != "assistant":
            return False
    if role == "assistant":
        calls = m.get("tool_calls")
        if calls is not None and not _raw_calls_ok(calls):
            return False
        if (calls or "function_call" in m) and content in ("", []):
            return False  # the general path drops empty content next to calls
        if "function_call" in m:
            fc = m["function_call"]
            if not isinstance(fc, dict) or not isinstance(fc.get("arguments", ""), str):
                return False
        if "content" not in m and not (calls or "function_call" in m):
            return False
    elif "tool_calls" in m or "function_call" in m or "weight" in m:
        return False
    elif role == "tool":
        if not isinstance(m.get("tool_call_id"), str) or "content" not in m:
            return False
    elif role == "function":
        if not isinstance(m.get("name"), str) or "content" not in m:
            return False
    elif "content" not in m or "tool_call_id" in m:
        return False
    return True


def _ordered(m: dict) -> bool:
    """The general path writes role, content, name, then tool_calls/function_call/weight (assistant) or
    tool_call_id (tool), then other keys; a message in another order is left to it."""
    keys = list(m)
    order = ["role", "content", "name", "tool_calls", "function_call", "weight", "tool_call_id"]
    rank = [order.index(k) if k in order else len(order) for k in keys]
    return rank == sorted(rank)


def openai_record(obj: Any) -> dict[str, Any] | None:
    """An OpenAI fine-tuning record (parsed JSON) as the general path would write it, or None."""
    if not isinstance(obj, dict):
        return None
    msgs = obj.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return None
    for m in msgs:
        if not _openai_message(m) or not _ordered(m):
            return None
    for v in obj.values():
        if v is None:
            return None
    return obj


_DATA_KEYS = frozenset({"content", "additional_kwargs", "response_metadata", "type", "name", "id", "example",
                        "tool_calls", "invalid_tool_calls", "usage_metadata"})
_TOOL_DATA_KEYS = frozenset({"content", "additional_kwargs", "response_metadata", "type", "name", "id",
                             "tool_call_id", "artifact", "status"})
_TYPES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}


def _lc_message(obj: Any) -> dict[str, Any] | None:
    if not isinstance(obj, dict) or len(obj) != 2 or not isinstance(obj.get("data"), dict):
        return None
    role = _TYPES.get(obj.get("type"))  # type: ignore[arg-type]
    data = obj["data"]
    if role is None or data.get("type", obj["type"]) != obj["type"]:
        return None
    content = data.get("content")
    name = data.get("name")
    kw = data.get("additional_kwargs") or {}
    if not isinstance(content, str) or not (name is None or isinstance(name, str)) or not isinstance(kw, dict):
        return None
    if role == "tool":
        if not _TOOL_DATA_KEYS.issuperset(data) or kw or data.get("artifact") is not None:
            return None
        cid = data.get("tool_call_id")
        if not isinstance(cid, str):
            return None
        out = {"role": "tool", "content": content}
        if name is not None:
            out["name"] = name
        out["tool_call_id"] = cid
        return out
    if not _DATA_KEYS.issuperset(data) or data.get("invalid_tool_calls"):
        return None
    if role != "assistant":
        if kw or data.get("tool_calls"):
            return None
        out = {"role": role, "content": content}
        if name is not None:
            out["name"] = name
        return out
    calls = kw.get("tool_calls")
    if set(kw) - {"tool_calls"}:
        return None
    parsed = data.get("tool_calls") or []
    if calls is not None:
        if not _raw_calls_ok(calls):
            return None
        if parsed and [(p.get("id"), p.get("name")) if isinstance(p, dict) else None for p in parsed] != [
                (c["id"], c["function"]["name"]) for c in calls]:
            return None
    elif parsed:
        return None
    out = {"role": "assistant"}
    if content or not calls:
        out["content"] = content
    if name is not None:
        out["name"] = name
    if calls:
        out["tool_calls"] = calls
    return out


def langsmith_record(obj: Any) -> dict[str, Any] | None:
    """A LangSmith chat example ``{"inputs": {"input": [...]}, "outputs": {"output": {...}}}`` of serialised
    LangChain messages as a record, or None."""
    inputs, outputs = obj.get("inputs"), obj.get("outputs")
    if not isinstance(inputs, dict) or not isinstance(outputs, dict) or list(outputs) != ["output"]:
        return None
    msgs = inputs.get("input")
    if not isinstance(msgs, list) or not msgs or (len(msgs) == 1 and isinstance(msgs[0], list)):
        return None
    if any(k in inputs for k in ("messages",)) or set(inputs) - {"input", *_RECORD_KEYS}:
        return None
    messages = []
    for m in (*msgs, outputs["output"]):
        out = _lc_message(m)
        if out is None:
            return None
        messages.append(out)
    record: dict[str, Any] = {"messages": messages}
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        return None
    for key in _RECORD_KEYS:
        value = inputs.get(key, metadata.get(key))
        if value is not None:
            record[key] = value
    return record
