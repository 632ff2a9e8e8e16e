"""The tutorial's example dataset, created once in a new store.

``data/langsmith_chat_dataset.json`` is a copy of the LangChain docs' example chat dataset (100 examples,
MIT, langchain-ai/langchain). A store is seeded on its first start: when seeding was never done and it holds
no datasets. The ``ls_meta`` table records that it was done, so a deleted example dataset stays deleted.
``LSFT_SEED_EXAMPLE_DATASET=0`` turns seeding off.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from ..service.store import Store
from .repo import get_meta, insert_dataset, insert_examples, set_meta
from .schemas import DataType, DatasetCreate, ExampleCreate, now_iso

__all__ = ["EXAMPLE_DATASET_NAME", "example_dataset_records", "seed_example_dataset"]

#: The seeded dataset's name (a chat dataset of 100 examples).
EXAMPLE_DATASET_NAME = "LangSmith Chat Dataset Example"
_DESCRIPTION = ("The LangChain tutorial's example chat dataset (triple extraction, 100 examples), seeded by "
                "lsft on first start.")
_SEEDED_KEY = "example_dataset_seeded_at"


def example_dataset_records() -> list[dict[str, Any]]:
    """The example dataset's examples: ``[{"inputs": ..., "outputs": ...}, ...]``."""
    text = resources.files(__package__).joinpath("data/langsmith_chat_dataset.json").read_text("utf-8")
    return json.loads(text)


def seed_example_dataset(store: Store) -> bool:
    """Create the example dataset if this store was never seeded and holds no datasets; True if created.

    One transaction: concurrent starts seed once, and a failure leaves nothing half-made.
    """
    records = example_dataset_records()
    with store.transaction() as conn:
        if get_meta(conn, _SEEDED_KEY) is not None:
            return False
        created = conn.execute("SELECT 1 FROM ls_datasets LIMIT 1").fetchone() is None
        if created:
            dataset_id = insert_dataset(conn, DatasetCreate(name=EXAMPLE_DATASET_NAME, description=_DESCRIPTION,
                                                            data_type=DataType.chat))
            insert_examples(conn, dataset_id, [ExampleCreate(inputs=r["inputs"], outputs=r.get("outputs"))
                                               for r in records])
        set_meta(conn, _SEEDED_KEY, now_iso())
    return created
