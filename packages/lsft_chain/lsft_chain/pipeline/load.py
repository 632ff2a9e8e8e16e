"""Session sources: LangSmith datasets (API or export file) and OpenAI JSONL, read lazily.

Every source is re-iterable and yields ``LoadedSession`` s one at a time; none holds the dataset in memory.
An example that cannot be read is not dropped: it comes out with ``problems`` set (and an empty session),
so a consumer can report every bad example at once.
"""

from __future__ import annotations

import json

import orjson
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from langchain_core.chat_sessions import ChatSession
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator

from ..errors import ConfigError, DataError, DataValidationError, LSFTError, Problem, SourceNotFoundError
from .examples import example_to_session
from .fastpath import langsmith_record, openai_record
from .jsonstream import ParseError as _ParseError
from .jsonstream import iter_json_array
from ..messages import record_to_session

__all__ = [
    "LANGSMITH_CONFIG_KEY",
    "LoadedSession",
    "SessionSource",
    "LangSmithDatasetSource",
    "LangSmithExportFileSource",
    "OpenAIJsonlSource",
    "example_to_session",
    "source_from_spec",
    "LoadRequest",
    "LoadSessions",
]

class LoadedSession:
    """One example: ``ref`` is its LangSmith id, ``"line N"`` or ``"index N"``.

    Plain examples come with ``record`` (the OpenAI record, built directly by ``fastpath``) and build their
    ``session`` only when asked; others come with ``session``.
    """

    __slots__ = ("ref", "_session", "problems", "record")

    def __init__(self, ref: str, session: ChatSession | None = None, problems: Sequence[Problem] = (),
                 record: dict[str, Any] | None = None) -> None:
        self.ref = ref
        self._session = session
        self.problems = tuple(problems)
        self.record = record

    @property
    def session(self) -> ChatSession:
        if self._session is None:
            self._session = (record_to_session(self.record, where=self.ref) if self.record is not None
                             else ChatSession(messages=[]))
        return self._session

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LoadedSession) and (self.ref, self.session, self.problems) == (
            other.ref, other.session, other.problems)

    def __repr__(self) -> str:
        return f"LoadedSession(ref={self.ref!r}, problems={len(self.problems)})"

    def raise_for_problems(self) -> None:
        if any(p.severity == "error" for p in self.problems):
            raise DataValidationError(list(self.problems), source=f"example {self.ref}")


def _failed(ref: str, problems: Sequence[Problem]) -> LoadedSession:
    return LoadedSession(ref, ChatSession(messages=[]), tuple(problems))


class SessionSource(ABC):
    """A re-iterable, lazy stream of ``LoadedSession``."""

    @property
    @abstractmethod
    def description(self) -> str:
        """Human-readable name, used in error messages."""

    @abstractmethod
    def __iter__(self) -> Iterator[LoadedSession]: ...

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.description}>"


def _example_or_record(obj: Any, ref: str) -> LoadedSession:
    """One element of an export file: a LangSmith example, or an OpenAI record."""
    if not isinstance(obj, Mapping):
        return _failed(ref, [Problem(ref, "example", f"expected a JSON object, got {type(obj).__name__}",
                                     "each element must be {'inputs': ..., 'outputs': ...}.", code="data_type")])
    if "id" in obj and obj["id"] is not None:
        ref = str(obj["id"])
    try:
        if "inputs" in obj:
            if (record := langsmith_record(obj)) is not None:
                return LoadedSession(ref, record=record)
            return LoadedSession(ref, example_to_session(obj.get("inputs"), obj.get("outputs"),
                                                         obj.get("metadata"), ref=ref))
        if "messages" in obj:
            if (record := openai_record(obj)) is not None:
                return LoadedSession(ref, record=record)
            return LoadedSession(ref, record_to_session(obj, where=ref))
    except DataValidationError as exc:
        return _failed(ref, exc.problems)
    return _failed(ref, [Problem(ref, "inputs", f"neither 'inputs' nor 'messages' found (keys: {sorted(obj)})",
                                 "export examples as {'inputs': ..., 'outputs': ...} objects.",
                                 code="missing_messages_list")])


# ---------------------------------------------------------------------------------------------------------
# files


def _first_char(path: Path) -> str:
    with path.open("r", encoding="utf-8") as f:
        while block := f.read(4096):
            stripped = block.lstrip(" \t\r\n\ufeff")
            if stripped:
                return stripped[0]
    return ""


def _check_file(path: str | Path) -> Path:
    p = Path(path).expanduser()
    if not p.is_file():
        raise SourceNotFoundError(f"No such data file: {p}",
                                  hint="check the path; give a LangSmith export (.json) or an OpenAI JSONL file.")
    return p


