"""The one error tree of lsft_chain.

Every error a user can cause says what was wrong and how to fix it. Foreign errors (openai, langsmith,
torch) are translated where they enter and re-raised ``from`` the original.

    LSFTError                       base; ``.hint`` holds the fix, ``str()`` includes it
    ├── ConfigError                 settings or arguments that cannot work together
    ├── DataError                   the training data: which example, which field, what to do
    │   └── DataValidationError     one or more ``Problem`` s found while converting or validating
    ├── SourceNotFoundError         a dataset, file or job that does not exist
    ├── ProviderError               the fine-tuning endpoint refused or failed a request
    └── FineTuneJobError            the job ended without a model
        ├── FineTuneJobFailed       status ``failed``; carries the job's error code, message, param
        └── FineTuneJobCancelled    status ``cancelled``
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "LSFTError",
    "ConfigError",
    "DataError",
    "DataValidationError",
    "Problem",
    "SourceNotFoundError",
    "ProviderError",
    "FineTuneJobError",
    "FineTuneJobFailed",
    "FineTuneJobCancelled",
]


class LSFTError(Exception):
    """Base class. ``hint`` tells the user what to do about it."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if not hint else f"{message} Fix: {hint}")


class ConfigError(LSFTError):
    """Settings or arguments that cannot work together."""


class DataError(LSFTError):
    """Something in the training data."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one example.

    ``example`` is the example's id where the source has one (a LangSmith example id), else
    ``"line N"`` / ``"index N"``; ``message_index`` and ``field`` point inside it.
    """

    example: str
    field: str
    message: str
    hint: str
    message_index: int | None = None
    severity: str = "error"  # "error" | "warning"
    code: str = "invalid_example"

    def __str__(self) -> str:
        where = f"example {self.example}"
        if self.message_index is not None:
            where += f", messages[{self.message_index}]"
        where += f", field '{self.field}'"
        return f"{where}: {self.message} (fix: {self.hint})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "example": self.example,
            "message_index": self.message_index,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity,
            "code": self.code,
        }


class DataValidationError(DataError):
    """The data has problems that would make the job fail or train on something else than intended."""

    MAX_LISTED = 20

    def __init__(self, problems: list[Problem], *, source: str = "the training data") -> None:
        self.problems = list(problems)
        listed = "\n".join(f"  - {p}" for p in self.problems[: self.MAX_LISTED])
        more = len(self.problems) - self.MAX_LISTED
        if more > 0:
            listed += f"\n  ... and {more} more"
        super().__init__(
            f"{len(self.problems)} problem(s) in {source}:\n{listed}\n",
            hint="correct the examples listed above and run again; nothing was uploaded.",
        )


class SourceNotFoundError(LSFTError):
    """A dataset, file or job that does not exist."""


class ProviderError(LSFTError):
    """The fine-tuning endpoint refused or failed a request."""

    def __init__(self, message: str, *, hint: str | None = None, status_code: int | None = None,
                 code: str | None = None) -> None:
        self.status_code = status_code
        self.code = code
        super().__init__(message, hint=hint)


class FineTuneJobError(LSFTError):
    """The job ended without producing a model."""

    def __init__(self, message: str, *, job_id: str, status: str, hint: str | None = None) -> None:
        self.job_id = job_id
        self.status = status
        super().__init__(message, hint=hint)


class FineTuneJobFailed(FineTuneJobError):
    """The job failed; ``code``, ``error_message`` and ``param`` are the job's own ``error`` object."""

    def __init__(self, *, job_id: str, code: str | None, error_message: str | None,
                 param: str | None = None) -> None:
        self.code = code
        self.error_message = error_message
        self.param = param
        detail = f"[{code}] {error_message}" if code else (error_message or "no error detail given")
        if param:
            detail += f" (param: {param})"
        super().__init__(
            f"Fine-tuning job {job_id} failed: {detail}",
            job_id=job_id,
            status="failed",
            hint="fix what the error names, then start a new job; list the job's events for details.",
        )


class FineTuneJobCancelled(FineTuneJobError):
    """The job was cancelled before it produced a model."""

    def __init__(self, *, job_id: str) -> None:
        super().__init__(
            f"Fine-tuning job {job_id} was cancelled.",
            job_id=job_id,
            status="cancelled",
            hint="start a new job if the cancel was not intended.",
        )
