"""OpenAI chat fine-tuning rules, in one place: every record is checked here, every problem named.

``check_record(record, where)`` returns every ``Problem`` of one record (errors and warnings); the dataset
rules (token limit, duplicates, train/validation overlap, the 10-example minimum) are small functions the
convert stage calls while it streams. Error codes include every category of OpenAI's cookbook data-prep
checker (``data_type``, ``missing_messages_list``, ``message_missing_key``, ``message_unrecognized_key``,
``unrecognized_role``, ``missing_content``, ``example_missing_assistant_message``); unlike that checker, an
assistant message with ``tool_calls`` (or ``function_call``) and no content is valid, as OpenAI's own
tool-calling fine-tuning examples have it.

Rules:
  record        a JSON object with a non-empty ``messages`` list; other keys: ``tools`` (list of
                ``{"type": "function", "function": {"name", ...}}``), ``functions`` (list of ``{"name", ...}``),
                ``parallel_tool_calls`` (bool); unknown record keys are warnings.
  message keys  per role (``ROLE_KEYS``); ``weight`` is 0 or 1 and only on assistant messages.
  content       a string or a list of parts; image/audio/file parts only in user messages; an assistant
                needs content, ``tool_calls`` or ``function_call``.
  tool calls    each with an id, a function name and JSON-string arguments; each answered by a tool message
                with its id before the next non-tool message (the final assistant message may end on calls).
  shape         at least one assistant message, the last message an assistant one; no system / no user
                message is a warning.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .errors import Problem
from .models_table import ModelInfo

__all__ = ["ROLE_KEYS", "RECORD_KEYS", "MIN_EXAMPLES", "check_record", "too_long", "too_few_examples"]

_BASE = frozenset({"role", "content", "name"})
ROLE_KEYS: dict[str, frozenset[str]] = {
    "system": _BASE,
    "developer": _BASE,
    "user": _BASE,
    "assistant": _BASE | {"tool_calls", "function_call", "weight"},
    "tool": _BASE | {"tool_call_id"},
    "function": _BASE,
}
RECORD_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
MIN_EXAMPLES = 10
_USER_ONLY_PARTS = frozenset({"image_url", "input_audio", "file"})
_ALL_PARTS = _USER_ONLY_PARTS | {"text", "refusal"}


def _has_content(content: Any) -> bool:
    if isinstance(content, str):
        return content != ""
    return isinstance(content, list) and len(content) > 0


def _check_tool_calls(calls: Any, where: str, i: int, problems: list[Problem]) -> list[str]:
    """Check an assistant message's ``tool_calls``; return their ids."""
    if not isinstance(calls, list) or not calls:
        problems.append(Problem(where, "tool_calls", "'tool_calls' must be a non-empty list",
                                "remove the key or give [{'id', 'type': 'function', 'function': {...}}].", i,
                                code="invalid_tool_calls"))
        return []
    ids: list[str] = []
    for k, tc in enumerate(calls):
        f = f"tool_calls[{k}]"
        fn = tc.get("function") if isinstance(tc, Mapping) else None
        if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
            problems.append(Problem(where, f"{f}.function.name", "tool call has no function name",
                                    "give {'type': 'function', 'function': {'name', 'arguments'}}.", i,
                                    code="invalid_tool_calls"))
            continue
        if not isinstance(tc.get("id"), str) or not tc["id"]:
            problems.append(Problem(where, f"{f}.id", "tool call has no id",
                                    "give every tool call a unique 'id' that its tool result repeats.", i,
                                    code="invalid_tool_calls"))
        elif tc["id"] in ids:
            problems.append(Problem(where, f"{f}.id", f"duplicate tool call id {tc['id']!r}",
                                    "give every tool call in a message its own id.", i, code="invalid_tool_calls"))
        else:
            ids.append(tc["id"])
        _check_arguments(fn.get("arguments"), where, f"{f}.function.arguments", i, problems)
    return ids


def _check_arguments(args: Any, where: str, field: str, i: int, problems: list[Problem]) -> None:
    if not isinstance(args, str):
        problems.append(Problem(where, field, "arguments must be a JSON string",
                                "serialise the arguments object with json.dumps.", i, code="invalid_tool_calls"))
        return
    try:
        json.loads(args)
    except ValueError:
        problems.append(Problem(where, field, "arguments are not valid JSON",
                                "make 'arguments' a JSON object string, e.g. '{\"x\": 1}'.", i,
                                code="invalid_tool_calls"))


