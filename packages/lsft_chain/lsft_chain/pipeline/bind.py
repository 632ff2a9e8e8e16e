"""bind: a LangChain chat model (``ChatOpenAI``) for the tuned model, on the provider that trained it."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig, RunnableLambda

from ..errors import LSFTError
from ._provider import dump, provider_from
from .wait import FineTuneSummary


def bind_model(summary: FineTuneSummary | dict[str, Any] | str, config: RunnableConfig | None = None) -> BaseChatModel:
    """``summary`` is the wait stage's output (or a model id)."""
    provider = provider_from(config)
    if isinstance(summary, str):
        return provider.chat_model(summary)
    s = summary if isinstance(summary, FineTuneSummary) else FineTuneSummary.model_validate(dump(summary))
    if s.status != "succeeded" or not s.fine_tuned_model:
        hint = (f"wait for it: wait.invoke({{'job_id': '{s.job_id}'}}), then bind the result."
                if s.status not in {"failed", "cancelled"} else "start a new job.")
        raise LSFTError(f"Job {s.job_id} has no fine-tuned model yet (status: {s.status}).", hint=hint)
    return provider.chat_model(s.fine_tuned_model)


bind = RunnableLambda(bind_model, name="bind").with_types(input_type=FineTuneSummary)
