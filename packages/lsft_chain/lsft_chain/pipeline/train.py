"""train: start a supervised fine-tuning job (``fine_tuning.jobs.create``)."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.runnables import RunnableConfig, RunnableLambda
from pydantic import BaseModel, Field

from ._provider import call, dump, provider_from


class Hyperparameters(BaseModel):
    n_epochs: Literal["auto"] | int = Field(default="auto", description="Passes over the data; 'auto' = OpenAI's rule.")
    batch_size: Literal["auto"] | int = "auto"
    learning_rate_multiplier: Literal["auto"] | float = "auto"


class TrainRequest(BaseModel):
    training_file: str = Field(description="File id from the upload stage.")
    validation_file: str | None = None
    model: str | None = Field(default=None, description="Base model; None = the provider's default.")
    suffix: str | None = Field(default=None, max_length=64)
    seed: int | None = None
    metadata: dict[str, str] | None = None
    hyperparameters: Hyperparameters = Field(default_factory=Hyperparameters)


class Job(BaseModel):
    id: str
    status: str
    model: str
    training_file: str
    validation_file: str | None = None
    fine_tuned_model: str | None = None


def create_job(request: TrainRequest | dict[str, Any], config: RunnableConfig | None = None) -> Job:
    req = request if isinstance(request, TrainRequest) else TrainRequest.model_validate(dump(request))
    provider = provider_from(config)
    hp = req.hyperparameters.model_dump()
    kwargs: dict[str, Any] = {
        "model": req.model or provider.default_base_model,
        "training_file": req.training_file,
        "method": {"type": "supervised", "supervised": {"hyperparameters": hp}},
    }
    for key in ("validation_file", "suffix", "seed", "metadata"):
        if getattr(req, key) is not None:
            kwargs[key] = getattr(req, key)
    if provider.job_extra_body:
        kwargs["extra_body"] = provider.job_extra_body
    # Creating a job is not idempotent (and a 429 daily limit must not be retried): no SDK retries here.
    client = provider.client.with_options(max_retries=0)
    job = call(provider, "create a fine-tuning job", lambda: client.fine_tuning.jobs.create(**kwargs))
    return Job(id=job.id, status=job.status, model=job.model, training_file=job.training_file,
               validation_file=job.validation_file, fine_tuned_model=job.fine_tuned_model)


train = RunnableLambda(create_job, name="train").with_types(input_type=TrainRequest, output_type=Job)
