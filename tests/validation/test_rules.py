"""validation.py: OpenAI's chat fine-tuning rules; every category of the cookbook's checker, and more."""

from __future__ import annotations

import json

import pytest

from lsft_chain.errors import DataValidationError
from lsft_chain.pipeline.convert import check_record as convert_check_record, convert_sessions
from lsft_chain.pipeline.load import source_from_spec
from lsft_chain.validation import check_record

from tests.paths import SHARED_DATA as DATA
U, A, S = ({"role": "user", "content": "q"}, {"role": "assistant", "content": "a"},
           {"role": "system", "content": "s"})


def errors(record):
    return {(p.code, p.message_index, p.field) for p in check_record(record, "e") if p.severity == "error"}


def codes(record, severity="error"):
    return {p.code for p in check_record(record, "e") if p.severity == severity}


def test_the_worker_import_still_works():
    assert convert_check_record is check_record


@pytest.mark.parametrize("record,code", [
    ([1, 2], "data_type"),
    ("text", "data_type"),
    ({"prompt": "x"}, "missing_messages_list"),
    ({"messages": "hi"}, "missing_messages_list"),
    ({"messages": []}, "missing_messages_list"),
    ({"messages": [{"content": "q"}, A]}, "message_missing_key"),
    ({"messages": [{"role": "user"}, A]}, "message_missing_key"),
    ({"messages": [U, {"role": "assistant"}]}, "message_missing_key"),
    ({"messages": [{**U, "foo": 1}, A]}, "message_unrecognized_key"),
    ({"messages": [U, {**A, "refusal": "no"}]}, "message_unrecognized_key"),
    ({"messages": [{"role": "robot", "content": "q"}, A]}, "unrecognized_role"),
    ({"messages": [{"role": "user", "content": None}, A]}, "missing_content"),
    ({"messages": [U, {"role": "assistant", "content": ""}]}, "missing_content"),
    ({"messages": [U, {"role": "assistant", "content": []}]}, "missing_content"),
    ({"messages": [{"role": "user", "content": 5}, A]}, "data_type"),
    ({"messages": [S, U]}, "example_missing_assistant_message"),
    ({"messages": [U, A, U]}, "example_missing_assistant_message"),
])
def test_every_cookbook_category_is_detected(record, code):
    assert code in codes(record)


def test_every_cookbook_category_is_detected_through_the_pipeline(tmp_path):
    """The same categories from a JSONL file, after load and conversion (nothing normalised away)."""
    lines = [json.dumps(r) for r in (
        {"messages": [{"role": "user"}, A]}, {"prompt": "x"}, {"messages": [{"content": "q"}, A]},
        {"messages": [{**U, "foo": 1}, A]}, {"messages": [{"role": "robot", "content": "q"}, A]},
        {"messages": [{"role": "user", "content": None}, A]}, {"messages": [S, U]}, [1])]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError) as e:
        convert_sessions(source_from_spec(path=str(path)), tmp_path / "o.jsonl")
    got = {(p.example, p.code) for p in e.value.problems}
    assert {("line 1", "message_missing_key"), ("line 2", "missing_messages_list"), ("line 3", "message_missing_key"),
            ("line 4", "message_unrecognized_key"), ("line 5", "unrecognized_role"),
            ("line 6", "missing_content"), ("line 7", "example_missing_assistant_message"),
            ("line 8", "data_type")} <= got


def test_problems_name_example_message_field_and_fix():
    [p] = [p for p in check_record({"messages": [U, {**A, "weight": 2}]}, "ex-9") if p.severity == "error"]
    assert (p.example, p.message_index, p.field, p.code) == ("ex-9", 1, "weight", "invalid_weight")
    assert "fix:" in str(p) and "ex-9" in str(p) and "messages[1]" in str(p)


@pytest.mark.parametrize("name", ["drone_training.jsonl", "tool_calls_zava_retail.jsonl"])
def test_tool_call_records_the_cookbook_rejects_are_accepted(name):
    if not (DATA / name).exists():
        pytest.skip("shared data files not present")
    records = [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]
    nulls = [m for r in records for m in r["messages"] if m["role"] == "assistant" and "content" not in m]
    assert nulls  # assistant tool-call messages without content: the cookbook calls them missing_content
    for n, r in enumerate(records, 1):
        assert codes(r) == set(), (n, check_record(r, "e"))


