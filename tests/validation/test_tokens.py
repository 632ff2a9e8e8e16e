"""tokens.py: exact counts (tiktoken is the reference), model → encoding, the epoch rule, the price table."""

from __future__ import annotations

import json

import pytest

from lsft_chain.models_table import model_info
from lsft_chain.tokens import estimate_epochs, encoding_for_model, get_counter

VECTORS = [
    "", "hello world", "Hello, World!  ", "héllo wörld — naïve café", "日本語のテキストと中文",
    "emoji 🎉🚀👩‍👩‍👧‍👦 and flags 🇫🇷🇯🇵", "def f(x):\n\treturn x ** 2  # square\n\n\n",
    '{"s": "a", "object": "b", "relation": "c"}', "   leading and trailing   \n", "a" * 5000,
    "<|endoftext|> is text here", "1234567890 3.14159 -42 1e10", "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ", "\u200b\u00a0\ufeff",
    "https://example.com/path?q=1&r=2#frag", "مرحبا بالعالم", "Привет, мир", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙",
]
from tests.paths import SHARED_DATA as DATA


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_text_counts_equal_tiktoken(tiktoken_encodings, encoding):
    ref = tiktoken_encodings[encoding]
    counter = get_counter(encoding)
    for s in VECTORS:
        assert counter.text(s) == len(ref.encode_ordinary(s)), s


def _reference_record(enc, record) -> int:
    """The documented rule, written independently on top of tiktoken."""
    n = 3
    for m in record["messages"]:
        n += 3
        for key, value in m.items():
            if key == "content" and isinstance(value, list):
                n += sum(len(enc.encode_ordinary(p["text"])) if p["type"] == "text" else 85 * (p["type"] == "image_url")
                         for p in value)
            elif key == "tool_calls":
                n += sum(3 + len(enc.encode_ordinary(tc["function"]["name"]))
                         + len(enc.encode_ordinary(tc["function"]["arguments"])) for tc in value)
            elif key == "function_call":
                n += 3 + len(enc.encode_ordinary(value["name"])) + len(enc.encode_ordinary(value["arguments"]))
            elif isinstance(value, str):
                n += len(enc.encode_ordinary(value)) + (key == "name")
    for key in ("tools", "functions"):
        if record.get(key):
            n += len(enc.encode_ordinary(json.dumps(record[key], separators=(",", ":"), ensure_ascii=False)))
    return n


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
@pytest.mark.parametrize("name", ["drone_training.jsonl", "tool_calls_zava_retail.jsonl", "toy_chat_fine_tuning.jsonl"])
def test_record_counts_equal_the_rule_on_tiktoken(tiktoken_encodings, encoding, name):
    if not (DATA / name).exists():
        pytest.skip("shared data files not present")
    ref = tiktoken_encodings[encoding]
    counter = get_counter(encoding)
    records = [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]
    records.append({"messages": [
        {"role": "system", "content": "Be brief. 🎯"},
        {"role": "user", "name": "bob", "content": [{"type": "text", "text": "what is this?"},
                                                    {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}]},
        {"role": "assistant", "function_call": {"name": "look", "arguments": "{\"q\": \"ü\"}"}},
        {"role": "function", "name": "look", "content": "a cat"},
        {"role": "assistant", "content": "A cat.", "weight": 1}]})
    for record in records:
        assert counter.record(record) == _reference_record(ref, record)


def test_cookbook_count_for_plain_messages(tiktoken_encodings):
    """3 per message + role + content (+ name + 1) + 3 priming: the cookbook's num_tokens_from_messages."""
    enc = tiktoken_encodings["cl100k_base"]
    record = {"messages": [{"role": "user", "content": "hi there", "name": "x"}, {"role": "assistant", "content": "yo"}]}
    want = 3 + (3 + len(enc.encode("user")) + len(enc.encode("hi there")) + len(enc.encode("x")) + 1) + (
        3 + len(enc.encode("assistant")) + len(enc.encode("yo")))
    assert get_counter("cl100k_base").record(record) == want


@pytest.mark.parametrize("model,encoding", [
    ("gpt-4o-mini-2024-07-18", "o200k_base"), ("gpt-4o-2024-08-06", "o200k_base"), ("gpt-4.1-2025-04-14", "o200k_base"),
    ("gpt-4.1-mini-2025-04-14", "o200k_base"), ("gpt-4.1-nano", "o200k_base"),
    ("ft:gpt-4.1-mini-2025-04-14:my-org:triples:AbC123", "o200k_base"),
    ("ft:gpt-4o-mini-2024-07-18:org::id", "o200k_base"),
    ("gpt-3.5-turbo", "cl100k_base"), ("gpt-3.5-turbo-0125", "cl100k_base"),
    ("ft:gpt-3.5-turbo-0125:org:suffix:id", "cl100k_base"), ("ft:gpt-3.5-turbo:org::id", "cl100k_base"),
    ("gpt-4-0613", "cl100k_base"), ("davinci-002", "cl100k_base"),
    ("SmolLM2-135M-Instruct", "o200k_base"), (None, "o200k_base"),
])
def test_encoding_by_base_model(model, encoding):
    assert encoding_for_model(model) == encoding


def test_table_limits_and_prices():
    assert model_info("gpt-3.5-turbo-0125").max_tokens_per_example == 16_385
    assert model_info("ft:gpt-4o-mini-2024-07-18:o::x").max_tokens_per_example == 65_536
    assert model_info("gpt-4o-mini").training_price_per_1m == 3.0
    assert model_info("gpt-4o-mini").name == "gpt-4o-mini" and model_info("gpt-4o").name == "gpt-4o"
    assert model_info("SmolLM2-135M-Instruct").known is False and model_info("x").training_price_per_1m is None


@pytest.mark.parametrize("n,epochs", [(1, 25), (3, 25), (4, 25), (10, 10), (33, 3), (34, 3), (100, 3),
                                      (8333, 3), (8334, 2), (20_000, 1), (100_000, 1)])
def test_default_epoch_rule(n, epochs):
    assert estimate_epochs(n) == epochs
