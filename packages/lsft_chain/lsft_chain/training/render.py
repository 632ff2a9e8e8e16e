"""Turn OpenAI chat fine-tuning messages into plain ``{"role", "content": str}`` messages.

Plain chat templates (SmolLM2's ChatML) concatenate ``content`` as a string and know nothing of tools, so
tool calls, tool results and tool definitions are rendered into the text here. Each rendered message also
carries ``weight`` (1: train on it, 0: context only); only assistant messages can have weight 1.
Pure Python: no torch.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["render_messages", "render_content", "render_tool_call", "render_tools", "chat_only"]

_ROLE_MAP = {"developer": "system", "function": "tool"}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def render_content(content: Any) -> str:
    """A message's ``content`` as text: list parts joined with newlines, non-text parts as placeholders."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts: list[str] = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                kind = part.get("type", "text")
                if kind in ("text", "input_text", "output_text"):
                    parts.append(str(part.get("text", "")))
                elif kind == "refusal":
                    parts.append(str(part.get("refusal", "")))
                elif kind in ("image_url", "image", "input_image"):
                    parts.append("[image]")
                else:
                    parts.append(f"[{kind}]")
        return "\n".join(parts)
    return str(content)


def _parse_arguments(arguments: Any) -> Any:
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except ValueError:
            return arguments
    return {} if arguments is None else arguments


def render_tool_call(name: str, arguments: Any) -> str:
    """One call as ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``."""
    return f"<tool_call>{_dumps({'name': name, 'arguments': _parse_arguments(arguments)})}</tool_call>"


def render_tools(tools: list[dict[str, Any]]) -> str:
    """Tool definitions as the text appended to the system message."""
    functions = [t.get("function", t) if isinstance(t, dict) and t.get("type", "function") == "function" else t
                 for t in tools]
    return f"You may call these tools:\n<tools>{_dumps(functions)}</tools>"


def _assistant_text(message: dict[str, Any]) -> str:
    lines = [render_content(message.get("content"))] if message.get("content") not in (None, "", []) else []
    for call in message.get("tool_calls") or []:
        fn = call.get("function", call) if isinstance(call, dict) else {}
        lines.append(render_tool_call(str(fn.get("name", "")), fn.get("arguments")))
    legacy = message.get("function_call")
    if isinstance(legacy, dict):
        lines.append(render_tool_call(str(legacy.get("name", "")), legacy.get("arguments")))
    return "\n".join(lines)


def render_messages(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Render OpenAI chat messages to ``[{"role", "content": str, "weight": 0|1}]``.

    ``developer`` becomes ``system``, legacy ``function`` becomes ``tool``; assistant ``tool_calls`` and
    ``function_call`` become ``<tool_call>`` lines; ``tools`` are described at the end of the system
    message (one is created at the front if missing). ``weight`` is the assistant message's own ``weight``
    (default 1), 0 for every other role.
    """
    rendered: list[dict[str, Any]] = []
    for message in messages:
        role = str(message.get("role", ""))
        role = _ROLE_MAP.get(role, role)
        if role == "assistant":
            content = _assistant_text(message)
            weight = 0 if message.get("weight", 1) in (0, False) else 1
        else:
            content = render_content(message.get("content"))
            weight = 0
            if role == "tool" and message.get("name"):
                content = f"{message['name']}: {content}"
        rendered.append({"role": role, "content": content, "weight": weight})
    if tools:
        text = render_tools(tools)
        if rendered and rendered[0]["role"] == "system":
            first = rendered[0]
            first["content"] = f"{first['content']}\n\n{text}" if first["content"] else text
        else:
            rendered.insert(0, {"role": "system", "content": text, "weight": 0})
    return rendered


def chat_only(rendered: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Drop the ``weight`` key: what ``apply_chat_template`` gets."""
    return [{"role": m["role"], "content": m["content"]} for m in rendered]
