"""upload: send a JSONL file to the provider's Files API (``purpose="fine-tune"``), streamed from disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig, RunnableLambda
from pydantic import BaseModel, Field

from ..errors import SourceNotFoundError
from ._provider import call, dump, provider_from

MAX_FILE_BYTES = 512 * 1024 * 1024


class UploadRequest(BaseModel):
    path: str = Field(description="The JSONL file to upload (the convert stage's report has it).")
    purpose: str = "fine-tune"


class UploadedFile(BaseModel):
    id: str
    bytes: int
    filename: str
    purpose: str


def upload_file(request: UploadRequest | dict[str, Any], config: RunnableConfig | None = None) -> UploadedFile:
    req = request if isinstance(request, UploadRequest) else UploadRequest.model_validate(
        request if isinstance(request, dict) else dump(request))
    path = Path(req.path)
    if not path.is_file():
        raise SourceNotFoundError(f"No file to upload at {path}.", hint="run the convert stage first, or fix the path.")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SourceNotFoundError(f"{path} is {size / 2**20:.0f} MB; the Files API takes at most 512 MB.",
                                  hint="split the data, or use fewer examples.")
    provider = provider_from(config)
    with path.open("rb") as f:
        obj = call(provider, f"upload {path.name}",
                   lambda: provider.client.files.create(file=(path.name, f), purpose=req.purpose))
    return UploadedFile(id=obj.id, bytes=obj.bytes, filename=obj.filename, purpose=obj.purpose)


upload = RunnableLambda(upload_file, name="upload").with_types(input_type=UploadRequest, output_type=UploadedFile)