def _iter_lines(path: Path) -> Iterator[tuple[str, Any]]:
    """(ref, parsed object or _ParseError) per non-blank line."""
    with path.open("r", encoding="utf-8-sig") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield f"line {n}", orjson.loads(line)
            except json.JSONDecodeError as exc:
                yield f"line {n}", _ParseError(f"line {n}", f"malformed JSON at column {exc.colno}: {exc.msg}")


def _bad_json(err: _ParseError) -> LoadedSession:
    return _failed(err.ref, [Problem(err.ref, "json", str(err), "fix the JSON syntax of this example "
                                     "(one complete JSON object per line for JSONL).", code="invalid_json")])


class _FileSource(SessionSource):
    def __init__(self, path: str | Path) -> None:
        self.path = _check_file(path)

    @property
    def description(self) -> str:
        return str(self.path)


class OpenAIJsonlSource(_FileSource):
    """OpenAI chat fine-tuning JSONL, read line by line; refs are ``"line N"``."""

    def __iter__(self) -> Iterator[LoadedSession]:
        for ref, obj in _iter_lines(self.path):
            if isinstance(obj, _ParseError):
                yield _bad_json(obj)
                continue
            if (record := openai_record(obj)) is not None:
                yield LoadedSession(ref, record=record)
                continue
            try:
                yield LoadedSession(ref, record_to_session(obj, where=ref))
            except DataValidationError as exc:
                yield _failed(ref, exc.problems)


class LangSmithExportFileSource(_FileSource):
    """A LangSmith export: a JSON array of examples (parsed incrementally) or JSONL of examples."""

    def __iter__(self) -> Iterator[LoadedSession]:
        if _first_char(self.path) != "[":
            for ref, obj in _iter_lines(self.path):
                yield _bad_json(obj) if isinstance(obj, _ParseError) else _example_or_record(obj, ref)
            return
        with self.path.open("r", encoding="utf-8-sig") as f:
            try:
                for index, obj in enumerate(iter_json_array(f)):
                    yield _example_or_record(obj, f"index {index}")
            except _ParseError as err:
                yield _bad_json(err)


class LangSmithDatasetSource(SessionSource):
    """A dataset on a LangSmith server, paged lazily with ``client.list_examples`` (offset/limit)."""

    def __init__(self, dataset_name: str | None = None, dataset_id: str | None = None, client: Any = None,
                 page_size: int = 100, *, splits: Sequence[str] | None = None, as_of: str | None = None) -> None:
        if (dataset_name is None) == (dataset_id is None):
            raise ConfigError("Give exactly one of dataset_name or dataset_id.",
                              hint="name the LangSmith dataset by its name or by its id, not both.")
        if not 1 <= page_size <= 100:
            raise ConfigError(f"page_size must be 1..100, got {page_size}", hint="LangSmith serves at most 100 "
                              "examples per page; use the default 100.")
        self.dataset_name, self.dataset_id = dataset_name, dataset_id
        self.page_size, self.splits, self.as_of = page_size, splits, as_of
        self._client = client
        self._dataset: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import langsmith

            self._client = langsmith.Client()
        return self._client

    @property
    def description(self) -> str:
        return f"LangSmith dataset {self.dataset_name or self.dataset_id!r}"

    @property
    def dataset(self) -> Any:
        """The ``langsmith.schemas.Dataset``, read once."""
        if self._dataset is None:
            with _translate(self.description):
                self._dataset = self.client.read_dataset(dataset_name=self.dataset_name, dataset_id=self.dataset_id)
        return self._dataset

    def __iter__(self) -> Iterator[LoadedSession]:
        dataset_id, offset = self.dataset.id, 0
        while True:
            with _translate(self.description):
                page = list(self.client.list_examples(dataset_id=dataset_id, offset=offset, limit=self.page_size,
                                                      splits=self.splits, as_of=self.as_of))
            for ex in page:
                ref = str(ex.id)
                try:
                    yield LoadedSession(ref, example_to_session(ex.inputs, ex.outputs, ex.metadata, ref=ref))
                except DataValidationError as exc:
                    yield _failed(ref, exc.problems)
            if len(page) < self.page_size:
                return
            offset += len(page)


