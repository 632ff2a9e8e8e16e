"""The composition: load → convert → upload → train → wait, typed end to end; ``bind`` turns the result into a model.

    chain.invoke({"path": "langsmith_chat_dataset.json"})            -> FineTuneSummary
    (chain | bind).invoke({"dataset_name": "Extraction Fine-tuning"}) -> ChatOpenAI for the tuned model
    chain.stream(...)                                                 -> JobUpdate ..., FineTuneSummary
    chain.invoke({"resume_job_id": "ftjob-..."})                       -> waits on an existing job
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import (Runnable, RunnableBranch, RunnableConfig, RunnableLambda,
                                      RunnablePassthrough)
from pydantic import BaseModel, Field, model_validator

from ..errors import ConfigError
from ..providers import Provider
from ._provider import CONFIG_KEY
from .convert import ConvertSessions
from .load import LoadRequest, LoadSessions
from .train import Hyperparameters, TrainRequest, train
from .upload import UploadRequest, upload
from .wait import FineTuneSummary, WaitRequest, wait

load = LoadSessions()
convert = ConvertSessions()


class FineTuneRequest(BaseModel):
    """What /finetune and ``chain`` take. Give one data source, or ``resume_job_id`` to wait on a job."""

    dataset_name: str | None = Field(default=None, description="A LangSmith dataset, by name.")
    dataset_id: str | None = Field(default=None, description="A LangSmith dataset, by id.")
    path: str | None = Field(default=None, description="A LangSmith JSON export or OpenAI fine-tuning JSONL file.")
    validation_path: str | None = Field(default=None, description="Optional validation data file.")
    base_model: str | None = Field(default=None, description="Base model; unset = the provider's default.")
    suffix: str | None = Field(default=None, max_length=64, description="Goes into the tuned model's name.")
    seed: int | None = None
    metadata: dict[str, str] | None = None
    hyperparameters: Hyperparameters = Field(default_factory=Hyperparameters)
    poll_interval_s: float = Field(default=5.0, gt=0)
    wait_timeout_s: float | None = Field(default=None, gt=0, description="Stop waiting (the job goes on) after this.")
    resume_job_id: str | None = Field(default=None, description="Skip to waiting on this existing job.")
    langsmith_api_url: str | None = Field(default=None, description="LangSmith API URL; unset = LANGSMITH_ENDPOINT.")

    @model_validator(mode="after")
    def _one_source(self) -> FineTuneRequest:
        sources = [k for k in ("dataset_name", "dataset_id", "path") if getattr(self, k)]
        if self.resume_job_id is None and len(sources) != 1:
            raise ValueError(
                "give exactly one data source: dataset_name, dataset_id or path"
                + (f" (got {', '.join(sources)})" if sources else "") + "; or resume_job_id to resume a wait")
        return self


def _request(x: Any) -> dict[str, Any]:
    try:
        req = x if isinstance(x, FineTuneRequest) else FineTuneRequest.model_validate(
            x.model_dump() if isinstance(x, BaseModel) else x)
    except ValueError as e:
        raise ConfigError(f"Invalid fine-tuning request: {e}",
                          hint="see FineTuneRequest's fields (the /finetune playground shows them).") from e
    return {"request": req}


def _load_request(req: FineTuneRequest, path: str | None = None) -> LoadRequest:
    if path:
        return LoadRequest(path=path)
    return LoadRequest(dataset_name=req.dataset_name, dataset_id=req.dataset_id, path=req.path,
                       langsmith_api_url=req.langsmith_api_url)


def _prepare_data(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """load → convert → upload for the training data (and the validation data, if any)."""
    req: FineTuneRequest = state["request"]
    out: dict[str, Any] = {}
    for key, path in (("training", None), ("validation", req.validation_path)):
        if key == "validation" and not path:
            continue
        sessions = load.invoke(_load_request(req, path), config)
        report = convert.invoke({"sessions": sessions}, config)
        uploaded = upload.invoke(UploadRequest(path=report.path), config)
        out[key] = {"report": report, "file": uploaded}
    return out


def _train_request(state: dict[str, Any]) -> TrainRequest:
    req: FineTuneRequest = state["request"]
    data = state["data"]
    return TrainRequest(training_file=data["training"]["file"].id,
                        validation_file=data["validation"]["file"].id if "validation" in data else None,
                        model=req.base_model, suffix=req.suffix, seed=req.seed, metadata=req.metadata,
                        hyperparameters=req.hyperparameters)


def _wait_request(state: dict[str, Any]) -> WaitRequest:
    req: FineTuneRequest = state["request"]
    data = state.get("data")
    report = data["training"]["report"].model_dump(mode="json") if data else None
    job_id = state["job"].id if "job" in state else req.resume_job_id
    return WaitRequest(job_id=job_id, poll_interval_s=req.poll_interval_s, timeout_s=req.wait_timeout_s, data=report)


def build_chain(provider: Provider | None = None) -> Runnable:
    """The pipeline; ``provider`` fixes the endpoint (default: resolved from settings at run time)."""
    full = (
        RunnablePassthrough.assign(data=RunnableLambda(_prepare_data, name="prepare_data"))
        | RunnablePassthrough.assign(job=RunnableLambda(_train_request, name="train_request") | train)
        | RunnableLambda(_wait_request, name="wait_request")
        | wait
    )
    resume = RunnableLambda(_wait_request, name="wait_request") | wait
    pipeline = RunnableLambda(_request, name="request") | RunnableBranch(
        (lambda s: s["request"].resume_job_id is not None, resume), full)
    pipeline = pipeline.with_types(input_type=FineTuneRequest, output_type=FineTuneSummary)
    if provider is not None:
        pipeline = pipeline.with_config(configurable={CONFIG_KEY: provider})
    return pipeline.with_config(run_name="lsft_finetune")


chain = build_chain()
