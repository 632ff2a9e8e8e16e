"""Local LoRA training throughput (tokens/s): lsft's trainer against a plain TRL SFTTrainer run.

Same base model (SmolLM2-135M-Instruct), same examples (the tutorial's dataset), same hyperparameters
(LoRA r16/alpha32/dropout 0.05 on the attention+MLP projections, lr 2e-4, batch 1, 1 epoch, same precision),
measured one after the other in this process. Tokens/s = tokens of the examples / wall time of the training
loop (model loading excluded from both).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from .results import record



def _records(n: int) -> list[dict]:
    from lsft_chain.pipeline.convert import convert_sessions
    from lsft_chain.pipeline.load import source_from_spec

    from lsft_chain.langsmith_store import example_dataset_records  # the tutorial's dataset, shipped in the package

    with tempfile.TemporaryDirectory() as d:
        data = Path(d) / "langsmith_chat_dataset.json"
        data.write_text(json.dumps(example_dataset_records()))
        report = convert_sessions(source_from_spec(path=str(data)), Path(d) / "train.jsonl")
        lines = Path(report.path).read_text().splitlines()[:n]
    return [json.loads(line) for line in lines]


def run_lsft(base: Path, records: list[dict], precision: str) -> dict:
    from lsft_chain.training.lora import TrainingConfig, train_lora

    with tempfile.TemporaryDirectory() as out:
        config = TrainingConfig(base_model_path=base, output_dir=Path(out), n_epochs=1, batch_size=1,
                                learning_rate=2e-4, precision=precision, save_epoch_checkpoints=0)
        started = time.perf_counter()
        result = train_lora(config, records)
        wall = time.perf_counter() - started
    return {"tokens": result.trained_tokens, "train_loop_s": wall, "tokens_per_s_reported": result.tokens_per_second,
            "final_train_loss": result.final_train_loss}


def run_trl(base: Path, records: list[dict], precision: str, tokens: int) -> dict:
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    tok = AutoTokenizer.from_pretrained(base)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    with tempfile.TemporaryDirectory() as out:
        args = SFTConfig(output_dir=out, per_device_train_batch_size=1, num_train_epochs=1, learning_rate=2e-4,
                         lr_scheduler_type="linear", max_length=2048, bf16=precision == "bf16", use_cpu=True,
                         logging_steps=1, save_strategy="no", report_to=[], seed=42, dataloader_num_workers=0)
        lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, task_type="CAUSAL_LM",
                          target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
        trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(records),
                             processing_class=tok, peft_config=lora)
        started = time.perf_counter()
        trainer.train()
        wall = time.perf_counter() - started
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    return {"tokens": tokens, "train_loop_s": wall, "final_train_loss": losses[-1] if losses else None,
            "gradient_checkpointing": bool(args.gradient_checkpointing)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=6, help="examples of the tutorial dataset (~1,800 tokens each)")
    args = parser.parse_args(argv)

    from lsft_chain.settings import Settings
    from lsft_chain.training.base_models import resolve_base_model
    from lsft_chain.training.device import resolve_precision

    base = resolve_base_model(None, home=Settings().home).path
    precision = resolve_precision("auto", "cpu")
    records = _records(args.examples)
    ours = run_lsft(base, records, precision)
    trl = run_trl(base, records, precision, ours["tokens"])
    ours["tokens_per_s"] = ours["tokens"] / ours["train_loop_s"]
    trl["tokens_per_s"] = trl["tokens"] / trl["train_loop_s"]
    figures = {"examples": len(records), "precision": precision, "lsft": ours, "trl_sfttrainer": trl,
               "speedup_vs_trl": ours["tokens_per_s"] / trl["tokens_per_s"]}
    print(f"training throughput ({len(records)} examples, {ours['tokens']} tokens, {precision}, CPU):")
    print(f"  lsft LoRA trainer : {ours['tokens_per_s']:8.1f} tokens/s  (loss {ours['final_train_loss']:.3f})")
    print(f"  TRL SFTTrainer    : {trl['tokens_per_s']:8.1f} tokens/s  (loss {trl['final_train_loss']:.3f})")
    print(f"  ratio lsft / TRL  : {figures['speedup_vs_trl']:.2f}x")
    record("training_throughput", figures)
    return figures


if __name__ == "__main__":
    main()
