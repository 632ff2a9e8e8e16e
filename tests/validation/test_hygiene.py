"""Dataset hygiene: deterministic split, dedupe with stats, overlap, constant memory, the fast path."""

from __future__ import annotations

import json
import sys
import tracemalloc
from pathlib import Path

from hypothesis import given, settings
from langchain_core.messages import messages_to_dict

from tests.paths import SHARED_DATA
from lsft_chain.messages import record_to_session, session_to_record, to_langchain_message
from lsft_chain.pipeline.convert import convert_sessions
from lsft_chain.pipeline.fastpath import langsmith_record, openai_record
from lsft_chain.pipeline.load import example_to_session, source_from_spec

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))  # the record generator of tests/data
from test_messages import records as generated_records  # noqa: E402


def _records(n, dup_every=0):
    out = []
    for i in range(n):
        j = i - 1 if dup_every and i % dup_every == 0 and i else i
        out.append({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": f"q{j}"},
                                 {"role": "assistant", "content": f"a{j}"}]})
    return out


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _lines(path):
    return path.read_text().splitlines()


def test_split_is_deterministic_by_seed(tmp_path):
    data = _write(tmp_path / "d.jsonl", _records(200))
    src = source_from_spec(path=str(data))

    def split(seed, name):
        r = convert_sessions(src, tmp_path / f"{name}.jsonl", validation_split=0.2, split_seed=seed)
        return r, _lines(tmp_path / f"{name}.jsonl"), _lines(tmp_path / f"{name}-validation.jsonl")

    r1, t1, v1 = split(7, "a")
    r2, t2, v2 = split(7, "b")
    r3, t3, v3 = split(8, "c")
    assert (t1, v1) == (t2, v2) and v1 != v3
    assert r1.examples + r1.validation_examples == 200 == r1.examples_out and 20 <= r1.validation_examples <= 60
    assert not set(t1) & set(v1) and sorted(t1 + v1) == sorted(_lines(data)) or len(set(t1 + v1)) == 200
    assert r1.validation_path.endswith("a-validation.jsonl") and r1.split_seed == 7 and r1.validation_tokens > 0


def test_dedupe_drops_with_reasons_and_counts(tmp_path):
    data = _write(tmp_path / "d.jsonl", _records(30, dup_every=5))  # 5 repeats
    src = source_from_spec(path=str(data))
    r = convert_sessions(src, tmp_path / "o.jsonl")
    assert (r.examples_in, r.examples_out, r.dropped_count) == (30, 25, 5)
    assert r.dropped[0] == {"example": "line 6", "code": "duplicate", "reason": r.dropped[0]["reason"]}
    assert "earlier example" in r.dropped[0]["reason"] and r.warning_counts["duplicate"] == 5
    r = convert_sessions(src, tmp_path / "o.jsonl", dedupe=False)
    assert (r.examples_in, r.examples_out, r.dropped_count, r.warning_counts["duplicate"]) == (30, 30, 0, 5)
    assert "kept" in [p for p in r.problems if p["code"] == "duplicate"][0]["message"]


def test_train_validation_overlap_is_a_warning(tmp_path):
    train = _write(tmp_path / "t.jsonl", _records(12))
    valid = _write(tmp_path / "v.jsonl", _records(3) + [{"messages": [{"role": "user", "content": "new"},
                                                                       {"role": "assistant", "content": "x"}]}])
    seen: set[bytes] = set()
    convert_sessions(source_from_spec(path=str(train)), tmp_path / "to.jsonl", seen_digests=seen)
    assert len(seen) == 12
    r = convert_sessions(source_from_spec(path=str(valid)), tmp_path / "vo.jsonl", overlap_with=seen)
    assert r.warning_counts["train_valid_overlap"] == 3
    assert [p["example"] for p in r.problems if p["code"] == "train_valid_overlap"] == ["line 1", "line 2", "line 3"]


def test_report_has_tokens_epochs_and_cost(tmp_path):
    data = _write(tmp_path / "d.jsonl", _records(40))
    r = convert_sessions(source_from_spec(path=str(data)), tmp_path / "o.jsonl", base_model="gpt-4o-mini-2024-07-18")
    assert r.encoding == "o200k_base" and r.estimated_epochs == 3 and r.tokens_total > 40 * 10
    assert r.billed_tokens == r.tokens_total * 3 and r.price_per_1m_tokens == 3.0 and r.currency == "USD"
    assert r.estimated_cost == round(r.billed_tokens * 3.0 / 1e6, 4) and r.prices_as_of
    assert r.tokens_mean == round(r.tokens_total / 40, 1) and r.tokens_max >= r.tokens_mean
    r = convert_sessions(source_from_spec(path=str(data)), tmp_path / "o.jsonl", n_epochs=2)
    assert r.estimated_epochs == 2 and r.estimated_cost is None  # unknown model: no price


def _langsmith_file(path, n):
    with path.open("w") as f:
        f.write("[")
        for i in range(n):
            msgs = [{"type": "human", "data": {"content": f"question {i} " + "lorem ipsum " * (i % 50),
                                              "additional_kwargs": {}}}]
            out = {"type": "ai", "data": {"content": f"answer {i}", "additional_kwargs": {}}}
            f.write(("," if i else "") + json.dumps({"inputs": {"input": msgs}, "outputs": {"output": out}}))
        f.write("]")
    return path


def _peak(path, out):
    tracemalloc.start()
    try:
        report = convert_sessions(source_from_spec(path=str(path)), out)
        return report, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_convert_stage_runs_in_constant_memory(tmp_path):
    small, big = _langsmith_file(tmp_path / "s.json", 2_000), _langsmith_file(tmp_path / "b.json", 20_000)
    _peak(small, tmp_path / "warm.jsonl")  # imports and tables, once
    r1, p1 = _peak(small, tmp_path / "o1.jsonl")
    r2, p2 = _peak(big, tmp_path / "o2.jsonl")
    assert (r1.examples, r2.examples) == (2_000, 20_000)
    # The only per-example state is the 16-byte digest set (~100 B/example with set overhead): 10x the data
    # must stay far from 10x the peak.
    assert p2 < 3 * p1 + 3_000_000, (p1, p2)


def _slow_openai(record):
    return session_to_record(record_to_session(record))


@settings(max_examples=150, deadline=None)
@given(generated_records())
def test_fast_path_writes_what_the_general_path_writes(record):
    fast = openai_record(json.loads(json.dumps(record)))
    if fast is not None:
        assert json.dumps(fast) == json.dumps(_slow_openai(record))  # same keys, same order
    lc = messages_to_dict([to_langchain_message(m) for m in record["messages"]])
    example = {"inputs": {"input": lc[:-1], **{k: v for k, v in record.items() if k != "messages"}},
               "outputs": {"output": lc[-1]}}
    fast = langsmith_record(json.loads(json.dumps(example)))
    slow = session_to_record(example_to_session(example["inputs"], example["outputs"], ref="x"))
    if fast is not None:
        assert json.dumps(fast) == json.dumps(slow)


def test_fast_path_covers_the_sample_files():
    data = SHARED_DATA
    for name in ("drone_training.jsonl", "tool_calls_zava_retail.jsonl", "toy_chat_fine_tuning.jsonl"):
        for line in (data / name).read_text().splitlines():
            assert openai_record(json.loads(line)) is not None
    for ex in json.loads((data / "langsmith_chat_dataset.json").read_text()):
        assert langsmith_record(ex) is not None
