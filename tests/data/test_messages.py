"""messages.py: every shape in, OpenAI records out, nothing lost."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.load import dumpd
from langchain_core.messages import AIMessage, FunctionMessage, HumanMessage, SystemMessage, ToolMessage

from lsft_chain.errors import DataError, DataValidationError
from lsft_chain.messages import record_to_session, session_to_record, to_langchain_message, to_openai_message

from datapath_helpers import OPENAI_FILES, read_jsonl


@pytest.mark.parametrize("name", OPENAI_FILES)
def test_every_record_of_the_sample_files_round_trips(data_dir, name):
    records = read_jsonl(data_dir / name)
    assert records
    for n, record in enumerate(records, 1):
        session = record_to_session(record, where=f"line {n}")
        assert session_to_record(session, where=f"line {n}") == record


def test_record_level_keys_land_in_session_extras(data_dir):
    record = read_jsonl(data_dir / "drone_training.jsonl")[0]
    session = record_to_session(record)
    assert session["tools"] == record["tools"] and session["parallel_tool_calls"] is False
    call = session["messages"][2]
    assert isinstance(call, AIMessage) and call.tool_calls[0]["args"] == {"altitude": 100}
    assert "content" not in session_to_record(session)["messages"][2]


# -- hypothesis: generated valid records -------------------------------------------------------------------

text = st.text(max_size=20)
name = st.from_regex(r"[a-zA-Z0-9_-]{1,12}", fullmatch=True)
json_args = st.dictionaries(name, st.one_of(st.integers(), text, st.booleans(), st.none()), max_size=3).map(
    lambda d: json.dumps(d, separators=(",", ":")))  # compact: must survive byte-exact
parts = st.lists(st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, text),
    st.builds(lambda u, d: {"type": "image_url", "image_url": {"url": "https://x.test/" + u, "detail": d}},
              name, st.sampled_from(["low", "high", "auto"])),
    st.builds(lambda d: {"type": "input_audio", "input_audio": {"data": d, "format": "wav"}}, name),
), min_size=1, max_size=3)
content = st.one_of(text, parts)


@st.composite
def records(draw):
    msgs: list[dict] = []
    if draw(st.booleans()):
        msgs.append({"role": draw(st.sampled_from(["system", "developer"])), "content": draw(text)})
    n_calls = 0
    for _ in range(draw(st.integers(1, 3))):
        user = {"role": "user", "content": draw(content)}
        if draw(st.booleans()):
            user["name"] = draw(name)
        msgs.append(user)
        if draw(st.booleans()):  # a tool round
            calls = []
            for _ in range(draw(st.integers(1, 2))):
                n_calls += 1
                calls.append({"id": f"call_{n_calls}", "type": "function",
                              "function": {"name": draw(name), "arguments": draw(json_args)}})
            asst = {"role": "assistant", "tool_calls": calls}
            if draw(st.booleans()):
                asst["content"] = draw(st.text(min_size=1, max_size=10))
            msgs.append(asst)
            for c in calls:
                tool = {"role": "tool", "tool_call_id": c["id"], "content": draw(text)}
                if draw(st.booleans()):
                    tool["name"] = c["function"]["name"]
                msgs.append(tool)
        elif draw(st.booleans()):  # legacy function calling
            fname = draw(name)
            msgs.append({"role": "assistant", "function_call": {"name": fname, "arguments": draw(json_args)}})
            msgs.append({"role": "function", "name": fname, "content": draw(text)})
        asst = {"role": "assistant", "content": draw(st.text(min_size=1, max_size=20))}
        if draw(st.booleans()):
            asst["weight"] = draw(st.sampled_from([0, 1]))
        if draw(st.booleans()):
            asst["name"] = draw(name)
        msgs.append(asst)
    record: dict = {"messages": msgs}
    if draw(st.booleans()):
        record["tools"] = [{"type": "function", "function": {"name": draw(name), "parameters": {"type": "object"}}}]
    if draw(st.booleans()):
        record["parallel_tool_calls"] = draw(st.booleans())
    if draw(st.booleans()):
        record["functions"] = [{"name": draw(name), "parameters": {"type": "object", "properties": {}}}]
    return record


@settings(max_examples=200, deadline=None)
@given(records())
def test_generated_records_round_trip(record):
    assert session_to_record(record_to_session(record)) == record


@settings(max_examples=100, deadline=None)
@given(records())
def test_each_message_round_trips_through_langchain(record):
    for m in record["messages"]:
        assert to_openai_message(to_langchain_message(m), where="x") == m


# -- the shapes to_openai_message accepts ---------------------------------------------------------------

def test_langchain_serialised_and_dumpd_forms():
    ser = {"type": "human", "data": {"content": "hi", "additional_kwargs": {}}}
    assert to_openai_message(ser, where="e1") == {"role": "user", "content": "hi"}
    assert to_openai_message({"type": "ai", "content": "yo"}, where="e1") == {"role": "assistant", "content": "yo"}
    ai = AIMessage(content="", tool_calls=[{"id": "c1", "name": "f", "args": {"a": 1}}], name="bot")
    assert to_openai_message(dumpd(ai), where="e1") == {
        "role": "assistant", "name": "bot",
        "tool_calls": [{"type": "function", "id": "c1", "function": {"name": "f", "arguments": '{"a": 1}'}}]}
    assert to_openai_message(dumpd(SystemMessage(content="s")), where="e") == {"role": "system", "content": "s"}
    assert to_openai_message(("human", "hey"), where="e") == {"role": "user", "content": "hey"}
    assert to_openai_message({"role": "human", "content": "x"}, where="e") == {"role": "user", "content": "x"}


def test_ai_additional_kwargs_survive():
    raw = [{"id": "c9", "type": "function", "function": {"name": "f", "arguments": '{ "spaced" :  1 }'}}]
    msg = AIMessage(content="", additional_kwargs={
        "tool_calls": raw, "weight": 0, "function_call": {"name": "g", "arguments": {"k": "v"}}})
    out = to_openai_message(msg, where="e")
    assert out["tool_calls"] == raw  # original argument string, not re-serialised
    assert out["weight"] == 0
    assert out["function_call"] == {"name": "g", "arguments": '{"k": "v"}'}  # arguments made a JSON string
    assert "content" not in out


def test_invalid_tool_call_arguments_are_kept():
    msg = to_langchain_message({"role": "assistant", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{not json"}}]})
    assert msg.invalid_tool_calls
    assert to_openai_message(msg, where="e")["tool_calls"][0]["function"]["arguments"] == "{not json"
    bare = AIMessage(content="", invalid_tool_calls=[{"id": "c2", "name": "f", "args": "{x", "error": None,
                                                      "type": "invalid_tool_call"}])
    assert to_openai_message(bare, where="e")["tool_calls"][0]["function"]["arguments"] == "{x"


def test_tool_function_names_and_multimodal():
    parts = [{"type": "text", "text": "what is this?", "cache": "keep-me"},
             {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
             {"type": "file", "file": {"file_id": "file-1"}}]
    assert to_openai_message(HumanMessage(content=parts, name="ann"), where="e") == {
        "role": "user", "content": parts, "name": "ann"}
    tool_parts = [{"type": "text", "text": "r1"}, {"type": "text", "text": "r2"}]
    assert to_openai_message(ToolMessage(content=tool_parts, tool_call_id="c1", name="f"), where="e") == {
        "role": "tool", "content": tool_parts, "name": "f", "tool_call_id": "c1"}
    assert to_openai_message(FunctionMessage(content="42", name="calc"), where="e") == {
        "role": "function", "content": "42", "name": "calc"}
    ai_parts = [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]
    assert to_openai_message(AIMessage(content=ai_parts), where="e")["content"] == ai_parts  # not joined
    native = HumanMessage(content=[{"type": "image", "source_type": "base64", "data": "AAA", "mime_type": "image/png"}])
    assert to_openai_message(native, where="e")["content"] == [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAA"}}]


@pytest.mark.parametrize("bad, field", [
    ({"type": "robot", "data": {"content": "x"}}, "type"),
    ({"content": "no role"}, "role"),
    (42, "message"),
    ({"role": 3, "content": "x"}, "role"),
    ({"lc": 1, "type": "constructor", "id": ["os", "system"], "kwargs": {}}, "id"),
])
def test_unknown_shapes_raise_data_error_naming_where_and_field(bad, field):
    with pytest.raises(DataError) as info:
        to_openai_message(bad, where="ex-7", index=4)
    err = info.value
    assert isinstance(err, DataValidationError)
    p = err.problems[0]
    assert (p.example, p.message_index, p.field) == ("ex-7", 4, field)
    assert "ex-7" in str(err) and "messages[4]" in str(err) and "fix" in str(err)
    assert "Traceback" not in str(err)


def test_record_to_session_reports_every_shape_problem():
    with pytest.raises(DataValidationError) as info:
        record_to_session({"messages": [{"content": "x"}, "str", {"role": "user", "content": None},
                                        {"role": "assistant", "content": "ok"}]}, where="line 9")
    fields = [(p.message_index, p.field) for p in info.value.problems]
    assert fields == [(0, "role"), (1, "message"), (2, "content")]
    with pytest.raises(DataValidationError, match="missing 'messages'"):
        record_to_session({"prompt": "x"}, where="line 1")