class _translate:
    """Turn langsmith SDK errors into lsft errors with a fix."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, et: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None:
            return
        from langsmith import utils as ls_utils

        if isinstance(exc, ls_utils.LangSmithNotFoundError):
            raise SourceNotFoundError(f"{self.what} was not found.",
                                      hint="check the dataset name or id (and LANGSMITH_ENDPOINT / the API key's "
                                           "workspace); list datasets with langsmith.Client().list_datasets().") from exc
        if isinstance(exc, ls_utils.LangSmithAuthError):
            raise ConfigError(f"LangSmith refused the API key while reading {self.what}.",
                              hint="set LANGSMITH_API_KEY to a valid key for that workspace.") from exc
        if isinstance(exc, ls_utils.LangSmithUserError):
            raise ConfigError(f"Cannot read {self.what}: {exc}", hint="a dataset id is a UUID.") from exc
        if isinstance(exc, ls_utils.LangSmithError):
            raise LSFTError(f"LangSmith failed while reading {self.what}: {str(exc)[:300]}",
                            hint="check LANGSMITH_ENDPOINT and the network, then retry.") from exc


def source_from_spec(*, dataset_name: str | None = None, dataset_id: str | None = None,
                     path: str | Path | None = None, client: Any = None) -> SessionSource:
    """Pick a source: a LangSmith dataset by name/id, or a file (format sniffed from its first record)."""
    if sum(x is not None for x in (dataset_name, dataset_id, path)) != 1:
        raise ConfigError("Give exactly one of dataset_name, dataset_id or path.",
                          hint="name one LangSmith dataset, or one local file.")
    if path is None:
        return LangSmithDatasetSource(dataset_name=dataset_name, dataset_id=dataset_id, client=client)
    p = _check_file(path)
    first = _first_char(p)
    if first == "[":
        return LangSmithExportFileSource(p)
    if first == "{":
        for _, obj in _iter_lines(p):
            if isinstance(obj, Mapping) and "inputs" in obj:
                return LangSmithExportFileSource(p)
            break
        return OpenAIJsonlSource(p)
    if first == "":
        return OpenAIJsonlSource(p)
    raise DataError(f"{p} is neither a JSON array nor JSONL (it starts with {first!r}).",
                    hint="give a LangSmith export (.json array of examples) or OpenAI fine-tuning JSONL.")


# ---------------------------------------------------------------------------------------------------------
# the Runnable


LANGSMITH_CONFIG_KEY = "lsft_langsmith"


class LoadRequest(BaseModel):
    """Where to load sessions from: exactly one of a LangSmith dataset name, a dataset id, or a file path."""

    model_config = ConfigDict(extra="forbid")

    dataset_name: str | None = None
    dataset_id: str | None = None
    path: str | None = None
    langsmith_api_url: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> LoadRequest:
        given = [k for k in ("dataset_name", "dataset_id", "path") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of dataset_name, dataset_id or path"
                             + (f" (got {', '.join(given)})" if given else " (got none)"))
        return self


class SessionSourceSchema(RootModel[Any]):
    """A lazy ``SessionSource`` (a Python object; iterate it for ``LoadedSession`` s)."""


class LoadSessions(RunnableSerializable[LoadRequest | dict, SessionSource]):
    """Runnable "load": ``LoadRequest`` (or a dict of its fields) → a lazy ``SessionSource``.

    For a LangSmith dataset the dataset is resolved here (so a wrong name fails now); examples are fetched
    when the source is iterated. The client is ``client`` if given, else built on first use.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str | None = "load"
    client: Any = Field(default=None, exclude=True)
    page_size: int = 100

    @property
    def InputType(self) -> type[LoadRequest]:  # noqa: N802
        return LoadRequest

    @property
    def OutputType(self) -> type[SessionSource]:  # noqa: N802
        return SessionSource

    def get_output_schema(self, config: RunnableConfig | None = None) -> type[BaseModel]:
        return SessionSourceSchema

    def _load(self, request: LoadRequest | Mapping[str, Any], config: RunnableConfig | None = None) -> SessionSource:
        if not isinstance(request, LoadRequest):
            try:
                request = LoadRequest.model_validate(dict(request))
            except ValidationError as exc:
                detail = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
                raise ConfigError(f"Invalid load request: {detail}",
                                  hint="pass exactly one of dataset_name, dataset_id or path.") from None
        if request.path is not None:
            return source_from_spec(path=request.path)
        client = self.client
        if client is None:
            import langsmith

            # A default store set by whoever built the chain (server.py: its own /langsmith), used when the
            # request names none and LANGSMITH_ENDPOINT is not set.
            default = ((config or {}).get("configurable") or {}).get(LANGSMITH_CONFIG_KEY) or {}
            if request.langsmith_api_url:
                client = langsmith.Client(api_url=request.langsmith_api_url)
            elif default.get("api_url"):
                client = langsmith.Client(api_url=default["api_url"], api_key=default.get("api_key"))
            else:
                client = langsmith.Client()
        source = LangSmithDatasetSource(dataset_name=request.dataset_name, dataset_id=request.dataset_id,
                                        client=client, page_size=self.page_size)
        _ = source.dataset
        return source

    def invoke(self, input: LoadRequest | dict, config: RunnableConfig | None = None,
               **kwargs: Any) -> SessionSource:
        return self._call_with_config(self._load, input, config, **kwargs)
