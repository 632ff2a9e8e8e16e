"""bind: a LangChain chat model (``ChatOpenAI``) for the tuned model, on the provider that trained it."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from langchain_core.runnables.config import ensure_config

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


class BindModel(RunnableSerializable[FineTuneSummary | dict | str, BaseChatModel]):
    """A Runnable whose output is a chat model. (A RunnableLambda cannot be used: LCEL invokes any Runnable
    a lambda returns, so the model would be called with the summary as its prompt.)"""

    name: str | None = "bind"

    @property
    def InputType(self) -> type:  # noqa: N802 - LangChain's name
        return FineTuneSummary

    @property
    def OutputType(self) -> type:  # noqa: N802
        return BaseChatModel

    def invoke(self, input: FineTuneSummary | dict | str, config: RunnableConfig | None = None,
               **kwargs: Any) -> BaseChatModel:
        config = ensure_config(config)
        return self._call_with_config(bind_model, input, config, run_type="parser")


bind = BindModel()
