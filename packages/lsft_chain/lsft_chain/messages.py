"""Message shapes ↔ OpenAI chat fine-tuning records, losing nothing.

Accepted message shapes (``to_openai_message``): LangChain ``BaseMessage``; LangChain-serialised
``{"type": "human", "data": {...}}``; ``dumpd`` form ``{"lc": 1, "type": "constructor", ...}``; OpenAI role
dicts ``{"role", "content", ...}``; LangChain shorthands ``("human", "hi")`` and ``{"role": "human"}``.

Kept on the way: ``name``, ``tool_calls`` (raw OpenAI form, ``arguments`` stays the original JSON string),
``tool_call_id``, multimodal content parts, assistant ``weight``, legacy ``function_call`` / ``function``
messages, and record-level ``tools`` / ``parallel_tool_calls`` / ``functions``. An assistant message with
tool calls and no text has no ``content`` key, as in OpenAI's fine-tuning examples.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.chat_sessions import ChatSession
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    convert_to_messages,
    convert_to_openai_messages,
    messages_from_dict,
)

from .errors import DataValidationError, Problem

__all__ = [
    "OPENAI_ROLES",
    "RECORD_KEYS",
    "to_openai_message",
    "to_langchain_message",
    "record_to_session",
    "session_to_record",
]

OPENAI_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
#: Record-level keys carried between a record and the extra keys of a ChatSession.
RECORD_KEYS = ("tools", "parallel_tool_calls", "functions")
_ROLE_ALIASES = {"human": "user", "ai": "assistant"}
#: OpenAI content-part types kept verbatim (anything else goes through LangChain's block conversion).
_OPENAI_PART_TYPES = frozenset({"text", "image_url", "input_audio", "file", "refusal"})
#: additional_kwargs keys handled explicitly (not copied as extra message keys).
_HANDLED_KWARGS = frozenset({"tool_calls", "function_call", "weight", "name", "__openai_role__"})


def _fail(where: str, index: int | None, field: str, message: str, hint: str, code: str) -> DataValidationError:
    return DataValidationError(
        [Problem(example=where, message_index=index, field=field, message=message, hint=hint, code=code)],
        source=f"example {where}",
    )


# ---------------------------------------------------------------------------------------------------------
# anything → OpenAI message dict


def to_openai_message(obj: Any, *, where: str, index: int | None = None) -> dict[str, Any]:
    """Convert one message of any supported shape to an OpenAI fine-tuning message dict.

    ``where`` names the example (id, ``"line N"``, ``"index N"``), ``index`` the message position; both go
    into the ``Problem`` of the ``DataValidationError`` raised for a shape that is not a message.
    """
    if isinstance(obj, BaseMessage):
        return _from_langchain(obj, where=where, index=index)
    if isinstance(obj, Mapping):
        if "role" in obj:
            role = obj["role"]
            if not isinstance(role, str):
                raise _fail(where, index, "role", f"role must be a string, got {type(role).__name__}",
                            "use one of system, developer, user, assistant, tool.", "message_invalid_role")
            out = dict(obj)
            if role in _ROLE_ALIASES:
                out["role"] = _ROLE_ALIASES[role]
            return out
        if obj.get("lc") == 1 and obj.get("type") == "constructor":
            return _from_langchain(_load_dumpd(obj, where, index), where=where, index=index)
        if isinstance(obj.get("type"), str):
            data = obj["data"] if isinstance(obj.get("data"), Mapping) else {k: v for k, v in obj.items()
                                                                              if k != "type"}
            try:
                msg = messages_from_dict([{"type": obj["type"], "data": dict(data)}])[0]
            except Exception as exc:  # unknown type or bad fields
                raise _fail(where, index, "type", f"not a LangChain message of type {obj['type']!r}: "
                            f"{_short(exc)}",
                            "use a LangChain message type (human, ai, system, tool, function, chat) with "
                            "'data': {'content': ...}, or an OpenAI {'role', 'content'} dict.",
                            "message_unrecognized_shape") from None
            return _from_langchain(msg, where=where, index=index)
        raise _fail(where, index, "role", f"message has neither 'role' nor 'type' (keys: {sorted(obj)})",
                    "give each message a 'role' (OpenAI form) or 'type'+'data' (LangChain form).",
                    "message_missing_key")
    if isinstance(obj, (tuple, list)) and len(obj) == 2 and isinstance(obj[0], str):
        try:
            msg = convert_to_messages([tuple(obj)])[0]
        except Exception as exc:
            raise _fail(where, index, "role", f"unrecognised (role, content) pair: {_short(exc)}",
                        "use ('human'|'ai'|'system', text).", "message_unrecognized_shape") from None
        return _from_langchain(msg, where=where, index=index)
    raise _fail(where, index, "message", f"a {type(obj).__name__} is not a message",
                "give each message as an OpenAI {'role', 'content'} dict or a LangChain message.",
                "message_unrecognized_shape")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _load_dumpd(obj: Mapping[str, Any], where: str, index: int | None) -> BaseMessage:
    from langchain_core.load import load

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            msg = load(dict(obj), allowed_objects="messages")
    except Exception as exc:
        raise _fail(where, index, "id", f"cannot load serialised object {obj.get('id')}: {_short(exc)}",
                    "only LangChain message classes can be loaded here.", "message_unrecognized_shape") from None
    if not isinstance(msg, BaseMessage):
        raise _fail(where, index, "id", f"serialised object {obj.get('id')} is not a message",
                    "only LangChain message classes can be loaded here.", "message_unrecognized_shape")
    return msg


def _role_of(msg: BaseMessage) -> str:
    if isinstance(msg, HumanMessage):
        return "user"
    if isinstance(msg, AIMessage):
        return "assistant"
    if isinstance(msg, SystemMessage):
        return "developer" if msg.additional_kwargs.get("__openai_role__") == "developer" else "system"
    if isinstance(msg, ToolMessage):
        return "tool"
    if isinstance(msg, FunctionMessage):
        return "function"
    if isinstance(msg, ChatMessage):
        return _ROLE_ALIASES.get(msg.role, msg.role)
    return _ROLE_ALIASES.get(msg.type, msg.type)


def _is_openai_part(part: Any) -> bool:
    return isinstance(part, Mapping) and part.get("type") in _OPENAI_PART_TYPES and (
        part["type"] in part or part["type"] == "text" and "text" in part)


def _content_out(msg: BaseMessage) -> Any:
    content = msg.content
    if isinstance(content, str):
        return content
    if all(isinstance(p, str) or _is_openai_part(p) for p in content):
        return [{"type": "text", "text": p} if isinstance(p, str) else copy.deepcopy(dict(p)) for p in content]
    # LangChain-native blocks (e.g. {"type": "image", "source_type": "base64", ...}): let LangChain translate.
    return convert_to_openai_messages(msg, text_format="block")["content"]


def _json_string(value: Any) -> Any:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _raw_tool_calls(msg: AIMessage) -> list[dict[str, Any]] | None:
    """The message's tool calls in OpenAI form, keeping the original ``arguments`` strings when possible."""
    parsed = [(tc.get("id"), tc.get("name")) for tc in [*msg.tool_calls, *msg.invalid_tool_calls]]
    raw = msg.additional_kwargs.get("tool_calls")
    if isinstance(raw, list) and raw and all(isinstance(tc, Mapping) for tc in raw):
        raw_ids = [(tc.get("id"), (tc.get("function") or {}).get("name")) for tc in raw]
        if not parsed or raw_ids == parsed:
            out = [copy.deepcopy(dict(tc)) for tc in raw]
            for tc in out:
                fn = tc.get("function")
                if isinstance(fn, dict) and "arguments" in fn:
                    fn["arguments"] = _json_string(fn["arguments"])
            return out
    if not parsed:
        return None
    out = convert_to_openai_messages(AIMessage(content="", tool_calls=msg.tool_calls))
    calls = list(out.get("tool_calls", []))
    for itc in msg.invalid_tool_calls:  # convert_to_openai_messages drops these: keep them as given
        calls.append({"type": "function", "id": itc.get("id"),
                      "function": {"name": itc.get("name"), "arguments": itc.get("args") or ""}})
    return calls