def _check_record_keys(record: Mapping[str, Any], where: str, problems: list[Problem]) -> None:
    for key in record:
        if key not in RECORD_KEYS:
            problems.append(Problem(where, key, f"unknown record key {key!r}", "remove it; OpenAI records hold "
                                    "messages, tools, parallel_tool_calls, functions.", severity="warning",
                                    code="record_unrecognized_key"))
    tools = record.get("tools")
    if tools is not None and (not isinstance(tools, list) or not all(
            isinstance(t, Mapping) and isinstance(t.get("function"), Mapping)
            and isinstance(t["function"].get("name"), str) for t in tools)):
        problems.append(Problem(where, "tools", "'tools' must be a list of {'type': 'function', 'function': "
                                "{'name', 'parameters'}}", "fix or remove the tool definitions.",
                                code="invalid_tools"))
    functions = record.get("functions")
    if functions is not None and (not isinstance(functions, list) or not all(
            isinstance(f, Mapping) and isinstance(f.get("name"), str) for f in functions)):
        problems.append(Problem(where, "functions", "'functions' must be a list of {'name', 'parameters'}",
                                "fix or remove the function definitions (or move them to 'tools').",
                                code="invalid_functions"))
    ptc = record.get("parallel_tool_calls")
    if "parallel_tool_calls" in record and not isinstance(ptc, bool):
        problems.append(Problem(where, "parallel_tool_calls", f"'parallel_tool_calls' must be true or false, got "
                                f"{ptc!r}", "use a JSON boolean, or remove the key.", code="data_type"))


def _check_content(m: Mapping[str, Any], role: str, where: str, i: int, problems: list[Problem]) -> None:
    content = m["content"]
    if content is None:
        if role != "assistant":
            problems.append(Problem(where, "content", f"'content' is null on a {role} message",
                                    "give the message text content.", i, code="missing_content"))
        return
    if isinstance(content, str):
        if not content and role in ("user", "system", "developer"):
            problems.append(Problem(where, "content", f"empty {role} content", "remove the message or give it "
                                    "text.", i, severity="warning", code="empty_content"))
        return
    if not isinstance(content, list):
        problems.append(Problem(where, "content", f"'content' must be a string or a list of parts, got "
                                f"{type(content).__name__}", "use a string, or a list of {'type': 'text', "
                                "'text': ...} parts.", i, code="data_type"))
        return
    if not content:
        problems.append(Problem(where, "content", "'content' is an empty list", "give at least one part, or a "
                                "string.", i, code="missing_content"))
    for k, part in enumerate(content):
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind not in _ALL_PARTS:
            problems.append(Problem(where, f"content[{k}]", f"unknown content part {kind or part!r}"[:200],
                                    "use {'type': 'text', 'text': ...} (or image_url parts in user messages).",
                                    i, code="invalid_content_part"))
        elif kind in _USER_ONLY_PARTS and role != "user":
            problems.append(Problem(where, f"content[{k}]", f"{kind} part in a {role} message",
                                    "images (and audio, files) may only appear in user messages.", i,
                                    code="image_not_in_user_message" if kind == "image_url" else
                                    "invalid_content_part"))
        elif kind == "text" and not isinstance(part.get("text"), str):
            problems.append(Problem(where, f"content[{k}].text", "text part without a 'text' string",
                                    "give {'type': 'text', 'text': '...'}.", i, code="invalid_content_part"))
        elif kind == "refusal" and role != "assistant":
            problems.append(Problem(where, f"content[{k}]", f"refusal part in a {role} message",
                                    "refusal parts belong to assistant messages.", i, code="invalid_content_part"))


