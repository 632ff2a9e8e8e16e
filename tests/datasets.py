"""Small fine-tuning datasets that a tiny random model can learn in seconds."""

from __future__ import annotations

import json
from pathlib import Path

COLORS = ["red", "blue", "green", "black", "white", "amber", "olive", "pink", "gray", "teal", "gold", "navy"]


def color_records(n: int = 12) -> list[dict]:
    """``n`` chat records: a one-word question and a fixed short answer (easy to memorise)."""
    out = []
    for i in range(n):
        c = COLORS[i % len(COLORS)]
        out.append({"messages": [
            {"role": "system", "content": "Answer with the code."},
            {"role": "user", "content": f"code for {c}?"},
            {"role": "assistant", "content": f"{c} {c} ok"},
        ]})
    return out


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path
