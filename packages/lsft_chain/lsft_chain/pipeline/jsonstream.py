"""Incremental JSON: the elements of a (huge) JSON array, one at a time."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

_CHUNK = 1 << 16
_WS = re.compile(r"[ \t\n\r]*")


class ParseError(Exception):
    def __init__(self, ref: str, message: str) -> None:
        super().__init__(message)
        self.ref = ref


def iter_json_array(f: IO[str], *, chunk: int = _CHUNK) -> Iterator[Any]:
    """Yield the elements of the JSON array in ``f`` one at a time, holding about one element in memory."""
    dec = json.JSONDecoder()
    buf, pos, eof, consumed, index = "", 0, False, 0, 0

    def fill(n: int) -> None:
        nonlocal buf, pos, eof, consumed
        data = f.read(n)
        eof = not data
        consumed += pos
        buf, pos = buf[pos:] + data, 0

    def skip_ws() -> str:
        nonlocal pos
        while True:
            pos = _WS.match(buf, pos).end()  # type: ignore[union-attr]
            if pos < len(buf) or eof:
                return buf[pos] if pos < len(buf) else ""
            fill(chunk)

    if skip_ws() != "[":
        raise ParseError("index 0", f"expected a JSON array, found {buf[pos:pos + 20]!r}")
    pos += 1
    if skip_ws() == "]":
        return
    while True:
        size = chunk
        while True:
            try:
                obj, end = dec.raw_decode(buf, pos)
                if end < len(buf) or eof:
                    break
            except json.JSONDecodeError as exc:
                if eof:
                    raise ParseError(f"index {index}", f"malformed JSON at character {consumed + exc.pos}: "
                                      f"{exc.msg}") from None
            fill(size)
            size *= 2
        pos = end
        yield obj
        index += 1
        sep = skip_ws()
        if sep == "]":
            return
        if sep != ",":
            raise ParseError(f"index {index}", f"expected ',' or ']' at character {consumed + pos}, found "
                              f"{sep or 'end of file'!r}")
        pos += 1
        skip_ws()
