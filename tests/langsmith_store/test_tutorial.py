"""Done-when 1: the tutorial's own cells, with the real SDK, against the store over real HTTP."""

from __future__ import annotations

import uuid

from langchain_community.adapters.openai import convert_messages_for_finetuning
from langchain_community.chat_loaders.langsmith import LangSmithDatasetChatLoader
from langchain_core.messages import messages_from_dict
from langsmith.schemas import DataType

from lsft_chain.langsmith_store import example_dataset_records


def test_tutorial_cells_load_the_files_sessions(ls_client, ls_server):
    client, (_, hits, kind) = ls_client, ls_server
    examples = example_dataset_records()  # the tutorial's langsmith_chat_dataset.json (a packaged copy)
    dataset_name = f"Extraction Fine-tuning {uuid.uuid4().hex[:8]}"

    # cell: create the dataset and upload the examples
    ds = client.create_dataset(dataset_name=dataset_name, data_type=DataType.chat)
    client.create_examples(inputs=[e["inputs"] for e in examples], outputs=[e["outputs"] for e in examples],
                           dataset_id=ds.id)
    assert client.read_dataset(dataset_name=dataset_name).example_count == 100
    assert hits["GET /info"] == 1
    if kind == "multipart":
        assert hits["POST /v1/platform/datasets/{id}/examples"] == 1 and not hits["POST /examples/bulk"]
    else:
        assert hits["POST /examples/bulk"] == 1 and not hits["POST /v1/platform/datasets/{id}/examples"]

    # cell: load the chat sessions
    loader = LangSmithDatasetChatLoader(dataset_name=dataset_name, client=client)
    chat_sessions = list(loader.lazy_load())
    assert len(chat_sessions) == 100
    for session, example in zip(chat_sessions, examples):
        expected = messages_from_dict([*example["inputs"]["input"], example["outputs"]["output"]])
        got = session["messages"]
        assert [type(m) for m in got] == [type(m) for m in expected]
        assert [m.content for m in got] == [m.content for m in expected]

    # cell: convert for fine-tuning
    training_data = convert_messages_for_finetuning(chat_sessions)
    assert len(training_data) == 100
    for record, session in zip(training_data, chat_sessions):
        assert all(isinstance(m, dict) and m["role"] in {"user", "assistant", "system"} for m in record)
        assert [m["content"] for m in record] == [m.content for m in session["messages"]]
    assert hits["GET /datasets/{id}/openai_ft"] == 1
