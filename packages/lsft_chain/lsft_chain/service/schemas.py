"""OpenAI wire shapes: request bodies we accept and the public objects we return.

Shapes follow OpenAI's published OpenAPI spec (files, fine_tuning.job, fine_tuning.job.event,
fine_tuning.job.checkpoint, model, chat.completion[.chunk]) so the unmodified SDKs parse them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ORGANIZATION_ID = "org-lsft"


class OpenAIError(Exception):
    """Raised by routes; rendered as ``{"error": {message, type, param, code}}``."""

    def __init__(self, status_code: int, message: str, *, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status_code, self.message, self.type, self.param, self.code = status_code, message, type, param, code

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def not_found(kind: str, id_: str, param: str | None = None) -> OpenAIError:
    return OpenAIError(404, f"No such {kind}: '{id_}'.", param=param, code=f"{kind}_not_found".replace(" ", "_"))


# -- requests ----------------------------------------------------------------------------------------
Auto = Literal["auto"]


class Hyperparameters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n_epochs: Auto | int = Field(default="auto", description="1 to 50, or 'auto' (OpenAI's rule).")
    batch_size: Auto | int = Field(default="auto", description="1 to 256, or 'auto'.")
    learning_rate_multiplier: Auto | float = Field(default="auto", description="> 0 and <= 10, or 'auto'.")


class SupervisedMethod(BaseModel):
    hyperparameters: Hyperparameters = Field(default_factory=Hyperparameters)


class Method(BaseModel):
    type: Literal["supervised", "dpo", "reinforcement"] = "supervised"
    supervised: SupervisedMethod | None = None
    dpo: dict[str, Any] | None = None
    reinforcement: dict[str, Any] | None = None


class JobCreate(BaseModel):
    model: str
    training_file: str
    validation_file: str | None = None
    hyperparameters: Hyperparameters | None = None
    method: Method | None = None
    suffix: str | None = Field(default=None, max_length=64)
    seed: int | None = None
    metadata: dict[str, str] | None = None
    integrations: list[dict[str, Any]] | None = None


# -- public objects ----------------------------------------------------------------------------------
def file_public(f: dict[str, Any]) -> dict[str, Any]:
    return {"id": f["id"], "object": "file", "bytes": f["bytes"], "created_at": f["created_at"],
            "filename": f["filename"], "purpose": f["purpose"], "status": f["status"],
            "status_details": None, "expires_at": None}


def job_public(j: dict[str, Any]) -> dict[str, Any]:
    hp = j["hyperparameters"]
    return {
        "id": j["id"], "object": "fine_tuning.job", "created_at": j["created_at"], "error": j["error"],
        "fine_tuned_model": j["fine_tuned_model"], "finished_at": j["finished_at"], "hyperparameters": hp,
        "model": j["model"], "organization_id": ORGANIZATION_ID, "result_files": j["result_files"],
        "seed": j["seed"], "status": j["status"], "trained_tokens": j["trained_tokens"],
        "training_file": j["training_file"], "validation_file": j["validation_file"],
        "estimated_finish": j["estimated_finish"], "integrations": [], "metadata": j["metadata"],
        "method": j["method"], "user_provided_suffix": j["suffix"],
    }


def event_public(e: dict[str, Any]) -> dict[str, Any]:
    return {"id": e["id"], "object": "fine_tuning.job.event", "created_at": e["created_at"], "level": e["level"],
            "message": e["message"], "type": e["type"], "data": e["data"]}


def checkpoint_public(c: dict[str, Any]) -> dict[str, Any]:
    return {"id": c["id"], "object": "fine_tuning.job.checkpoint", "created_at": c["created_at"],
            "fine_tuned_model_checkpoint": c["model"], "fine_tuning_job_id": c["job_id"],
            "metrics": c["metrics"], "step_number": c["step"]}


def model_public(id_: str, created: int, owned_by: str) -> dict[str, Any]:
    return {"id": id_, "object": "model", "created": created, "owned_by": owned_by}


def page(data: list[dict[str, Any]], *, has_more: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"object": "list", "data": data, "has_more": has_more}
    if data:
        out["first_id"], out["last_id"] = data[0]["id"], data[-1]["id"]
    return out
