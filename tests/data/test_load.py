"""pipeline/load.py: files and LangSmith example shapes, read lazily."""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from lsft_chain.errors import ConfigError, DataValidationError, SourceNotFoundError
from lsft_chain.pipeline.load import (
    LangSmithExportFileSource,
    LoadRequest,
    LoadSessions,
    OpenAIJsonlSource,
    example_to_session,
    iter_json_array,
    source_from_spec,
)



def _example(i: int) -> dict:
    return {"inputs": {"input": [{"type": "human", "data": {"content": f"question {i} " + "x" * 300,
                                                             "additional_kwargs": {}}}]},
            "outputs": {"output": {"type": "ai", "data": {"content": f"answer {i}", "additional_kwargs": {}}}}}


def test_export_parser_is_incremental(tmp_path):
    path = tmp_path / "big.json"
    n = 20_000
    with path.open("w") as f:
        f.write("[\n")
        for i in range(n):
            f.write(("," if i else "") + json.dumps(_example(i)) + "\n")
        f.write("]\n")
    size = path.stat().st_size
    source = LangSmithExportFileSource(path)
    tracemalloc.start()
    try:
        count = 0
        for loaded in source:
            assert not loaded.problems
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == n and size > 7_000_000
    print(f"\nexport parse: {size / 1e6:.1f} MB file, peak traced memory {peak / 1e6:.2f} MB")
    assert peak < 3_000_000 and peak < size / 20


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1 << 16])
def test_array_parser_matches_json_load_at_any_chunk_size(chunk):
    doc = [{"a": "ü" * 10, "b": [1, 2.5, None, True]}, 123456789, "s", [], {}, -0.5e10]
    text = " \n[ " + " ,\n ".join(json.dumps(x) for x in doc) + " ] \n"
    assert list(iter_json_array(io.StringIO(text), chunk=chunk)) == doc
    assert list(iter_json_array(io.StringIO("[]"), chunk=chunk)) == []


def test_export_errors_are_reported_not_raised(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([_example(0), {"id": "ex-9", "inputs": {"foo": 1}, "outputs": {}}])[:-1]
                    + ', {"inputs": oops}]')
    loaded = list(LangSmithExportFileSource(path))
    assert [x.ref for x in loaded] == ["index 0", "ex-9", "index 2"]
    assert not loaded[0].problems
    p = loaded[1].problems[0]
    assert p.field == "inputs" and "['foo']" in p.message and "inputs['messages']" in p.hint
    assert loaded[2].problems[0].code == "invalid_json"
    with pytest.raises(DataValidationError, match="ex-9"):
        loaded[1].raise_for_problems()


def test_export_jsonl_of_examples(tmp_path):
    path = tmp_path / "ex.jsonl"
    path.write_text("\n".join(json.dumps({"id": f"e{i}", **_example(i)}) for i in range(3)) + "\n")
    source = source_from_spec(path=str(path))
    assert isinstance(source, LangSmithExportFileSource)
    assert [x.ref for x in source] == ["e0", "e1", "e2"]
    assert [x.ref for x in source] == ["e0", "e1", "e2"]  # re-iterable


def test_sniffing_and_missing_files(data_dir, tmp_path):
    assert isinstance(source_from_spec(path=data_dir / "langsmith_chat_dataset.json"), LangSmithExportFileSource)
    assert isinstance(source_from_spec(path=data_dir / "drone_training.jsonl"), OpenAIJsonlSource)
    with pytest.raises(SourceNotFoundError, match="nope.jsonl"):
        source_from_spec(path=tmp_path / "nope.jsonl")
    with pytest.raises(ConfigError):
        source_from_spec(path="a", dataset_name="b")
    bad = tmp_path / "x.jsonl"
    bad.write_text("{\"messages\": []}\n{\"messages\": [\n{oops\n")
    assert [x.ref for x in OpenAIJsonlSource(bad)] == ["line 1", "line 2", "line 3"]


def test_load_request_needs_exactly_one_source():
    with pytest.raises(ValueError, match="exactly one of dataset_name, dataset_id or path"):
        LoadRequest(dataset_name="a", path="b")
    with pytest.raises(ConfigError, match=r"exactly one .*\(got none\)"):
        LoadSessions().invoke({})
    assert LoadSessions().get_input_jsonschema()["title"] == "LoadRequest"


TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]


@pytest.mark.parametrize("outputs", [
    {"message": {"role": "assistant", "content": "sunny"}},
    {"messages": [{"role": "assistant", "content": "sunny"}]},
    {"output": {"type": "ai", "data": {"content": "sunny"}}},
    {"output": "sunny"},
    {"answer": "sunny"},
    {"output": {"choices": [{"message": {"role": "assistant", "content": "sunny"}}]}},
])
def test_key_value_examples(outputs):
    session = example_to_session({"messages": [{"role": "user", "content": "weather?"}], "tools": TOOLS},
                                 outputs, ref="ex-1")
    assert [type(m) for m in session["messages"]] == [HumanMessage, AIMessage]
    assert session["messages"][1].content == "sunny"
    assert session["tools"] == TOOLS


def test_key_value_with_tool_round_and_metadata_tools():
    msgs = [{"role": "user", "content": "weather?"},
            {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                                  "function": {"name": "get_weather", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "sun"}]
    session = example_to_session({"messages": msgs}, {"output": {"role": "assistant", "content": "sunny"}},
                                 {"tools": TOOLS, "parallel_tool_calls": False}, ref="ex-2")
    assert isinstance(session["messages"][2], ToolMessage) and session["tools"] == TOOLS
    assert session["parallel_tool_calls"] is False


def test_unrecognised_examples_list_keys_and_bad_messages():
    with pytest.raises(DataValidationError) as info:
        example_to_session({"messages": [{"role": "user", "content": "q"}]}, {"score": 1, "label": "x"}, ref="ex-3")
    assert "ex-3" in str(info.value) and "['label', 'score']" in str(info.value)
    with pytest.raises(DataValidationError) as info:
        example_to_session({"input": [{"type": "human", "data": {"content": "q"}}, {"kind": "ai"}]},
                           {"output": {"type": "weird", "data": {}}}, ref="ex-4")
    assert [(p.message_index, p.field) for p in info.value.problems] == [(1, "role"), (2, "type")]
