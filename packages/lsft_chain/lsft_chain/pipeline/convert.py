"""Sessions → OpenAI fine-tuning JSONL, streamed in constant memory, with a report of what will be trained.

One pass over the source: convert each example (``fastpath`` for plain shapes, LangChain otherwise), check it
(``lsft_chain.validation``), count its tokens (``lsft_chain.tokens``), drop it if it repeats an earlier one
(``dedupe``), send it to the training or validation file (``validation_split``), write it. Nothing is kept
per example but a 16-byte digest (BLAKE2b of the written JSON line) in a set for duplicate detection:
~100 bytes per example with the set's overhead, ~10 MB per 100,000 examples. Listed warnings and dropped
examples are capped (``MAX_LISTED`` per code); their counts are always complete.

The train/validation split is decided per record from ``blake2b(seed || digest)``: deterministic for a seed,
needs no shuffle buffer, and puts identical records on the same side.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import BaseModel, ConfigDict, Field

from ..errors import ConfigError, DataValidationError, Problem
from ..messages import session_to_record
from ..models_table import CURRENCY, PRICES_AS_OF, model_info
from ..tokens import estimate_epochs, get_counter
from ..validation import check_record, too_few_examples, too_long
from .load import LoadedSession, SessionSource

__all__ = ["ConversionReport", "ConvertSessions", "check_record", "convert_sessions", "default_output_path",
           "record_digest"]

MAX_LISTED = 20


class ConversionReport(BaseModel):
    """What ``ConvertSessions`` wrote, and what training on it will take. Flat; every field documented."""

    path: str = Field(description="The training JSONL file.")
    examples: int = Field(description="Training examples written (= examples_out).")
    messages: int = Field(description="Messages in the training examples.")
    with_tools: int = Field(description="Training examples with tool (or function) definitions.")
    with_tool_calls: int = Field(description="Training examples with assistant tool (or function) calls.")
    problems: list[dict[str, Any]] = Field(description=f"Warnings (errors raise DataValidationError), at most "
                                           f"{MAX_LISTED} listed per code; see warning_counts.")
    warning_counts: dict[str, int] = Field(default_factory=dict, description="Every warning, counted by code.")
    bytes: int = Field(description="Size of the training file.")
    sha256: str = Field(description="SHA-256 of the training file.")
    examples_in: int = Field(default=0, description="Examples read from the source.")
    examples_out: int = Field(default=0, description="Examples written: training + validation.")
    dropped: list[dict[str, Any]] = Field(default_factory=list, description=f"Examples not written, each with "
                                          f"its reason (at most {MAX_LISTED} per code listed).")
    dropped_count: int = 0
    dedupe: bool = True
    validation_split: float | None = None
    split_seed: int | None = None
    validation_path: str | None = Field(default=None, description="The validation JSONL split off, if any.")
    validation_examples: int = 0
    validation_tokens: int = 0
    base_model: str | None = Field(default=None, description="The base model the counts and limits are for.")
    encoding: str = ""
    tokens_total: int = Field(default=0, description="Tokens of the training examples (one epoch).")
    tokens_max: int = 0
    tokens_mean: float = 0.0
    tokens_per_example_limit: int = 0
    examples_over_limit: int = Field(default=0, description="Examples the provider will truncate.")
    n_epochs: int | None = Field(default=None, description="Epochs asked for; None = the provider's default.")
    estimated_epochs: int = Field(default=0, description="n_epochs, or OpenAI's default rule for this many examples.")
    billed_tokens: int = Field(default=0, description="sum(min(tokens, limit)) × estimated_epochs.")
    estimated_cost: float | None = Field(default=None, description="billed_tokens × price; None for models "
                                         "without a known price (e.g. the embedded service's).")
    currency: str = CURRENCY
    price_per_1m_tokens: float | None = None
    prices_as_of: str = PRICES_AS_OF


def record_digest(line: bytes) -> bytes:
    """The 16-byte identity of a written record (its JSON line)."""
    return hashlib.blake2b(line, digest_size=16).digest()


def _in_validation(digest: bytes, seed: int, fraction: float) -> bool:
    h = hashlib.blake2b(seed.to_bytes(8, "little", signed=True) + digest, digest_size=8).digest()
    return int.from_bytes(h, "little") < fraction * 2**64


def default_output_path() -> Path:
    """A fresh file under ``<tmp>/lsft/``."""
    d = Path(tempfile.gettempdir()) / "lsft"
    d.mkdir(parents=True, exist_ok=True)
    return d / f"train-{uuid.uuid4().hex[:12]}.jsonl"


def _iter_loaded(sessions: Iterable[Any]) -> Iterable[LoadedSession]:
    for i, s in enumerate(sessions):
        yield s if isinstance(s, LoadedSession) else LoadedSession(f"index {i}", s)


class _Tally:
    """Warnings and dropped examples: counted in full, listed up to MAX_LISTED per code."""

    def __init__(self) -> None:
        self.warnings: list[dict[str, Any]] = []
        self.warning_counts: dict[str, int] = {}
        self.dropped: list[dict[str, Any]] = []
        self.dropped_counts: dict[str, int] = {}

    def warn(self, p: Problem) -> None:
        n = self.warning_counts.get(p.code, 0)
        self.warning_counts[p.code] = n + 1
        if n < MAX_LISTED:
            self.warnings.append(p.to_dict())

    def drop(self, ref: str, code: str, reason: str) -> None:
        n = self.dropped_counts.get(code, 0)
        self.dropped_counts[code] = n + 1
        if n < MAX_LISTED:
            self.dropped.append({"example": ref, "code": code, "reason": reason})


class _Sink:
    """One output JSONL file: written to a temp name, moved in place only when the run succeeds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
        self.f = self.tmp.open("wb")
        self.digest, self.size, self.examples, self.tokens = hashlib.sha256(), 0, 0, 0

    def write(self, line: bytes, tokens: int) -> None:
        self.f.write(line)
        self.digest.update(line)
        self.size += len(line)
        self.examples += 1
        self.tokens += tokens

    def close(self, keep: bool) -> None:
        self.f.close()
        if keep:
            os.replace(self.tmp, self.path)
        self.tmp.unlink(missing_ok=True)