def test_tool_calls_pair_with_results():
    call = {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                                 "function": {"name": "f", "arguments": "{}"}}]}
    ok = {"messages": [U, call, {"role": "tool", "tool_call_id": "c1", "content": "1"}, A]}
    assert codes(ok) == set()
    assert codes({"messages": [U, call, A]}) == {"unanswered_tool_call"}
    assert codes({"messages": [U, {"role": "tool", "tool_call_id": "zz", "content": "1"}, A]}) == {"orphan_tool_result"}
    assert codes({"messages": [U, call, {"role": "tool", "content": "1"}, A]}) >= {"missing_tool_call_id"}
    assert codes({"messages": [U, {"role": "assistant", "tool_calls": [{"id": "c", "function": {"name": "f",
                                                                       "arguments": "{bad"}}]}]}) == {"invalid_tool_calls"}
    assert codes({"messages": [U, {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{}"}},
                               {"role": "function", "name": "f", "content": "1"}, A]}) == set()


def test_weight_is_0_or_1_on_assistant_messages_only():
    assert codes({"messages": [U, {**A, "weight": 0}]}) == set()
    assert codes({"messages": [U, {**A, "weight": 1}]}) == set()
    for bad in (2, 0.5, True, "1", None):
        assert codes({"messages": [U, {**A, "weight": bad}]}) == {"invalid_weight"}, bad
    assert codes({"messages": [{**U, "weight": 1}, A]}) == {"invalid_weight"}
    assert codes({"messages": [{**S, "weight": 0}, U, A]}) == {"invalid_weight"}


def test_images_only_in_user_messages():
    img = {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}
    assert codes({"messages": [{"role": "user", "content": [{"type": "text", "text": "?"}, img]}, A]}) == set()
    assert codes({"messages": [U, {"role": "assistant", "content": [img]}]}) == {"image_not_in_user_message"}
    assert codes({"messages": [{"role": "system", "content": [img]}, U, A]}) == {"image_not_in_user_message"}
    assert codes({"messages": [{"role": "user", "content": [{"type": "video"}]}, A]}) == {"invalid_content_part"}


def test_record_level_keys():
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    assert codes({"messages": [U, A], "tools": tools, "parallel_tool_calls": False,
                  "functions": [{"name": "g", "parameters": {}}]}) == set()
    assert codes({"messages": [U, A], "tools": [{"name": "f"}]}) == {"invalid_tools"}
    assert codes({"messages": [U, A], "functions": "f"}) == {"invalid_functions"}
    assert codes({"messages": [U, A], "parallel_tool_calls": "yes"}) == {"data_type"}
    assert codes({"messages": [U, A], "extra": 1}, "warning") >= {"record_unrecognized_key"}


def test_missing_system_or_user_are_warnings():
    assert codes({"messages": [U, A]}, "warning") == {"missing_system_message"}
    assert codes({"messages": [S, A]}, "warning") == {"missing_user_message"}
    assert codes({"messages": [S, U, A]}, "warning") == set()
    assert codes({"messages": [{"role": "developer", "content": "d"}, U, A]}, "warning") == set()


def _records(n, text="q"):
    return [{"messages": [S, {"role": "user", "content": f"{text} {i}"}, A]} for i in range(n)]


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_per_example_token_limit_of_the_base_model(tmp_path):
    long = "word " * 17_000  # ~17k tokens: over gpt-3.5-turbo's 16,385, under gpt-4o-mini's 65,536
    data = _write(tmp_path / "d.jsonl", _records(11) + [{"messages": [S, {"role": "user", "content": long}, A]}])
    report = convert_sessions(source_from_spec(path=str(data)), tmp_path / "o.jsonl", base_model="gpt-3.5-turbo-0125")
    assert report.examples_over_limit == 1 and report.warning_counts["example_too_long"] == 1
    [w] = [p for p in report.problems if p["code"] == "example_too_long"]
    assert w["example"] == "line 12" and "16385" in w["message"] and w["severity"] == "warning"
    assert report.tokens_max > 16_385 and report.encoding == "cl100k_base"
    assert report.billed_tokens == (report.tokens_total - report.tokens_max + 16_385) * report.estimated_epochs
    report = convert_sessions(source_from_spec(path=str(data)), tmp_path / "o.jsonl", base_model="gpt-4o-mini")
    assert report.examples_over_limit == 0 and report.encoding == "o200k_base"


def test_at_least_10_examples(tmp_path):
    data = _write(tmp_path / "d.jsonl", _records(9))
    report = convert_sessions(source_from_spec(path=str(data)), tmp_path / "o.jsonl")
    assert report.warning_counts["invalid_n_examples"] == 1  # standalone: a warning
    with pytest.raises(DataValidationError) as e:
        convert_sessions(source_from_spec(path=str(data)), tmp_path / "o.jsonl", min_examples=10)
    assert [p.code for p in e.value.problems] == ["invalid_n_examples"] and "at least 10" in str(e.value)