def check_record(record: Any, where: str) -> list[Problem]:
    """Every problem of one OpenAI chat fine-tuning record, errors and warnings, in message order."""
    problems: list[Problem] = []
    if not isinstance(record, Mapping):
        return [Problem(where, "record", f"a record must be a JSON object, got {type(record).__name__}",
                        "write {'messages': [...]}.", code="data_type")]
    msgs = record.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return [Problem(where, "messages", "missing 'messages' list" if msgs is None else
                        "'messages' must be a non-empty list", "give the example at least a user and an "
                        "assistant message.", code="missing_messages_list")]
    _check_record_keys(record, where, problems)
    pending: dict[str, int] = {}  # tool call id → index of the assistant message that made it
    roles: set[str] = set()
    for i, m in enumerate(msgs):
        if not isinstance(m, Mapping):
            problems.append(Problem(where, "message", f"message must be an object, got {type(m).__name__}",
                                    "write {'role', 'content'}.", i, code="data_type"))
            continue
        role = m.get("role")
        if "role" not in m:
            problems.append(Problem(where, "role", "message has no 'role'", "add 'role': system|user|assistant|"
                                    "tool.", i, code="message_missing_key"))
            continue
        if role not in ROLE_KEYS:
            problems.append(Problem(where, "role", f"unknown role {role!r}", "use one of "
                                    + ", ".join(sorted(ROLE_KEYS)) + ".", i, code="unrecognized_role"))
            continue
        roles.add(role)
        for key in m:
            if key not in ROLE_KEYS[role] and key != "weight":
                problems.append(Problem(where, key, f"unknown key {key!r} on a {role} message", f"remove {key!r} "
                                        "(it often comes from additional_kwargs of a LangChain message); "
                                        f"{role} messages take " + ", ".join(sorted(ROLE_KEYS[role])) + ".", i,
                                        code="message_unrecognized_key"))
        if role != "tool" and pending and any(v < i for v in pending.values()):
            problems.append(Problem(where, "tool_call_id", "tool call(s) " + ", ".join(sorted(pending))
                                    + " got no tool result", "follow each assistant tool call with a tool message "
                                    "whose tool_call_id is the call's id.", min(pending.values()),
                                    code="unanswered_tool_call"))
            pending.clear()
        if "weight" in m and (role != "assistant" or m["weight"] not in (0, 1) or isinstance(m["weight"], bool)):
            problems.append(Problem(where, "weight", f"weight {m['weight']!r} on a {role} message",
                                    "weight is 0 or 1 and only on assistant messages.", i, code="invalid_weight"))
        if "name" in m and not isinstance(m["name"], str):
            problems.append(Problem(where, "name", "'name' must be a string", "give a name of letters, digits, "
                                    "_ or -, or remove it.", i, code="data_type"))
        calls = role == "assistant" and (m.get("tool_calls") or m.get("function_call"))
        if "content" in m:
            _check_content(m, role, where, i, problems)
        elif not calls:
            problems.append(Problem(where, "content", f"{role} message has no 'content'",
                                    "add 'content' (assistant messages may omit it only with tool_calls).", i,
                                    code="message_missing_key"))
        if role == "assistant":
            if "tool_calls" in m:
                pending.update({cid: i for cid in _check_tool_calls(m["tool_calls"], where, i, problems)})
            if "function_call" in m:
                fc = m["function_call"]
                if not isinstance(fc, Mapping) or not isinstance(fc.get("name"), str):
                    problems.append(Problem(where, "function_call.name", "function_call has no name",
                                            "give {'name', 'arguments'}.", i, code="invalid_tool_calls"))
                else:
                    _check_arguments(fc.get("arguments"), where, "function_call.arguments", i, problems)
            if "content" in m and not (_has_content(m.get("content")) or calls):
                problems.append(Problem(where, "content", "assistant message has no content and no tool calls",
                                        "give the reply text, or tool_calls.", i, code="missing_content"))
        if role == "tool":
            cid = m.get("tool_call_id")
            if not isinstance(cid, str):
                problems.append(Problem(where, "tool_call_id", "tool message has no tool_call_id",
                                        "set tool_call_id to the id of the assistant tool call it answers.", i,
                                        code="missing_tool_call_id"))
            elif cid not in pending:
                problems.append(Problem(where, "tool_call_id", f"tool result {cid!r} has no matching tool call "
                                        "before it", "make tool_call_id equal the id of a tool call in an "
                                        "earlier assistant message, or remove the tool message.", i,
                                        code="orphan_tool_result"))
            else:
                del pending[cid]
        if role == "function" and not isinstance(m.get("name"), str):
            problems.append(Problem(where, "name", "function message has no name", "set 'name' to the function "
                                    "called.", i, code="message_missing_key"))
    last = msgs[-1]
    last_role = last.get("role") if isinstance(last, Mapping) else None
    if "assistant" not in roles:
        problems.append(Problem(where, "messages", "the example has no assistant message", "add the assistant "
                                "reply to learn.", None, code="example_missing_assistant_message"))
    elif last_role != "assistant":
        problems.append(Problem(where, "role", f"the example ends with a {last_role or '?'} message, not an "
                                "assistant message", "end each example with the assistant reply to learn "
                                "(remove trailing messages or add the reply).", len(msgs) - 1,
                                code="example_missing_assistant_message"))
    if "system" not in roles and "developer" not in roles:
        problems.append(Problem(where, "messages", "no system message", "add a system message if the model will "
                                "be called with one (train as you will infer).", severity="warning",
                                code="missing_system_message"))
    if "user" not in roles:
        problems.append(Problem(where, "messages", "no user message", "add the user turn the reply answers.",
                                severity="warning", code="missing_user_message"))
    return problems


def too_long(n_tokens: int, info: ModelInfo, where: str) -> Problem | None:
    """A warning when an example exceeds the base model's per-example limit (the provider truncates it)."""
    if n_tokens <= info.max_tokens_per_example:
        return None
    return Problem(where, "messages", f"{n_tokens} tokens, over the {info.max_tokens_per_example}-token limit "
                   f"per example of {info.name if info.known else 'the base model'}: training truncates it",
                   "shorten the example or split the conversation; the end (the reply) is what gets cut.",
                   severity="warning", code="example_too_long")


def too_few_examples(n: int, *, required: int, source: str) -> Problem | None:
    """Fewer than ``MIN_EXAMPLES`` training examples: an error when ``required``, else a warning."""
    if n >= MIN_EXAMPLES:
        return None
    return Problem("(dataset)", "messages", f"{source} has {n} training example(s); OpenAI requires at least "
                   f"{MIN_EXAMPLES}", "add examples (50-100 good ones is the usual starting point).",
                   severity="error" if n < required else "warning", code="invalid_n_examples")
