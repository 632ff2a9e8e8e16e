"""End-to-end checks on the real SmolLM2-135M-Instruct (GGUF conversion, training, generation)."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from lsft_chain.training.base_models import DEFAULT_BASE_MODEL, ResolvedBaseModel, resolve_base_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory: pytest.TempPathFactory) -> ResolvedBaseModel:
    return resolve_base_model("gpt-4o-mini-2024-07-18", home=tmp_path_factory.mktemp("home"))


def test_gguf_is_converted_once_to_a_loadable_folder(smollm2: ResolvedBaseModel) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    assert smollm2.aliased and smollm2.name == DEFAULT_BASE_MODEL and smollm2.path.is_absolute()
    assert (smollm2.path / "config.json").is_file()
    started = time.perf_counter()
    again = resolve_base_model("HuggingFaceTB/SmolLM2-135M-Instruct", home=smollm2.path.parents[2])
    assert again.path == smollm2.path and time.perf_counter() - started < 1.0
    model = AutoModelForCausalLM.from_pretrained(str(smollm2.path))
    tokenizer = AutoTokenizer.from_pretrained(str(smollm2.path))
    assert 130e6 < sum(p.numel() for p in model.parameters()) < 140e6
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token_id == tokenizer.eos_token_id
    assert "<|im_start|>assistant" in tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)


def test_train_two_steps_and_generate(smollm2: ResolvedBaseModel, tmp_path: Path) -> None:
    from lsft_chain.training.generate import ChatGenerator
    from lsft_chain.training.lora import TrainingConfig, train_lora

    records = [{"messages": [{"role": "user", "content": f"Extract triples: Ann likes tea {i}."},
                             {"role": "assistant", "content": '[{"s": "Ann", "relation": "likes", "object": "tea"}]'}]}
               for i in range(2)]
    events: list[dict] = []
    result = train_lora(TrainingConfig(base_model_path=smollm2.path, output_dir=tmp_path, n_epochs=1,
                                       max_seq_len=256), records, on_event=events.append)
    assert result.steps == 2 and math.isfinite(result.final_train_loss) and result.final_train_loss < 10
    assert len([e for e in events if e["type"] == "metrics"]) == 2
    completion = ChatGenerator().complete(smollm2.path, result.adapter_dir, records[0]["messages"][:1],
                                          temperature=0, max_tokens=16)
    assert completion.text.strip() and completion.completion_tokens <= 16
