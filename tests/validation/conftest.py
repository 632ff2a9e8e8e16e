"""tiktoken as the reference encoder, offline: its tables come from bpe-openai's wheel, put where tiktoken's
cache looks for them (file name = sha1 of the download URL)."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import pytest

ENCODINGS = ("cl100k_base", "o200k_base")


@pytest.fixture(scope="session")
def tiktoken_encodings(tmp_path_factory):
    bpe_openai = pytest.importorskip("bpe_openai")
    cache = tmp_path_factory.mktemp("tiktoken-cache")
    data = Path(bpe_openai.__file__).parent / "data"
    for name in ENCODINGS:
        url = f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
        (cache / hashlib.sha1(url.encode()).hexdigest()).write_bytes(
            gzip.decompress((data / f"{name}.tiktoken.gz").read_bytes()))
    old = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    import tiktoken

    try:
        yield {name: tiktoken.get_encoding(name) for name in ENCODINGS}
    finally:
        if old is None:
            os.environ.pop("TIKTOKEN_CACHE_DIR", None)
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = old