def _from_langchain(msg: BaseMessage, *, where: str, index: int | None) -> dict[str, Any]:
    role = _role_of(msg)
    out: dict[str, Any] = {"role": role}
    content = _content_out(msg)
    kw = msg.additional_kwargs
    name = msg.name if msg.name is not None else kw.get("name")
    if isinstance(msg, AIMessage):
        calls = _raw_tool_calls(msg)
        function_call = kw.get("function_call")
        if isinstance(function_call, Mapping):
            function_call = dict(function_call)
            if "arguments" in function_call:
                function_call["arguments"] = _json_string(function_call["arguments"])
        if content not in ("", []) or not (calls or function_call):
            out["content"] = content
        if name is not None:
            out["name"] = name
        if calls:
            out["tool_calls"] = calls
        if function_call is not None:
            out["function_call"] = function_call
        if "weight" in kw:
            out["weight"] = kw["weight"]
    else:
        out["content"] = content
        if name is not None:
            out["name"] = name
        if isinstance(msg, ToolMessage):
            out["tool_call_id"] = msg.tool_call_id
        for key in ("tool_calls", "function_call", "weight"):  # invalid here: kept so validation names them
            if key in kw:
                out[key] = copy.deepcopy(kw[key])
    for key, value in kw.items():  # anything else the source carried: kept, check_record judges it
        if key not in _HANDLED_KWARGS and value is not None and key not in out:
            out[key] = copy.deepcopy(value)
    return out


# ---------------------------------------------------------------------------------------------------------
# OpenAI message dict → LangChain


