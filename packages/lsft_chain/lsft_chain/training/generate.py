"""Chat completions from a local base model, optionally with a LoRA adapter merged in.

``ChatGenerator`` keeps the last two loaded models (LRU) and loads each once even under concurrent
callers. Generation is a plain token loop with a KV cache, so ``stream`` and ``complete`` share one code
path and produce the same text.
"""

from __future__ import annotations

import inspect
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError, SourceNotFoundError
from .device import resolve_device, resolve_precision
from .render import chat_only, render_messages

__all__ = ["ChatGenerator", "Completion", "CompletionStream", "DEFAULT_MAX_TOKENS"]

DEFAULT_MAX_TOKENS = 256


@dataclass(frozen=True)
class Completion:
    """The generated text and OpenAI-style usage and finish reason."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: Literal["stop", "length"]


@dataclass
class _Loaded:
    model: Any
    tokenizer: Any
    device: str
    eos_ids: frozenset[int]
    context: int


class _Entry:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded: _Loaded | None = None


def _held_back(text: str, stops: list[str]) -> int:
    """How many trailing characters could still be the start of a stop string."""
    best = 0
    for stop in stops:
        for n in range(min(len(stop) - 1, len(text)), best, -1):
            if text.endswith(stop[:n]):
                best = n
                break
    return best


class CompletionStream:
    """Iterate for text deltas; ``result`` holds the ``Completion`` once iteration has finished."""

    def __init__(self, deltas: Iterator[str], box: list[Completion]) -> None:
        self._deltas = deltas
        self._box = box

    def __iter__(self) -> Iterator[str]:
        return self._deltas

    def close(self) -> None:
        """Stop generating (also happens when the stream is garbage-collected)."""
        close = getattr(self._deltas, "close", None)
        if close is not None:
            close()

    @property
    def result(self) -> Completion:
        if not self._box:
            raise RuntimeError("The stream has not finished yet: iterate it to the end first.")
        return self._box[0]


class ChatGenerator:
    """Thread-safe cache of loaded models (``max_models`` most recently used) that generates chat replies."""

    def __init__(self, *, max_models: int = 2, device: str = "auto", precision: str = "auto") -> None:
        self.max_models = max_models
        self.device = device
        self.precision = precision
        self._entries: OrderedDict[tuple[str, str | None], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def _load(self, base_path: Path, adapter_dir: Path | None) -> _Loaded:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if not (base_path / "config.json").is_file():
            raise SourceNotFoundError(f"Base model folder {base_path} does not exist or has no config.json.",
                                      hint="resolve the base model again (resolve_base_model).")
        device = resolve_device(self.device)
        precision = resolve_precision(self.precision, device)
        model = AutoModelForCausalLM.from_pretrained(str(base_path), dtype=torch.float32)
        tokenizer_dir = base_path
        if adapter_dir is not None:
            from peft import PeftModel

            if not (adapter_dir / "adapter_config.json").is_file():
                raise SourceNotFoundError(f"Adapter folder {adapter_dir} has no adapter_config.json.",
                                          hint="check that the fine-tuning job succeeded and its files exist.")
            model = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
            if (adapter_dir / "tokenizer_config.json").is_file():
                tokenizer_dir = adapter_dir
        if precision == "bf16":
            model = model.to(torch.bfloat16)
        model.to(device).eval()
        tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
        eos: set[int] = set()
        for source in (tokenizer.eos_token_id, getattr(model.generation_config, "eos_token_id", None)):
            eos.update(source if isinstance(source, list) else [source] if source is not None else [])
        im_end = tokenizer.convert_tokens_to_ids("<|im_end|>") if "<|im_end|>" in tokenizer.get_vocab() else None
        if im_end is not None:
            eos.add(im_end)
        context = int(getattr(model.config, "max_position_embeddings", 0) or 2048)
        return _Loaded(model, tokenizer, device, frozenset(eos), context)

    def get(self, base_path: Path, adapter_dir: Path | None = None) -> _Loaded:
        """The loaded model for (base, adapter); loads it once, evicting the least recently used."""
        base_path = Path(base_path).expanduser().resolve()
        adapter_dir = Path(adapter_dir).expanduser().resolve() if adapter_dir is not None else None
        key = (str(base_path), str(adapter_dir) if adapter_dir else None)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_models:
                self._entries.popitem(last=False)
        with entry.lock:
            if entry.loaded is None:
                try:
                    entry.loaded = self._load(base_path, adapter_dir)
                except BaseException:
                    with self._lock:  # do not keep a slot for a model that failed to load
                        if self._entries.get(key) is entry:
                            del self._entries[key]
                    raise
            return entry.loaded

    def stream(self, base_path: Path, adapter_dir: Path | None, messages: list[dict[str, Any]], *,
               tools: list[dict[str, Any]] | None = None, max_tokens: int | None = None,
               temperature: float = 1.0, top_p: float = 1.0, stop: list[str] | None = None,
               seed: int | None = None) -> CompletionStream:
        """Start a completion; iterate the returned stream for text deltas, then read ``.result``."""
        if temperature < 0 or not 0 < top_p <= 1:
            raise ConfigError(f"Invalid sampling settings temperature={temperature}, top_p={top_p}.",
                              hint="use temperature >= 0 and 0 < top_p <= 1.")
        if max_tokens is not None and max_tokens < 1:
            raise ConfigError(f"Invalid max_tokens={max_tokens}.", hint="use a positive max_tokens.")
        loaded = self.get(base_path, adapter_dir)
        chat = chat_only(render_messages(messages, tools))
        text = loaded.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        prompt_ids = loaded.tokenizer(text, add_special_tokens=False)["input_ids"]
        room = loaded.context - len(prompt_ids)
        if room < 1:
            raise ConfigError(f"The prompt has {len(prompt_ids)} tokens; the model's context is {loaded.context}.",
                              hint="shorten the messages.")
        limit = min(max_tokens or DEFAULT_MAX_TOKENS, room)
        stops = [s for s in (stop or []) if s]
        box: list[Completion] = []
        deltas = self._run(loaded, prompt_ids, limit, temperature, top_p, stops, seed, box)
        return CompletionStream(deltas, box)

    def complete(self, base_path: Path, adapter_dir: Path | None, messages: list[dict[str, Any]], *,
                 tools: list[dict[str, Any]] | None = None, max_tokens: int | None = None,
                 temperature: float = 1.0, top_p: float = 1.0, stop: list[str] | None = None,
                 seed: int | None = None) -> Completion:
        """Generate a whole reply (greedy when ``temperature == 0``)."""
        stream = self.stream(base_path, adapter_dir, messages, tools=tools, max_tokens=max_tokens,
                             temperature=temperature, top_p=top_p, stop=stop, seed=seed)
        for _ in stream:
            pass
        return stream.result

    @staticmethod
    def _pick(logits: Any, temperature: float, top_p: float, generator: Any) -> int:
        import torch

        if temperature == 0:
            return int(logits.argmax())
        probs = torch.softmax(logits.float() / temperature, dim=-1)
        if top_p < 1.0:
            sorted_probs, order = probs.sort(descending=True)
            keep = sorted_probs.cumsum(-1) - sorted_probs < top_p
            probs = torch.zeros_like(probs).scatter(0, order[keep], sorted_probs[keep])
        return int(torch.multinomial(probs.cpu(), 1, generator=generator))

    def _run(self, loaded: _Loaded, prompt_ids: list[int], limit: int, temperature: float, top_p: float,
             stops: list[str], seed: int | None, box: list[Completion]) -> Iterator[str]:
        import torch

        generator = torch.Generator()
        if seed is not None:
            generator.manual_seed(seed)
        else:
            generator.seed()
        tokenizer, model = loaded.tokenizer, loaded.model
        generated: list[int] = []
        emitted = 0
        finish: Literal["stop", "length"] = "length"
        text = ""
        # transformers >= 5.2x names the KV cache argument ``cache``; older versions ``past_key_values``.
        cache_arg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
        with torch.inference_mode():
            cache = None
            step_input = torch.tensor([prompt_ids], device=loaded.device)
            while len(generated) < limit:
                out = model(input_ids=step_input, use_cache=True, logits_to_keep=1, **{cache_arg: cache})
                cache = out.get("cache")
                if cache is None:
                    cache = out.get("past_key_values")
                token = self._pick(out.logits[0, -1], temperature, top_p, generator)
                generated.append(token)
                if token in loaded.eos_ids:
                    finish = "stop"
                    break
                text = tokenizer.decode(generated, skip_special_tokens=True)
                cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
                if cut >= 0:
                    text, finish = text[:cut], "stop"
                    break
                safe = len(text) - _held_back(text, stops)
                while safe > emitted and text[safe - 1] == "\ufffd":  # an incomplete UTF-8 sequence
                    safe -= 1
                if safe > emitted:
                    yield text[emitted:safe]
                    emitted = safe
                step_input = torch.tensor([[token]], device=loaded.device)
        if finish == "stop" and generated and generated[-1] in loaded.eos_ids:
            text = tokenizer.decode(generated[:-1], skip_special_tokens=True)
        if len(text) > emitted:
            yield text[emitted:]
        box.append(Completion(text, len(prompt_ids), len(generated), finish))
