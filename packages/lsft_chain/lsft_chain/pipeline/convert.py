"""Sessions → OpenAI fine-tuning JSONL, streamed, with every problem reported at once."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import BaseModel, ConfigDict

from ..errors import ConfigError, DataValidationError, Problem
from ..messages import OPENAI_ROLES, session_to_record
from .load import LoadedSession, SessionSource

__all__ = ["ConversionReport", "ConvertSessions", "check_record", "convert_sessions", "default_output_path"]

_MESSAGE_KEYS = frozenset({"role", "content", "name", "tool_calls", "tool_call_id", "function_call", "weight"})
_RECORD_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})


class ConversionReport(BaseModel):
    """What ``ConvertSessions`` wrote."""

    path: str
    examples: int
    messages: int
    with_tools: int
    with_tool_calls: int
    problems: list[dict[str, Any]]  # warnings only; errors raise DataValidationError
    bytes: int
    sha256: str


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
        args = fn.get("arguments")
        if not isinstance(args, str):
            problems.append(Problem(where, f"{f}.function.arguments", "arguments must be a JSON string",
                                    "serialise the arguments object with json.dumps.", i, code="invalid_tool_calls"))
        else:
            try:
                json.loads(args)
            except ValueError:
                problems.append(Problem(where, f"{f}.function.arguments", "arguments are not valid JSON",
                                        "make 'arguments' a JSON object string, e.g. '{\"x\": 1}'.", i,
                                        code="invalid_tool_calls"))
    return ids


def check_record(record: Any, where: str) -> list[Problem]:
    """Structural checks of one OpenAI chat fine-tuning record; every problem found, errors and warnings."""
    problems: list[Problem] = []
    if not isinstance(record, Mapping):
        return [Problem(where, "record", "a record must be an object", "write {'messages': [...]}.", code="data_type")]
    msgs = record.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return [Problem(where, "messages", "no messages", "give the example at least a user and an assistant "
                        "message.", code="missing_messages_list")]
    for key in record:
        if key not in _RECORD_KEYS:
            problems.append(Problem(where, key, f"unknown record key {key!r}", "remove it; OpenAI records hold "
                                    "messages, tools, parallel_tool_calls, functions.", severity="warning",
                                    code="record_unrecognized_key"))
    tools = record.get("tools")
    if tools is not None and (not isinstance(tools, list) or not all(
            isinstance(t, Mapping) and isinstance((t.get("function") or {}).get("name"), str) for t in tools)):
        problems.append(Problem(where, "tools", "'tools' must be a list of {'type': 'function', 'function': "
                                "{'name', 'parameters'}}", "fix or remove the tool definitions.",
                                code="invalid_tools"))
    pending: dict[str, int] = {}  # tool call id → index of the assistant message that made it
    for i, m in enumerate(msgs):
        if not isinstance(m, Mapping):
            problems.append(Problem(where, "message", "message must be an object", "write {'role', 'content'}.", i,
                                    code="data_type"))
            continue
        role = m.get("role")
        if role not in OPENAI_ROLES:
            problems.append(Problem(where, "role", f"unknown role {role!r}", "use one of "
                                    + ", ".join(sorted(OPENAI_ROLES)) + ".", i, code="unrecognized_role"))
            continue
        for key in m:
            if key not in _MESSAGE_KEYS:
                problems.append(Problem(where, key, f"unknown message key {key!r}", f"remove {key!r} (it often "
                                        "comes from additional_kwargs of a LangChain message).", i,
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
        if role == "assistant":
            if "tool_calls" in m:
                pending.update({cid: i for cid in _check_tool_calls(m["tool_calls"], where, i, problems)})
            if not (_has_content(m.get("content")) or m.get("tool_calls") or m.get("function_call")):
                problems.append(Problem(where, "content", "assistant message has no content and no tool calls",
                                        "give the reply text, or tool_calls.", i, code="missing_content"))
        else:
            if not isinstance(m.get("content"), (str, list)):
                problems.append(Problem(where, "content", f"{role} message has no content",
                                        "add 'content' (a string or a list of parts).", i, code="missing_content"))
            elif not _has_content(m["content"]) and role in ("user", "system", "developer"):
                problems.append(Problem(where, "content", f"empty {role} content", "remove the message or give it "
                                        "text.", i, severity="warning", code="empty_content"))
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
    if not isinstance(last, Mapping) or last.get("role") != "assistant":
        problems.append(Problem(where, "role", f"the example ends with a {last.get('role') if isinstance(last, Mapping) else '?'!s} "
                                "message, not an assistant message", "end each example with the assistant reply "
                                "to learn (remove trailing messages or add the reply).", len(msgs) - 1,
                                code="example_missing_assistant_message"))
    return problems


def default_output_path() -> Path:
    """A fresh file under ``<tmp>/lsft/``."""
    d = Path(tempfile.gettempdir()) / "lsft"
    d.mkdir(parents=True, exist_ok=True)
    return d / f"train-{uuid.uuid4().hex[:12]}.jsonl"


def _iter_loaded(sessions: Iterable[Any]) -> Iterable[LoadedSession]:
    for i, s in enumerate(sessions):
        yield s if isinstance(s, LoadedSession) else LoadedSession(f"index {i}", s)


def convert_sessions(sessions: Iterable[Any], output_path: str | os.PathLike[str] | None = None) -> ConversionReport:
    """Convert, check and stream sessions to JSONL; raise ``DataValidationError`` listing every error.

    On error the output file is not written (a previous file at ``output_path`` is left as it was).
    """
    if isinstance(sessions, (str, bytes, Mapping)):
        raise ConfigError("sessions must be a SessionSource or an iterable of sessions.",
                          hint="load them first with LoadSessions or source_from_spec(path=...).")
    out = Path(output_path).expanduser() if output_path is not None else default_output_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.partial")
    source = sessions.description if isinstance(sessions, SessionSource) else "the sessions"
    errors: list[Problem] = []
    warnings: list[Problem] = []
    digest, size = hashlib.sha256(), 0
    examples = n_messages = with_tools = with_tool_calls = 0
    try:
        with tmp.open("wb") as f:
            for loaded in _iter_loaded(sessions):
                found = list(loaded.problems)
                record = None
                if not found:
                    try:
                        record = session_to_record(loaded.session, where=loaded.ref)
                    except DataValidationError as exc:
                        found = list(exc.problems)
                    else:
                        found = check_record(record, loaded.ref)
                errors.extend(p for p in found if p.severity == "error")
                warnings.extend(p for p in found if p.severity != "error")
                if record is None or errors:  # after the first error, only look for more problems
                    continue
                line = orjson.dumps(record) + b"\n"
                f.write(line)
                digest.update(line)
                size += len(line)
                examples += 1
                n_messages += len(record["messages"])
                with_tools += bool(record.get("tools") or record.get("functions"))
                with_tool_calls += any(m.get("tool_calls") or m.get("function_call") for m in record["messages"])
        if not errors and examples == 0:
            errors.append(Problem("(none)", "messages", f"{source} holds no examples",
                                  "check the dataset name, split or file.", code="no_examples"))
        if errors:
            raise DataValidationError(errors, source=source)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return ConversionReport(path=str(out), examples=examples, messages=n_messages, with_tools=with_tools,
                            with_tool_calls=with_tool_calls, problems=[p.to_dict() for p in warnings],
                            bytes=size, sha256=digest.hexdigest())


class ConvertSessions(RunnableSerializable[Any, ConversionReport]):
    """Runnable "convert": ``{"sessions": SessionSource, "output_path": str | None}`` (or just the sessions)
    → ``ConversionReport``; records are streamed to JSONL, never accumulated."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str | None = "convert"
    output_path: str | None = None

    @property
    def OutputType(self) -> type[ConversionReport]:  # noqa: N802
        return ConversionReport

    def _convert(self, input: Any) -> ConversionReport:
        if isinstance(input, Mapping):
            if "sessions" not in input:
                raise ConfigError(f"convert input has no 'sessions' (keys: {sorted(input)})",
                                  hint="pass {'sessions': <SessionSource>, 'output_path': ...}.")
            return convert_sessions(input["sessions"], input.get("output_path", self.output_path))
        return convert_sessions(input, self.output_path)

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> ConversionReport:
        return self._call_with_config(self._convert, input, config, **kwargs)