def convert_sessions(sessions: Iterable[Any], output_path: str | os.PathLike[str] | None = None, *,
                     base_model: str | None = None, dedupe: bool = True, validation_split: float | None = None,
                     split_seed: int = 0, validation_output_path: str | os.PathLike[str] | None = None,
                     min_examples: int = 0, n_epochs: int | None = None, seen_digests: set[bytes] | None = None,
                     overlap_with: set[bytes] | None = None) -> ConversionReport:
    """Convert, check, count and stream sessions to JSONL; raise ``DataValidationError`` listing every error.

    ``validation_split`` (0 < f < 1) sends about that fraction of the examples to a second file, chosen by
    ``split_seed``. ``dedupe`` drops repeats of an earlier example (else they are warnings).
    ``min_examples``: fewer training examples than that is an error (the chain uses 10, OpenAI's minimum);
    below 10 is a warning otherwise. ``seen_digests`` collects the digests of the examples written;
    ``overlap_with`` (the training set's, when converting separate validation data) flags overlap.
    On error no output file is written (a previous file at ``output_path`` is left as it was).
    """
    if isinstance(sessions, (str, bytes, Mapping)):
        raise ConfigError("sessions must be a SessionSource or an iterable of sessions.",
                          hint="load them first with LoadSessions or source_from_spec(path=...).")
    if validation_split is not None and not 0 < validation_split < 1:
        raise ConfigError(f"validation_split must be between 0 and 1 (exclusive), got {validation_split}",
                          hint="use e.g. 0.1 to hold out about 10% of the examples.")
    out = Path(output_path).expanduser() if output_path is not None else default_output_path()
    source = sessions.description if isinstance(sessions, SessionSource) else "the sessions"
    info = model_info(base_model)
    counter = get_counter(info.encoding)
    limit = info.max_tokens_per_example
    seen: set[bytes] = seen_digests if seen_digests is not None else set()
    errors: list[Problem] = []
    tally = _Tally()
    examples_in = n_messages = with_tools = with_tool_calls = over_limit = tokens_max = billable = 0
    train = _Sink(out)
    valid: _Sink | None = None
    if validation_split:
        vpath = (Path(validation_output_path).expanduser() if validation_output_path is not None
                 else out.with_name(out.stem + "-validation" + (out.suffix or ".jsonl")))
        valid = _Sink(vpath)
    ok = False
    try:
        for loaded in _iter_loaded(sessions):
            examples_in += 1
            ref = loaded.ref
            found = list(loaded.problems)
            record = loaded.record
            if not found and record is None:
                try:
                    record = session_to_record(loaded.session, where=ref)
                except DataValidationError as exc:
                    found = list(exc.problems)
            if record is not None and not found:
                found = check_record(record, ref)
            bad = False
            for p in found:
                if p.severity == "error":
                    errors.append(p)
                    bad = True
                else:
                    tally.warn(p)
            if bad:
                tally.drop(ref, "invalid", "has errors (see the error list)")
            if record is None or bad or errors:  # after the first error, only look for more problems
                continue
            line = orjson.dumps(record) + b"\n"
            digest = record_digest(line)
            if digest in seen:
                if dedupe:
                    tally.drop(ref, "duplicate", "identical to an earlier example (dedupe is on)")
                    tally.warn(Problem(ref, "messages", "duplicate of an earlier example: dropped",
                                       "nothing to do; set dedupe=false to keep repeats.", severity="warning",
                                       code="duplicate"))
                    continue
                tally.warn(Problem(ref, "messages", "duplicate of an earlier example: kept (dedupe is off)",
                                   "remove repeats, or set dedupe=true; repeats weigh an example more.",
                                   severity="warning", code="duplicate"))
            seen.add(digest)
            if overlap_with is not None and digest in overlap_with:
                tally.warn(Problem(ref, "messages", "this validation example is also in the training data",
                                   "remove it from one of the two files; overlap makes validation loss "
                                   "look better than it is.", severity="warning", code="train_valid_overlap"))
            tokens = counter.record(record)
            if (w := too_long(tokens, info, ref)) is not None:
                tally.warn(w)
                over_limit += 1
            if valid is not None and _in_validation(digest, split_seed, validation_split or 0):
                valid.write(line, tokens)
                continue
            train.write(line, tokens)
            tokens_max = max(tokens_max, tokens)
            billable += min(tokens, limit)
            msgs = record["messages"]
            n_messages += len(msgs)
            with_tools += bool(record.get("tools") or record.get("functions"))
            with_tool_calls += any("tool_calls" in m or "function_call" in m for m in msgs)
        if not errors and examples_in == 0:
            errors.append(Problem("(none)", "messages", f"{source} holds no examples",
                                  "check the dataset name, split or file.", code="no_examples"))
        elif not errors and (few := too_few_examples(train.examples, required=min_examples, source=source)):
            if few.severity == "error":
                errors.append(few)
            else:
                tally.warn(few)
        if errors:
            raise DataValidationError(errors, source=source)
        ok = True
    finally:
        train.close(ok)
        if valid is not None:
            valid.close(ok)
    epochs = n_epochs if n_epochs else estimate_epochs(train.examples)
    billed = billable * epochs
    price = info.training_price_per_1m
    return ConversionReport(
        path=str(out), examples=train.examples, messages=n_messages, with_tools=with_tools,
        with_tool_calls=with_tool_calls, problems=tally.warnings, warning_counts=tally.warning_counts,
        bytes=train.size, sha256=train.digest.hexdigest(), examples_in=examples_in,
        examples_out=train.examples + (valid.examples if valid else 0), dropped=tally.dropped,
        dropped_count=sum(tally.dropped_counts.values()), dedupe=dedupe, validation_split=validation_split,
        split_seed=split_seed if validation_split else None, validation_path=str(valid.path) if valid else None,
        validation_examples=valid.examples if valid else 0, validation_tokens=valid.tokens if valid else 0,
        base_model=base_model, encoding=info.encoding, tokens_total=train.tokens, tokens_max=tokens_max,
        tokens_mean=round(train.tokens / train.examples, 1) if train.examples else 0.0,
        tokens_per_example_limit=limit, examples_over_limit=over_limit, n_epochs=n_epochs,
        estimated_epochs=epochs, billed_tokens=billed,
        estimated_cost=round(billed / 1e6 * price, 4) if price is not None else None,
        price_per_1m_tokens=price)


