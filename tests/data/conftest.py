"""Fixtures for the data-path tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from datapath_helpers import DATA, EXAMPLE_DATASET


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not EXAMPLE_DATASET.exists():
        pytest.skip("shared data files not present")
    return DATA
