"""pipeline/convert.py: sessions → JSONL, with every problem named."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import orjson
import pytest
from langchain_core.messages import AIMessage, HumanMessage

from lsft_chain.errors import ConfigError, DataValidationError
from lsft_chain.pipeline.convert import ConversionReport, ConvertSessions, check_record, convert_sessions
from lsft_chain.pipeline.load import LoadedSession, LoadSessions, OpenAIJsonlSource

from datapath_helpers import OPENAI_FILES, read_jsonl


def _convert(path, out):
    source = LoadSessions().invoke({"path": str(path)})
    return ConvertSessions().invoke({"sessions": source, "output_path": str(out)})


def test_example_dataset_converts_exactly(data_dir, tmp_path):
    out = tmp_path / "train.jsonl"
    report = _convert(data_dir / "langsmith_chat_dataset.json", out)
    assert isinstance(report, ConversionReport)
    examples = json.loads((data_dir / "langsmith_chat_dataset.json").read_text())
    records = read_jsonl(out)
    assert report.examples == len(records) == 100
    assert report.messages == 1200 and report.with_tools == report.with_tool_calls == 0
    assert report.warning_counts == {"missing_system_message": 100}  # the tutorial's data has none: a warning
    raw = out.read_bytes()
    assert report.bytes == len(raw) and report.sha256 == hashlib.sha256(raw).hexdigest()
    for ex, rec in zip(examples, records):
        want = ex["inputs"]["input"] + [ex["outputs"]["output"]]
        assert len(rec["messages"]) == 12
        assert [m["role"] for m in rec["messages"]] == ["user", "assistant"] * 6
        assert [m["content"] for m in rec["messages"]] == [m["data"]["content"] for m in want]
        assert all(set(m) == {"role", "content"} for m in rec["messages"])


@pytest.mark.parametrize("name", OPENAI_FILES)
def test_openai_files_round_trip_to_identical_records(data_dir, tmp_path, name):
    out = tmp_path / "out.jsonl"
    report = _convert(data_dir / name, out)
    assert read_jsonl(out) == read_jsonl(data_dir / name)
    assert report.examples == len(read_jsonl(data_dir / name))
    if name != "toy_chat_fine_tuning.jsonl":
        assert report.with_tools == report.with_tool_calls == report.examples


def test_default_output_goes_to_tmp_lsft(data_dir):
    report = ConvertSessions().invoke(OpenAIJsonlSource(data_dir / "toy_chat_fine_tuning.jsonl"))
    path = Path(report.path)
    try:
        assert path.parent == Path(tempfile.gettempdir()) / "lsft" and path.exists()
        assert report.examples == 5
    finally:
        path.unlink(missing_ok=True)


def test_plain_chat_sessions_are_accepted(tmp_path):
    sessions = [{"messages": [HumanMessage("hi"), AIMessage("hello")]}]
    report = convert_sessions(sessions, tmp_path / "o.jsonl")
    assert read_jsonl(tmp_path / "o.jsonl") == [{"messages": [{"role": "user", "content": "hi"},
                                                              {"role": "assistant", "content": "hello"}]}]
    assert report.examples == 1


def _write(path: Path, records) -> Path:
    path.write_text("".join(r if isinstance(r, str) else json.dumps(r) + "\n" for r in records))
    return path


GOOD = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}


def test_bad_inputs_name_example_index_field_and_fix(tmp_path):
    src = _write(tmp_path / "bad.jsonl", [
        GOOD,
        {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"},
                      {"role": "user", "content": "dangling"}]},  # line 2: ends with a human message
        '{"messages": [{"role": "user", "content": "q"}\n',  # line 3: malformed JSON
        {"messages": [{"role": "robot", "content": "beep"}, {"role": "assistant", "content": "a"}]},  # line 4
        {"messages": [{"role": "user", "content": "q"},
                      {"role": "tool", "tool_call_id": "call_x", "content": "42"},
                      {"role": "assistant", "content": "a"}]},  # line 5: tool result without a call
        {"messages": [{"role": "user", "content": "q"},
                      {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                                            "function": {"name": "f", "arguments": "{}"}}]},
                      {"role": "assistant", "content": "a"}]},  # line 6: call never answered
    ])
    out = tmp_path / "out.jsonl"
    out.write_text("previous contents\n")
    with pytest.raises(DataValidationError) as info:
        _convert(src, out)
    err, text = info.value, str(info.value)
    got = {(p.example, p.message_index, p.field, p.code) for p in err.problems}
    assert got == {
        ("line 2", 2, "role", "example_missing_assistant_message"),
        ("line 3", None, "json", "invalid_json"),
        ("line 4", 0, "role", "unrecognized_role"),
        ("line 5", 1, "tool_call_id", "orphan_tool_result"),
        ("line 6", 1, "tool_call_id", "unanswered_tool_call"),
    }
    assert "example line 2, messages[2], field 'role'" in text and "end each example with the assistant" in text
    assert "example line 3" in text and "malformed JSON" in text
    assert "unknown role 'robot'" in text and "fix:" in text
    assert "tool result 'call_x' has no matching tool call" in text
    assert "Traceback" not in text
    assert out.read_text() == "previous contents\n"  # untouched
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]  # partial output removed


def test_check_record_rules():
    assert [p.code for p in check_record(GOOD, "e")] == ["missing_system_message"]  # a warning
    probs = check_record({"messages": [
        {"role": "user", "content": "q", "refusal": "x"},
        {"role": "assistant", "content": "", "weight": 2},
        {"role": "assistant", "tool_calls": [
            {"id": "a", "type": "function", "function": {"name": "f", "arguments": {"x": 1}}},
            {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{bad"}}]},
    ], "extra": 1}, "e")
    codes = sorted((p.code, p.severity) for p in probs if p.code != "missing_system_message")
    assert codes == sorted([("record_unrecognized_key", "warning"), ("message_unrecognized_key", "error"),
                            ("invalid_weight", "error"), ("missing_content", "error"),
                            ("invalid_tool_calls", "error"), ("invalid_tool_calls", "error"),
                            ("invalid_tool_calls", "error")])
    assert [p.code for p in check_record({"messages": []}, "e")] == ["missing_messages_list"]


def test_warnings_are_reported_not_raised(tmp_path):
    sessions = [LoadedSession("ex-1", {"messages": [HumanMessage(""), AIMessage("a")]})]
    report = convert_sessions(sessions, tmp_path / "o.jsonl")
    assert report.examples == 1 and report.problems[0]["code"] == "empty_content"
    assert report.problems[0]["example"] == "ex-1"


def test_empty_source_and_bad_input(tmp_path):
    with pytest.raises(DataValidationError, match="no examples"):
        convert_sessions([], tmp_path / "o.jsonl")
    with pytest.raises(ConfigError):
        ConvertSessions().invoke({"output_path": "x"})


def test_output_is_orjson_lines(data_dir, tmp_path):
    _convert(data_dir / "drone_training.jsonl", tmp_path / "o.jsonl")
    first = (tmp_path / "o.jsonl").read_bytes().split(b"\n")[0]
    assert orjson.loads(first)["parallel_tool_calls"] is False
    assert b'"arguments":"{\\"altitude\\": 100}"' in first
    assert ConvertSessions().name == "convert" and LoadSessions().name == "load"
