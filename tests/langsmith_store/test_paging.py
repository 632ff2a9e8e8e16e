"""Paging: 10,000 examples list completely through ``list_examples`` (offset/limit), and the pipeline's
``LangSmithDatasetSource`` reads them with memory that does not grow with the dataset."""

from __future__ import annotations

import gc
import time
import tracemalloc
import uuid

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langsmith.schemas import DataType

from lsft_chain.pipeline.load import LangSmithDatasetSource


def _example(i: int) -> dict:
    return {"inputs": {"input": [{"type": "human", "data": {"content": f"question {i} " + "x" * 200}}]},
            "outputs": {"output": {"type": "ai", "data": {"content": f"answer {i} " + "y" * 200}}},
            "metadata": {"i": i}}


def _make(client, n: int) -> tuple[str, float]:
    ds = client.create_dataset(f"paging-{n}-{uuid.uuid4().hex[:8]}", data_type=DataType.chat)
    t0 = time.perf_counter()
    for start in range(0, n, 2000):
        client.create_examples(dataset_id=ds.id, examples=[_example(i) for i in range(start, min(n, start + 2000))])
    return ds.id, time.perf_counter() - t0


@pytest.fixture(scope="module")
def datasets(store_servers):
    import langsmith

    client = langsmith.Client(api_url=store_servers["multipart"][0], api_key="test")
    small, _ = _make(client, 1_000)
    big, seconds = _make(client, 10_000)
    print(f"\ncreate_examples 10,000 (5 batches of 2,000, multipart): {seconds:.2f}s")
    return {"small": small, "big": big}


def test_ten_thousand_examples_list_completely(client, datasets):
    t0 = time.perf_counter()
    seen = [e.metadata["i"] for e in client.list_examples(dataset_id=datasets["big"])]
    seconds = time.perf_counter() - t0
    print(f"\nlist_examples 10,000 (100 pages of 100): {seconds:.2f}s")
    assert seen == list(range(10_000))
    assert client.read_dataset(dataset_id=datasets["big"]).example_count == 10_000
    assert seconds < 30
    assert [e.metadata["i"] for e in client.list_examples(dataset_id=datasets["big"], offset=9_950)] == \
        list(range(9_950, 10_000))


def _peak_while_loading(client, dataset_id: str) -> tuple[int, int]:
    source = LangSmithDatasetSource(dataset_id=dataset_id, client=client)
    _ = source.dataset
    gc.collect()
    tracemalloc.start()
    try:
        count = 0
        for loaded in source:
            msgs = loaded.session["messages"]
            assert not loaded.problems and isinstance(msgs[0], HumanMessage) and isinstance(msgs[1], AIMessage)
            count += 1
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_pipeline_source_memory_does_not_grow_with_the_dataset(client, datasets):
    _peak_while_loading(client, datasets["small"])  # warm caches (tenant id, connection pool, imports)
    n_small, peak_small = _peak_while_loading(client, datasets["small"])
    t0 = time.perf_counter()
    n_big, peak_big = _peak_while_loading(client, datasets["big"])
    seconds = time.perf_counter() - t0
    tracemalloc.start()
    try:
        held = list(client.list_examples(dataset_id=datasets["big"]))  # what the whole dataset takes in memory
        whole = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del held
    print(f"\nLangSmithDatasetSource peak memory: 1,000 -> {peak_small / 1e6:.2f} MB, 10,000 -> "
          f"{peak_big / 1e6:.2f} MB ({seconds:.2f}s); all 10,000 examples held: {whole / 1e6:.1f} MB")
    assert (n_small, n_big) == (1_000, 10_000)
    assert peak_big < 2 * peak_small  # not ~10x
    assert peak_big < whole / 5
