from __future__ import annotations

import threading
from pathlib import Path

import pytest

from lsft_chain.errors import ConfigError
from lsft_chain.training.generate import ChatGenerator

from .conftest import QA, TinyRun


@pytest.fixture(scope="module")
def generator() -> ChatGenerator:
    return ChatGenerator(precision="fp32", device="cpu")


def ask(question: str) -> list[dict]:
    return [{"role": "user", "content": question}]


def test_trained_adapter_reproduces_memorised_answers(generator: ChatGenerator, tiny_run: TinyRun,
                                                      tiny_model_path: Path) -> None:
    for question, answer in QA:
        c = generator.complete(tiny_model_path, tiny_run.result.adapter_dir, ask(question), temperature=0)
        assert c.text == answer
        assert c.finish_reason == "stop"
        assert c.prompt_tokens > 10 and c.completion_tokens >= 2
    base = generator.complete(tiny_model_path, None, ask(QA[0][0]), temperature=0, max_tokens=8)
    assert base.text != QA[0][1]  # the untrained base model does not know it


def test_stream_yields_the_same_text_as_complete(generator: ChatGenerator, tiny_run: TinyRun,
                                                 tiny_model_path: Path) -> None:
    adapter = tiny_run.result.adapter_dir
    stream = generator.stream(tiny_model_path, adapter, ask("Tell me a joke."), temperature=0)
    with pytest.raises(RuntimeError):
        stream.result
    deltas = list(stream)
    assert len(deltas) > 1 and "".join(deltas) == "Why did the chicken cross the road?"
    assert stream.result == generator.complete(tiny_model_path, adapter, ask("Tell me a joke."), temperature=0)


def test_stop_strings_and_max_tokens(generator: ChatGenerator, tiny_run: TinyRun, tiny_model_path: Path) -> None:
    adapter = tiny_run.result.adapter_dir
    c = generator.complete(tiny_model_path, adapter, ask("Say hello."), temperature=0, stop=["world"])
    assert (c.text, c.finish_reason) == ("Hello, ", "stop")
    stream = generator.stream(tiny_model_path, adapter, ask("Say hello."), temperature=0, stop=["world"])
    assert "".join(stream) == "Hello, " and stream.result.finish_reason == "stop"
    c = generator.complete(tiny_model_path, adapter, ask("Tell me a joke."), temperature=0, max_tokens=2)
    assert c.finish_reason == "length" and c.completion_tokens == 2
    assert "Why did the chicken cross the road?".startswith(c.text) and c.text
    with pytest.raises(ConfigError, match="max_tokens"):
        generator.complete(tiny_model_path, adapter, ask("x"), max_tokens=0)


def test_sampling_is_reproducible_with_a_seed(generator: ChatGenerator, tiny_model_path: Path) -> None:
    a = generator.complete(tiny_model_path, None, ask("hi"), temperature=1.0, top_p=0.9, seed=7, max_tokens=12)
    b = generator.complete(tiny_model_path, None, ask("hi"), temperature=1.0, top_p=0.9, seed=7, max_tokens=12)
    c = generator.complete(tiny_model_path, None, ask("hi"), temperature=1.0, seed=8, max_tokens=12)
    assert a == b
    assert a.completion_tokens == 12 or a.finish_reason == "stop"
    assert c.text != a.text  # the untrained base model is close to uniform: other seed, other text


def test_cache_loads_once_under_concurrency_and_evicts_lru(tiny_run: TinyRun, tiny_model_path: Path) -> None:
    gen = ChatGenerator(max_models=2, precision="fp32", device="cpu")
    loads: list[tuple] = []
    real_load = gen._load

    def counting_load(base, adapter):
        loads.append((base, adapter))
        return real_load(base, adapter)

    gen._load = counting_load  # type: ignore[method-assign]
    adapter = tiny_run.result.adapter_dir
    got: list = []
    threads = [threading.Thread(target=lambda: got.append(gen.get(tiny_model_path, adapter))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loads) == 1 and all(g is got[0] for g in got)
    checkpoint = sorted((adapter.parent / "checkpoints").iterdir())[0]
    gen.get(tiny_model_path, None)
    gen.get(tiny_model_path, checkpoint)  # evicts the adapter model
    gen.get(tiny_model_path, None)  # still cached
    assert len(loads) == 3
    gen.get(tiny_model_path, adapter)
    assert len(loads) == 4
