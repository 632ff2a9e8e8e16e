"""The data path (load → convert → validate → count → write JSONL): examples/s and peak memory.

Synthetic LangSmith chat-dataset export (JSON array; LangChain-serialised messages as in the tutorial's
file), generated on the fly into a temp file: 50% multi-turn chats, 30% tool-call examples (assistant
tool_calls + tool results), 20% long examples (~2,500 words). Three paths, each in its own subprocess so
peak RSS (getrusage ru_maxrss of that process) is its own; time excludes imports:

* lsft: ``convert_sessions(source_from_spec(path))`` for gpt-4o-mini (validation, dedupe, token counts,
  epochs, cost, JSONL);
* tutorial: what a careful user of the tutorial runs: load the examples (LangChain messages, as
  ``LangSmithDatasetChatLoader`` yields ``ChatSession`` s), ``convert_messages_for_finetuning``, ``json.dumps``
  each to JSONL, then the OpenAI cookbook data-prep notebook's checks and token counts with tiktoken
  (bench/cookbook.py), reading the JSONL back as the notebook does;
* floor: ``orjson`` parse of each example, ``orjson`` write, and an exact token count of every message with
  the fastest offline encoder (quicktok).

Both lsft and the tutorial path count with o200k_base. Memory growth = peak RSS at N / peak RSS at N/10.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .results import record

WORDS = ("the model reads data from a stream and writes tokens quickly while users check costs before "
         "training on tools calls weather drone altitude café naïve 東京 🚀 json schema value").split()


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _lc(kind: str, content: str, **data) -> dict:
    return {"type": kind, "data": {"content": content, "additional_kwargs": data.pop("additional_kwargs", {}), **data}}


def example(i: int) -> dict:
    rng = random.Random(i)
    kind = i % 10
    msgs = [_lc("system", "You are a helpful assistant. " + _text(rng, 10))]
    if kind < 5:  # multi-turn
        for _ in range(rng.randint(1, 4)):
            msgs += [_lc("human", _text(rng, rng.randint(5, 60))), _lc("ai", _text(rng, rng.randint(5, 80)))]
    elif kind < 8:  # tool calls
        msgs.append(_lc("human", "What is the weather in " + _text(rng, 3) + "?"))
        cid = f"call_{i}"
        args = json.dumps({"city": _text(rng, 2), "unit": "celsius"})
        msgs.append(_lc("ai", "", additional_kwargs={"tool_calls": [
            {"id": cid, "type": "function", "function": {"name": "get_weather", "arguments": args}}]},
            tool_calls=[{"id": cid, "name": "get_weather", "args": json.loads(args), "type": "tool_call"}]))
        msgs.append(_lc("tool", json.dumps({"temp": rng.randint(-10, 35)}), tool_call_id=cid))
        msgs.append(_lc("ai", "It is " + _text(rng, 20)))
    else:  # long
        msgs += [_lc("human", _text(rng, 2500)), _lc("ai", _text(rng, 300))]
    return {"id": f"ex-{i}", "inputs": {"input": msgs[:-1]}, "outputs": {"output": msgs[-1]}}


def generate(path: Path, n: int) -> Path:
    with path.open("w") as f:
        f.write("[")
        for i in range(n):
            f.write(("," if i else "") + json.dumps(example(i)))
        f.write("]")
    return path


# -- the three paths, run in a child process ----------------------------------------------------------------

def run_lsft(src: Path, out: Path) -> dict:
    from lsft_chain.pipeline.convert import convert_sessions
    from lsft_chain.pipeline.load import source_from_spec

    r = convert_sessions(source_from_spec(path=str(src)), out, base_model="gpt-4o-mini")
    return {"examples": r.examples_in, "tokens": r.tokens_total + r.validation_tokens, "dropped": r.dropped_count}


def _tiktoken_offline() -> None:
    import bpe_openai

    cache = Path(tempfile.gettempdir()) / "lsft-bench-tiktoken"
    cache.mkdir(exist_ok=True)
    for name in ("cl100k_base", "o200k_base"):
        url = f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
        target = cache / hashlib.sha1(url.encode()).hexdigest()
        if not target.exists():
            target.write_bytes(gzip.decompress((Path(bpe_openai.__file__).parent / "data" / f"{name}.tiktoken.gz").read_bytes()))
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)


def run_tutorial(src: Path, out: Path) -> dict:
    import tiktoken
    from langchain_community.adapters.openai import convert_messages_for_finetuning
    from langchain_core.chat_sessions import ChatSession
    from langchain_core.messages import messages_from_dict

    from .cookbook import analyse

    examples = json.loads(src.read_text())
    sessions = [ChatSession(messages=messages_from_dict([*e["inputs"]["input"], e["outputs"]["output"]]))
                for e in examples]
    training_data = convert_messages_for_finetuning(sessions)
    with out.open("w") as f:
        for msgs in training_data:
            f.write(json.dumps({"messages": msgs}) + "\n")
    with out.open() as f:
        dataset = [json.loads(line) for line in f]
    stats = analyse(dataset, tiktoken.get_encoding("o200k_base"))
    return {"examples": len(dataset), "tokens": stats["tokens"], "format_errors": stats["format_errors"]}


def run_floor(src: Path, out: Path) -> dict:
    import orjson
    import quicktok

    count = quicktok.get_encoding("o200k_base").count

    n = tokens = 0
    with src.open("rb") as f:
        data = orjson.loads(f.read())
    with out.open("wb") as w:
        for ex in data:
            for m in (*ex["inputs"]["input"], ex["outputs"]["output"]):
                tokens += count(m["data"]["content"])
            w.write(orjson.dumps(ex) + b"\n")
            n += 1
    return {"examples": n, "tokens": tokens}


PATHS = {"lsft": run_lsft, "tutorial": run_tutorial, "floor": run_floor}


def _child(which: str, src: str) -> None:
    if which == "tutorial":
        _tiktoken_offline()
    import lsft_chain.tokens  # noqa: F401  (imports out of the timing for every path)
    with tempfile.TemporaryDirectory() as d:
        started = time.perf_counter()
        figures = PATHS[which](Path(src), Path(d) / "out.jsonl")
        figures["seconds"] = time.perf_counter() - started
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def measure(which: str, src: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.data_path", "--child", which, str(src)],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    if proc.returncode:
        raise RuntimeError(f"{which} failed:\n{proc.stderr[-3000:]}")
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["examples_per_s"] = figures["examples"] / figures["seconds"]
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=100_000, help="examples in the large run (the small "
                        "run, for memory growth, has a tenth)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return {}
    big_n, small_n = args.examples, max(1, args.examples // 10)
    figures: dict = {"examples": big_n, "small_examples": small_n, "encoding": "o200k_base"}
    with tempfile.TemporaryDirectory() as d:
        small, big = generate(Path(d) / "small.json", small_n), generate(Path(d) / "big.json", big_n)
        figures["file_mb"] = big.stat().st_size / 2**20
        for which in PATHS:
            figures[which] = {"small": measure(which, small), "big": measure(which, big)}
            print(f"  {which:8s} done: {figures[which]['big']['examples_per_s']:,.0f} examples/s", flush=True)
    ours, tut, floor = (figures[k]["big"] for k in ("lsft", "tutorial", "floor"))
    growth = {k: figures[k]["big"]["peak_rss_mb"] / figures[k]["small"]["peak_rss_mb"] for k in PATHS}
    figures.update({
        "speedup_vs_tutorial": ours["examples_per_s"] / tut["examples_per_s"],
        "time_vs_floor": ours["seconds"] / floor["seconds"],
        # The floor parses the whole document with one orjson.loads, which costs it memory and time at the
        # large size; the small run is the tighter comparison.
        "time_vs_floor_small": figures["lsft"]["small"]["seconds"] / figures["floor"]["small"]["seconds"],
        "memory_growth": growth,
        "targets": {"speedup_vs_tutorial": ">= 3", "time_vs_floor": "<= 1.5", "lsft_memory_growth": "flat (~1x)"},
    })
    print(f"data path on {big_n:,} synthetic LangSmith examples ({figures['file_mb']:.0f} MB; 50% multi-turn, "
          f"30% tool calls, 20% long), o200k_base counts, each path in its own process:")
    for k in PATHS:
        b, s = figures[k]["big"], figures[k]["small"]
        print(f"  {k:8s}: {b['examples_per_s']:9,.0f} examples/s  {b['seconds']:7.1f} s  peak RSS "
              f"{s['peak_rss_mb']:6.0f} MB at {small_n:,} -> {b['peak_rss_mb']:6.0f} MB at {big_n:,} "
              f"({growth[k]:.2f}x)")
    print(f"  lsft / tutorial throughput : {figures['speedup_vs_tutorial']:.2f}x  (target >= 3x)")
    print(f"  lsft time / floor time     : {figures['time_vs_floor']:.2f}x at {big_n:,}, "
          f"{figures['time_vs_floor_small']:.2f}x at {small_n:,}  (target <= 1.5x)")
    print(f"  lsft memory growth 10x data: {growth['lsft']:.2f}x  (tutorial: {growth['tutorial']:.2f}x)")
    record("data_path", figures)
    return figures


if __name__ == "__main__":
    main()
