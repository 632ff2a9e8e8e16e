"""Done-when 2: the pipeline fine-tunes end to end from a dataset created through the SDK in the store."""

from __future__ import annotations

import langsmith
from langsmith.schemas import DataType

from lsft_chain import FineTuneSummary, build_chain
from tests.datasets import color_records

FAST = {"n_epochs": 25, "batch_size": 2, "learning_rate_multiplier": 10}
QUESTION = [("system", "Answer with the code."), ("human", "code for green?")]


def _lc(m: dict) -> dict:
    """An OpenAI message as LangChain serialises it in a LangSmith chat dataset."""
    return {"type": {"user": "human", "assistant": "ai"}.get(m["role"], m["role"]),
            "data": {"content": m["content"], "additional_kwargs": {}}}


def test_pipeline_fine_tunes_from_an_sdk_created_dataset(store_url, provider):
    client = langsmith.Client(api_url=store_url, api_key="test")
    ds = client.create_dataset("colors (sdk)", data_type=DataType.chat)
    client.create_examples(dataset_id=ds.id, examples=[
        {"inputs": {"input": [_lc(m) for m in r["messages"][:-1]]}, "outputs": {"output": _lc(r["messages"][-1])}}
        for r in color_records(12)])

    summary = build_chain(provider).invoke({"dataset_name": "colors (sdk)", "langsmith_api_url": store_url,
                                            "hyperparameters": FAST, "poll_interval_s": 0.2})
    assert isinstance(summary, FineTuneSummary) and summary.status == "succeeded", summary
    assert summary.data["examples"] == 12 and summary.final_metrics["train_loss"] < 0.5
    model = provider.chat_model(summary.fine_tuned_model).bind(temperature=0, max_tokens=24)
    assert model.invoke(QUESTION).content.strip() == "green green ok"
