"""``/files``: create (multipart, streamed to disk), list, retrieve, delete, content."""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from ..deps import get_store
from ..schemas import OpenAIError, file_public, not_found, page
from ..store import Store, new_id

router = APIRouter(prefix="/files", tags=["files"])

PURPOSES = {"fine-tune", "fine-tune-results", "assistants", "batch", "vision", "user_data", "evals"}
MAX_FILE_BYTES = 512 * 1024 * 1024  # OpenAI's Files API limit
CHUNK = 1024 * 1024


def _copy_upload(src, dest: str) -> int:
    n = 0
    with open(dest, "wb") as out:
        while chunk := src.read(CHUNK):
            n += len(chunk)
            if n > MAX_FILE_BYTES:
                raise OpenAIError(413, "File is larger than 512 MB.", param="file", code="file_too_large")
            out.write(chunk)
    return n


@router.post("")
async def create_file(file: Annotated[UploadFile, File()], purpose: Annotated[str, Form()],
                      store: Store = Depends(get_store)) -> dict:
    if purpose not in PURPOSES:
        raise OpenAIError(400, f"Invalid purpose '{purpose}'. Use one of: {', '.join(sorted(PURPOSES))}.",
                          param="purpose", code="invalid_purpose")
    file_id = new_id("file")
    dest = store.files_dir / file_id
    try:
        nbytes = await run_in_threadpool(_copy_upload, file.file, str(dest))
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    f = store.add_file(file_id=file_id, filename=os.path.basename(file.filename or "upload.jsonl"),
                       purpose=purpose, nbytes=nbytes, path=dest)
    return file_public(f)


@router.get("")
def list_files(store: Store = Depends(get_store), purpose: str | None = None,
               limit: Annotated[int, Query(ge=1, le=10000)] = 10000, after: str | None = None,
               order: str = "desc") -> dict:
    rows = store.list_files(purpose=purpose, limit=limit + 1, after=after, order=order)
    return page([file_public(f) for f in rows[:limit]], has_more=len(rows) > limit)


def _file_or_404(store: Store, file_id: str) -> dict:
    f = store.get_file(file_id)
    if f is None:
        raise not_found("file", file_id, param="file_id")
    return f


@router.get("/{file_id}")
def retrieve_file(file_id: str, store: Store = Depends(get_store)) -> dict:
    return file_public(_file_or_404(store, file_id))


@router.delete("/{file_id}")
def delete_file(file_id: str, store: Store = Depends(get_store)) -> dict:
    _file_or_404(store, file_id)
    store.delete_file(file_id)
    return {"id": file_id, "object": "file", "deleted": True}


@router.get("/{file_id}/content")
def file_content(file_id: str, store: Store = Depends(get_store)) -> FileResponse:
    f = _file_or_404(store, file_id)
    return FileResponse(f["path"], media_type="application/octet-stream", filename=f["filename"])
