from __future__ import annotations

from pathlib import Path

import pytest

from lsft_chain.errors import DataError
from lsft_chain.training.examples import IGNORE_INDEX, prepare_example


@pytest.fixture(scope="module")
def tokenizer(tiny_model_path: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_model_path))


def labelled_spans(tokenizer, input_ids: list[int], labels: list[int]) -> list[str]:
    """Decode each contiguous run of labelled positions."""
    spans, current = [], []
    for token, label in zip(input_ids, labels):
        if label != IGNORE_INDEX:
            assert label == token
            current.append(token)
        elif current:
            spans.append(tokenizer.decode(current))
            current = []
    if current:
        spans.append(tokenizer.decode(current))
    return spans


def test_mask_covers_exactly_assistant_content_and_end_token(tokenizer) -> None:
    record = {"messages": [
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris"},
        {"role": "user", "content": "And Italy?"},
        {"role": "assistant", "content": "Rome"},
    ]}
    ex = prepare_example(tokenizer, record, 512)
    assert len(ex.input_ids) == len(ex.labels)
    assert tokenizer.decode(ex.input_ids) == tokenizer.apply_chat_template(record["messages"], tokenize=False)
    assert labelled_spans(tokenizer, ex.input_ids, ex.labels) == ["Paris<|im_end|>", "Rome<|im_end|>"]
    # The end-of-turn token is also the pad token: it must still be labelled at the end of each turn.
    assert tokenizer.pad_token_id == tokenizer.eos_token_id
    assert sum(1 for lab in ex.labels if lab == tokenizer.eos_token_id) == 2
    assert not ex.truncated and ex.n_trained == sum(1 for lab in ex.labels if lab != IGNORE_INDEX)


def test_weight_zero_assistant_messages_are_context_only(tokenizer) -> None:
    record = {"messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello."},
        {"role": "assistant", "content": "Hello, world!", "weight": 0},
        {"role": "user", "content": "Again."},
        {"role": "assistant", "content": "Hello again!"},
    ]}
    ex = prepare_example(tokenizer, record, 512)
    assert labelled_spans(tokenizer, ex.input_ids, ex.labels) == ["Hello again!<|im_end|>"]


def test_tool_calls_are_trained_as_text(tokenizer) -> None:
    record = {"messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "tool_calls": [{"id": "1", "type": "function", "function": {
            "name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
    ], "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]}
    ex = prepare_example(tokenizer, record, 512)
    assert labelled_spans(tokenizer, ex.input_ids, ex.labels) == [
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call><|im_end|>']
    assert "You may call these tools:" in tokenizer.decode(ex.input_ids)


def test_truncation_is_flagged_and_untrainable_examples_are_named(tokenizer) -> None:
    record = {"messages": [{"role": "user", "content": "Tell me a joke."},
                           {"role": "assistant", "content": "Why did the chicken cross the road?"}]}
    full = prepare_example(tokenizer, record, 512)
    cut = prepare_example(tokenizer, record, len(full.input_ids) - 3)
    assert cut.truncated and len(cut.input_ids) == len(full.input_ids) - 3
    assert cut.n_trained == full.n_trained - 2  # the last 3 tokens: "?", <|im_end|> (trained), "\n"
    with pytest.raises(DataError, match="example 7: no assistant token is left after truncation"):
        prepare_example(tokenizer, record, 10, index=7)
    with pytest.raises(DataError, match="example 3 has no assistant message to train on"):
        prepare_example(tokenizer, {"messages": [{"role": "user", "content": "hi"}]}, 512, index=3)
    with pytest.raises(DataError, match="example 4 has no assistant message") as info:
        prepare_example(tokenizer, {"messages": [{"role": "user", "content": "hi"},
                                                 {"role": "assistant", "content": "x", "weight": 0}]}, 512, index=4)
    assert "Fix:" in str(info.value)


def test_conversation_starting_with_assistant_is_located(tokenizer) -> None:
    record = {"messages": [{"role": "assistant", "content": "Hello, world!"}]}
    ex = prepare_example(tokenizer, record, 512)
    assert labelled_spans(tokenizer, ex.input_ids, ex.labels) == ["Hello, world!<|im_end|>"]