def to_langchain_message(openai_msg: Mapping[str, Any]) -> BaseMessage:
    """Convert an OpenAI message dict to a LangChain message; ``to_openai_message`` gives it back unchanged.

    Keys LangChain has no field for (``weight``, ``function_call``, raw ``tool_calls``, unknown keys) go into
    ``additional_kwargs``. Unknown roles become ``ChatMessage(role=...)`` so validation can name them.
    """
    m = dict(openai_msg)
    role = m.pop("role", None)
    role = _ROLE_ALIASES.get(role, role) if isinstance(role, str) else role
    has_content = "content" in m
    content = m.pop("content", None)
    if content is None:
        content = ""
    name = m.pop("name", None)
    extra = {k: v for k, v in m.items() if k != "tool_call_id" or role != "tool"}
    if role == "user":
        return HumanMessage(content=content, name=name, additional_kwargs=extra)
    if role in ("system", "developer"):
        if role == "developer":
            extra["__openai_role__"] = "developer"
        return SystemMessage(content=content, name=name, additional_kwargs=extra)
    if role == "assistant":
        return AIMessage(content=content, name=name, additional_kwargs=extra)
    if role == "tool" and isinstance(m.get("tool_call_id"), str) and has_content:
        return ToolMessage(content=content, name=name, tool_call_id=m["tool_call_id"], additional_kwargs=extra)
    if role == "function" and isinstance(name, str) and has_content:
        return FunctionMessage(content=content, name=name, additional_kwargs=extra)
    # unknown role, or a tool/function message missing its id/name: keep everything, validation reports it
    if "tool_call_id" in m:
        extra["tool_call_id"] = m["tool_call_id"]
    extra.pop("__openai_role__", None)
    return ChatMessage(role=str(role), content=content, name=name, additional_kwargs=extra)


def _check_shape(record: Any, where: str) -> list[Problem]:
    """Shapes that cannot be carried through a ChatSession without loss."""
    hint_msgs = "give the record a non-empty 'messages' list of {'role', 'content'} objects."
    if not isinstance(record, Mapping):
        return [Problem(where, "record", f"a record must be a JSON object, got {type(record).__name__}",
                        hint_msgs, code="data_type")]
    msgs = record.get("messages")
    if not isinstance(msgs, list):
        return [Problem(where, "messages", "missing 'messages' list" if msgs is None else
                        f"'messages' must be a list, got {type(msgs).__name__}", hint_msgs,
                        code="missing_messages_list")]
    problems = []
    for i, m in enumerate(msgs):
        if not isinstance(m, Mapping):
            problems.append(Problem(where, "message", f"message is a {type(m).__name__}, not an object",
                                    "write each message as {'role': ..., 'content': ...}.", i, code="data_type"))
        elif not isinstance(m.get("role"), str):
            problems.append(Problem(where, "role", "message has no 'role'" if "role" not in m else
                                    "'role' must be a string", "add 'role': system|user|assistant|tool.", i,
                                    code="message_missing_key"))
        elif "content" not in m and m["role"] != "assistant":
            problems.append(Problem(where, "content", f"{m['role']} message has no 'content'",
                                    "add 'content' (only assistant tool-call messages may omit it).", i,
                                    code="message_missing_key"))
        elif "content" in m and m["content"] is None and m["role"] not in ("assistant",):
            problems.append(Problem(where, "content", f"'content' is null on a {m['role']} message",
                                    "give the message text content (only assistant tool-call messages may "
                                    "omit it).", i, code="missing_content"))
        elif "content" in m and m["content"] is not None and not isinstance(m["content"], (str, list)):
            problems.append(Problem(where, "content", f"'content' must be a string or a list of parts, got "
                                    f"{type(m['content']).__name__}", "use a string, or a list of "
                                    "{'type': 'text'|'image_url'|..., ...} parts.", i, code="data_type"))
    return problems


def record_to_session(record: Mapping[str, Any], *, where: str = "record") -> ChatSession:
    """An OpenAI fine-tuning record → ``ChatSession``; record keys besides ``messages`` become extra keys."""
    problems = _check_shape(record, where)
    if problems:
        raise DataValidationError(problems, source=f"example {where}")
    session: dict[str, Any] = {}
    for key, value in record.items():
        if key != "messages":
            session[key] = copy.deepcopy(value)
            continue
        session["messages"] = []
        for i, m in enumerate(value):
            try:
                session["messages"].append(to_langchain_message(m))
            except Exception as exc:  # LangChain refused a field (e.g. tool_calls of the wrong type)
                problems.append(Problem(where, "message", f"not a valid {m.get('role')} message: {_short(exc)}",
                                        "compare the message with OpenAI's chat fine-tuning format.", i,
                                        code="message_invalid"))
    if problems:
        raise DataValidationError(problems, source=f"example {where}")
    return ChatSession(**session)  # type: ignore[typeddict-item]


def session_to_record(session: Mapping[str, Any], *, where: str = "session") -> dict[str, Any]:
    """A ``ChatSession`` (messages of any supported shape, plus extra keys) → an OpenAI fine-tuning record."""
    msgs = session.get("messages")
    if isinstance(msgs, (str, bytes)) or not isinstance(msgs, Sequence):
        raise _fail(where, None, "messages", "session has no 'messages' list",
                    "a ChatSession is {'messages': [...]}, optionally with 'functions'/'tools'.",
                    "missing_messages_list")
    record: dict[str, Any] = {"messages": [to_openai_message(m, where=where, index=i) for i, m in enumerate(msgs)]}
    for key, value in session.items():
        if key != "messages" and value is not None:
            record[key] = copy.deepcopy(value)
    return record
