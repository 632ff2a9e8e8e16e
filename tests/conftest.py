"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tiny_model import build_tiny_model


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Llama with SmolLM2's tokenizer conventions, built once per test session."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))
