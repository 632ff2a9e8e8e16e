from __future__ import annotations

import json

from lsft_chain.training.render import chat_only, render_messages

WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}


def test_tool_calls_results_and_tools_are_rendered_as_text() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function",
             "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "name": "get_weather", "content": "22 C, sunny"},
        {"role": "assistant", "content": "It is 22 C and sunny."},
    ]
    out = render_messages(messages, [WEATHER_TOOL])
    assert [m["role"] for m in out] == ["system", "user", "assistant", "tool", "assistant"]
    assert out[0]["content"].startswith("Be brief.\n\nYou may call these tools:\n<tools>")
    tools_json = out[0]["content"].split("<tools>")[1].split("</tools>")[0]
    assert json.loads(tools_json) == [WEATHER_TOOL["function"]]
    assert out[2]["content"] == '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>'
    assert out[3]["content"] == "get_weather: 22 C, sunny"
    assert all(isinstance(m["content"], str) for m in out)
    assert [m["weight"] for m in out] == [0, 0, 1, 0, 1]


def test_tools_create_a_system_message_when_missing() -> None:
    out = render_messages([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
                          [WEATHER_TOOL])
    assert out[0]["role"] == "system" and out[0]["weight"] == 0
    assert out[0]["content"].startswith("You may call these tools:\n<tools>[")
    assert out[1] == {"role": "user", "content": "hi", "weight": 0}


def test_content_parts_developer_legacy_function_call_and_weights() -> None:
    messages = [
        {"role": "developer", "content": "Rules."},
        {"role": "user", "name": "bob", "content": [
            {"type": "text", "text": "Look:"},
            {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
            {"type": "text", "text": "what is it?"}]},
        {"role": "assistant", "content": "A cat.", "weight": 0},
        {"role": "user", "content": "call f"},
        {"role": "assistant", "content": "Calling.", "function_call": {"name": "f", "arguments": "not json"}},
        {"role": "function", "name": "f", "content": "done"},
    ]
    out = render_messages(messages, None)
    assert out[0] == {"role": "system", "content": "Rules.", "weight": 0}
    assert out[1]["content"] == "Look:\n[image]\nwhat is it?"
    assert out[2]["weight"] == 0
    assert out[4]["content"] == 'Calling.\n<tool_call>{"name": "f", "arguments": "not json"}</tool_call>'
    assert out[4]["weight"] == 1
    assert out[5] == {"role": "tool", "content": "f: done", "weight": 0}
    assert chat_only(out)[1] == {"role": "user", "content": "Look:\n[image]\nwhat is it?"}


def test_input_is_not_mutated() -> None:
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "u"}]
    before = json.dumps(messages)
    render_messages(messages, [WEATHER_TOOL])
    assert json.dumps(messages) == before
