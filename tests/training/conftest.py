"""Fixtures for the training tests: one tiny LoRA run shared by the training and generation tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lsft_chain.training.lora import TrainingConfig, TrainResult, train_lora

QA = [
    ("What is the capital of France?", "Paris"),
    ("What is the capital of Italy?", "Rome"),
    ("Say hello.", "Hello, world!"),
    ("Tell me a joke.", "Why did the chicken cross the road?"),
]
EPOCHS = 40
BATCH = 4


def qa_records() -> list[dict[str, Any]]:
    return [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]} for q, a in QA]


@dataclass
class TinyRun:
    config: TrainingConfig
    result: TrainResult
    events: list[dict[str, Any]]
    train_records: list[dict[str, Any]]


@pytest.fixture(scope="session")
def tiny_run(tiny_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> TinyRun:
    """The tiny model trained (fp32, 80 steps, ~5 s) to memorise four answers, with validation data."""
    records = qa_records() * 2
    config = TrainingConfig(base_model_path=tiny_model_path, output_dir=tmp_path_factory.mktemp("run"),
                            n_epochs=EPOCHS, batch_size=BATCH, learning_rate=1e-2, lora_dropout=0.0,
                            precision="fp32", device="cpu")
    events: list[dict[str, Any]] = []
    result = train_lora(config, records, qa_records()[:2], on_event=events.append)
    return TinyRun(config, result, events, records)