_OPTIONS = ("base_model", "dedupe", "validation_split", "split_seed", "validation_output_path", "min_examples",
            "n_epochs", "seen_digests", "overlap_with")


class ConvertSessions(RunnableSerializable[Any, ConversionReport]):
    """Runnable "convert": ``{"sessions": SessionSource, "output_path": str | None, **options}`` (or just the
    sessions) → ``ConversionReport``; records are streamed to JSONL, never accumulated. Options (fields here,
    or keys of the input): base_model, dedupe, validation_split, split_seed, min_examples, n_epochs."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str | None = "convert"
    output_path: str | None = None
    base_model: str | None = None
    dedupe: bool = True
    validation_split: float | None = None
    split_seed: int = 0
    min_examples: int = 0
    n_epochs: int | None = None

    @property
    def OutputType(self) -> type[ConversionReport]:  # noqa: N802
        return ConversionReport

    def _convert(self, input: Any) -> ConversionReport:
        options: dict[str, Any] = {k: getattr(self, k) for k in _OPTIONS if hasattr(self, k)}
        if isinstance(input, Mapping):
            if "sessions" not in input:
                raise ConfigError(f"convert input has no 'sessions' (keys: {sorted(input)})",
                                  hint="pass {'sessions': <SessionSource>, 'output_path': ...}.")
            options.update({k: input[k] for k in _OPTIONS if k in input})
            return convert_sessions(input["sessions"], input.get("output_path", self.output_path), **options)
        return convert_sessions(input, self.output_path, **options)

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> ConversionReport:
        return self._call_with_config(self._convert, input, config, **kwargs)
