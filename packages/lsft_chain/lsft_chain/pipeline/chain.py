"""The composition: load → convert → upload → train → wait, typed end to end; ``bind`` turns the result into a model.

    chain.invoke({"path": "langsmith_chat_dataset.json"})            -> FineTuneSummary
    (chain | bind).invoke({"dataset_name": "Extraction Fine-tuning"}) -> ChatOpenAI for the tuned model
    chain.stream(...)                                                 -> JobUpdate ..., FineTuneSummary
    chain.invoke({"resume_job_id": "ftjob-..."})                       -> waits on an existing job
    chain.invoke({"path": ..., "dry_run": True})                       -> FineTuneSummary(status="dry_run"):
                                                                          the convert report, nothing uploaded
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import (Runnable, RunnableBranch, RunnableConfig, RunnableLambda,
                                      RunnablePassthrough)
from pydantic import BaseModel, Field, model_validator

from ..errors import ConfigError
from ..validation import MIN_EXAMPLES
from ..providers import Provider
from ._provider import CONFIG_KEY
from .convert import ConvertSessions
from .load import LANGSMITH_CONFIG_KEY, LoadRequest, LoadSessions
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
    dry_run: bool = Field(default=False, description="Stop after converting: the summary's data holds the report "
                          "(problems, tokens, epochs, cost); nothing is uploaded, no job starts.")
    validation_split: float | None = Field(default=None, gt=0, lt=1, description="Hold out about this fraction "
                                           "of the examples as validation data (not with validation_path).")
    split_seed: int = Field(default=0, description="Seed of the validation split: same seed, same split.")
    dedupe: bool = Field(default=True, description="Drop examples identical to an earlier one (listed in the "
                         "report); false keeps them, with a warning each.")

    @model_validator(mode="after")
    def _one_source(self) -> FineTuneRequest:
        sources = [k for k in ("dataset_name", "dataset_id", "path") if getattr(self, k)]
        if self.resume_job_id is None and len(sources) != 1:
            raise ValueError(
                "give exactly one data source: dataset_name, dataset_id or path"
                + (f" (got {', '.join(sources)})" if sources else "") + "; or resume_job_id to resume a wait")
        if self.validation_split is not None and self.validation_path:
            raise ValueError("give validation_path or validation_split, not both")
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
    """load → convert (→ upload unless dry_run) for the training data, and the validation data if any."""
    req: FineTuneRequest = state["request"]
    n_epochs = req.hyperparameters.n_epochs
    options = {"base_model": req.base_model, "dedupe": req.dedupe,
               "n_epochs": n_epochs if isinstance(n_epochs, int) else None}
    seen: set[bytes] = set()
    out: dict[str, Any] = {}
    sessions = load.invoke(_load_request(req), config)
    report = convert.invoke({"sessions": sessions, **options, "validation_split": req.validation_split,
                             "split_seed": req.split_seed, "min_examples": MIN_EXAMPLES, "seen_digests": seen},
                            config)
    out["training"] = {"report": report}
    if report.validation_path:
        out["validation"] = {"report": None, "path": report.validation_path}
    elif req.validation_path:
        sessions = load.invoke(_load_request(req, req.validation_path), config)
        vreport = convert.invoke({"sessions": sessions, **options, "overlap_with": seen}, config)
        out["validation"] = {"report": vreport, "path": vreport.path}
    if not req.dry_run:
        out["training"]["file"] = upload.invoke(UploadRequest(path=report.path), config)
        if "validation" in out:
            out["validation"]["file"] = upload.invoke(UploadRequest(path=out["validation"]["path"]), config)
    return out


def _report(state: dict[str, Any]) -> dict[str, Any] | None:
    """The training report, flat, with the separate validation data's report under "validation"."""
    data = state.get("data")
    if not data:
        return None
    report = data["training"]["report"].model_dump(mode="json")
    vreport = data.get("validation", {}).get("report")
    if vreport is not None:
        report["validation"] = vreport.model_dump(mode="json")
    return report


def _dry_run_summary(state: dict[str, Any]) -> FineTuneSummary:
    req: FineTuneRequest = state["request"]
    return FineTuneSummary(job_id="", status="dry_run", model=req.base_model, data=_report(state))


def _train_request(state: dict[str, Any]) -> TrainRequest:
    req: FineTuneRequest = state["request"]
    data = state["data"]
    return TrainRequest(training_file=data["training"]["file"].id,
                        validation_file=data["validation"]["file"].id if "validation" in data else None,
                        model=req.base_model, suffix=req.suffix, seed=req.seed, metadata=req.metadata,
                        hyperparameters=req.hyperparameters)


def _wait_request(state: dict[str, Any]) -> WaitRequest:
    req: FineTuneRequest = state["request"]
    report = _report(state)
    job_id = state["job"].id if "job" in state else req.resume_job_id
    return WaitRequest(job_id=job_id, poll_interval_s=req.poll_interval_s, timeout_s=req.wait_timeout_s, data=report)


def build_chain(provider: Provider | None = None, *, langsmith: dict[str, str | None] | None = None) -> Runnable:
    """The pipeline. ``provider`` fixes the fine-tuning endpoint (default: resolved from settings at run time);
    ``langsmith`` (``{"api_url", "api_key"}``) is the LangSmith store used when a request names none."""
    to_job = (
        RunnablePassthrough.assign(job=RunnableLambda(_train_request, name="train_request") | train)
        | RunnableLambda(_wait_request, name="wait_request")
        | wait
    )
    full = RunnablePassthrough.assign(data=RunnableLambda(_prepare_data, name="prepare_data")) | RunnableBranch(
        (lambda s: s["request"].dry_run, RunnableLambda(_dry_run_summary, name="dry_run")), to_job)
    resume = RunnableLambda(_wait_request, name="wait_request") | wait
    pipeline = RunnableLambda(_request, name="request") | RunnableBranch(
        (lambda s: s["request"].resume_job_id is not None, resume), full)
    pipeline = pipeline.with_types(input_type=FineTuneRequest, output_type=FineTuneSummary)
    configurable: dict[str, Any] = {}
    if provider is not None:
        configurable[CONFIG_KEY] = provider
    if langsmith is not None:
        configurable[LANGSMITH_CONFIG_KEY] = langsmith
    if configurable:
        pipeline = pipeline.with_config(configurable=configurable)
    return pipeline.with_config(run_name="lsft_finetune")


chain = build_chain()
