"""Which model ids the embedded service knows: base models (with OpenAI aliases) and tuned models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..settings import Settings
from .schemas import OpenAIError, model_public
from .store import Store


class ModelRegistry:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store

    def _known_base(self, name: str) -> bool:
        from ..training.base_models import ALIASES, DEFAULT_BASE_MODEL

        builtin = {DEFAULT_BASE_MODEL.lower(), f"huggingfacetb/{DEFAULT_BASE_MODEL.lower()}"}
        if name.lower() in ALIASES or name.lower() in builtin or name == self.settings.base_model:
            return True
        if Path(name).expanduser().is_dir():
            return True
        try:  # a Hugging Face id already in the local cache
            from huggingface_hub import try_to_load_from_cache

            return isinstance(try_to_load_from_cache(name, "config.json"), str)
        except Exception:
            return False

    def check(self, name: str) -> None:
        """Cheap check at job creation, so an unknown model fails the request rather than the job."""
        if not self._known_base(name):
            raise OpenAIError(
                400, f"Model '{name}' is not available for fine-tuning here. Use '{self.settings.base_model}' "
                     "(the default), an OpenAI model name (mapped to the default), a local model folder, or a "
                     "Hugging Face id present in the local cache.", param="model", code="model_not_available")

    def for_chat(self, model_id: str) -> tuple[Path, Path | None]:
        """(base model folder, adapter folder or None) for a chat request; may convert the base model once."""
        from ..training.base_models import resolve_base_model

        tuned = self.store.get_model(model_id)
        if tuned is not None:
            return Path(tuned["base_path"]), Path(tuned["adapter_path"])
        if model_id.startswith("ft:") or not self._known_base(model_id):
            raise OpenAIError(404, f"The model '{model_id}' does not exist or you do not have access to it.",
                              param="model", code="model_not_found")
        resolved = resolve_base_model(model_id, home=self.settings.home, default=self.settings.base_model)
        return resolved.path, None

    def list_public(self) -> list[dict[str, Any]]:
        from ..training.base_models import ALIASES

        out = [model_public(self.settings.base_model, 0, "lsft")]
        out += [model_public(alias, 0, "lsft-alias") for alias in sorted(ALIASES)]
        out += [model_public(m["id"], m["created_at"], m["owned_by"]) for m in self.store.list_models()]
        return out

