from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from lsft_chain.errors import ConfigError, DataError
from lsft_chain.training.lora import TrainingCancelled, TrainingConfig, prepare_example, train_lora

from .conftest import EPOCHS, TinyRun, qa_records


def test_loss_falls_and_lora_weights_change(tiny_run: TinyRun) -> None:
    from safetensors.torch import load_file

    result = tiny_run.result
    assert result.steps == EPOCHS * 2 and result.epochs == EPOCHS
    assert result.first_train_loss > 3.0
    assert result.final_train_loss < 0.05 < result.first_train_loss / 50
    assert result.final_valid_loss is not None and result.final_valid_loss < 0.05
    weights = load_file(str(result.adapter_dir / "adapter_model.safetensors"))
    lora_b = {k: v for k, v in weights.items() if "lora_B" in k}
    assert lora_b and all(float(v.abs().max()) > 0 for v in lora_b.values())  # lora_B starts at zero
    assert any(".q_proj." in k for k in lora_b) and any(".down_proj." in k for k in lora_b)
    assert result.device == "cpu" and result.precision == "fp32" and result.tokens_per_second > 0


def test_adapter_records_absolute_base_path_and_tokenizer(tiny_run: TinyRun, tiny_model_path: Path) -> None:
    adapter = tiny_run.result.adapter_dir
    config = json.loads((adapter / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str(tiny_model_path.resolve())
    assert Path(config["base_model_name_or_path"]).is_absolute()
    assert (adapter / "tokenizer_config.json").is_file()


def test_trained_tokens_count_all_tokens_per_epoch(tiny_run: TinyRun, tiny_model_path: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tiny_model_path))
    per_epoch = sum(len(prepare_example(tok, r, 2048).input_ids) for r in tiny_run.train_records)
    assert tiny_run.result.trained_tokens == per_epoch * EPOCHS


def test_metrics_events_and_csv(tiny_run: TinyRun) -> None:
    metrics = [e for e in tiny_run.events if e["type"] == "metrics"]
    assert [m["step"] for m in metrics] == list(range(1, tiny_run.result.steps + 1))
    for m in metrics:
        assert {"step", "total_steps", "epoch", "train_loss", "train_mean_token_accuracy", "learning_rate",
                "tokens_per_second"} <= m.keys()
        assert m["total_steps"] == tiny_run.result.steps and 0 <= m["train_mean_token_accuracy"] <= 1
    with_valid = [m["step"] for m in metrics if "valid_loss" in m]
    assert with_valid == [2 * e for e in range(1, EPOCHS + 1)]  # the last step of each epoch
    assert metrics[-1]["train_mean_token_accuracy"] == 1.0
    assert metrics[0]["learning_rate"] < metrics[2]["learning_rate"]  # warmup
    assert metrics[-1]["learning_rate"] < metrics[len(metrics) // 2]["learning_rate"]  # decay
    json.dumps(tiny_run.events)  # JSON-serialisable
    messages = [e["message"] for e in tiny_run.events if e["type"] == "message"]
    assert any("on device cpu with precision fp32" in m for m in messages)
    assert any("8 training examples" in m and "tokens per epoch" in m for m in messages)

    with tiny_run.result.metrics_csv.open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0].keys()) == ["step", "train_loss", "train_accuracy", "valid_loss",
                                    "valid_mean_token_accuracy"]
    assert len(rows) == tiny_run.result.steps
    assert float(rows[0]["train_loss"]) == pytest.approx(metrics[0]["train_loss"], abs=1e-5)
    assert rows[0]["valid_loss"] == "" and rows[1]["valid_loss"] != ""


def test_epoch_checkpoints(tiny_run: TinyRun) -> None:
    checkpoints = [e for e in tiny_run.events if e["type"] == "checkpoint"]
    # The last N=3 epochs, except the final one: the final adapter is the model itself.
    assert [c["epoch"] for c in checkpoints] == [EPOCHS - 2, EPOCHS - 1]
    for c in checkpoints:
        path = Path(c["path"])
        assert path.name == f"step-{c['step']}" and (path / "adapter_model.safetensors").is_file()
        assert c["metrics"]["step"] == c["step"]
    assert not (tiny_run.result.adapter_dir.parent / "checkpoints" / f"step-{tiny_run.result.steps}").exists()


def test_should_stop_cancels(tiny_model_path: Path, tmp_path: Path) -> None:
    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) > 2

    events: list[dict] = []
    config = TrainingConfig(base_model_path=tiny_model_path, output_dir=tmp_path, n_epochs=5, precision="fp32")
    with pytest.raises(TrainingCancelled, match="cancelled at step 2/"):
        train_lora(config, qa_records(), on_event=events.append, should_stop=should_stop)
    assert [e["step"] for e in events if e["type"] == "metrics"] == [1, 2]
    assert not (tmp_path / "adapter").exists()


def test_same_seed_same_losses(tiny_model_path: Path, tmp_path: Path) -> None:
    def losses(out: Path) -> list[float]:
        events: list[dict] = []
        config = TrainingConfig(base_model_path=tiny_model_path, output_dir=out, n_epochs=1, precision="fp32",
                                save_epoch_checkpoints=0)
        train_lora(config, qa_records(), on_event=events.append)
        return [e["train_loss"] for e in events if e["type"] == "metrics"]

    assert losses(tmp_path / "a") == losses(tmp_path / "b")


def test_bad_data_and_config_are_reported(tiny_model_path: Path, tmp_path: Path) -> None:
    config = TrainingConfig(base_model_path=tiny_model_path, output_dir=tmp_path, precision="fp32")
    bad = qa_records() + [{"messages": [{"role": "user", "content": "no answer"}]}]
    with pytest.raises(DataError, match="example 4 has no assistant message"):
        train_lora(config, bad)
    with pytest.raises(DataError, match="no examples"):
        train_lora(config, [])
    with pytest.raises(ConfigError, match="n_epochs"):
        train_lora(TrainingConfig(base_model_path=tiny_model_path, output_dir=tmp_path, n_epochs=0), qa_records())
    with pytest.raises(ConfigError, match="no config.json"):
        train_lora(TrainingConfig(base_model_path=tmp_path, output_dir=tmp_path), qa_records())
