"""Shared constants and helpers of the data-path tests (tests/data is on sys.path under pytest)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.paths import SHARED_DATA as DATA
EXAMPLE_DATASET = DATA / "langsmith_chat_dataset.json"
OPENAI_FILES = ["drone_training.jsonl", "tool_calls_zava_retail.jsonl", "toy_chat_fine_tuning.jsonl"]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
