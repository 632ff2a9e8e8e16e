"""lsft_chain: a LangSmith chat dataset in, a fine-tuned chat model that LangChain can call out.

    from lsft_chain import chain, bind
    summary = chain.invoke({"path": "langsmith_chat_dataset.json", "suffix": "triples"})
    model = bind.invoke(summary)            # ChatOpenAI on the same provider
    model.invoke("Ms. Waleson is a free-lance writer based in New York.")

The stages are Runnables of their own: ``load``, ``convert``, ``upload``, ``train``, ``wait``, ``bind``.
The endpoint is OpenAI, Azure OpenAI (v1) or the embedded service (the default without keys): see
``providers``. Nothing here imports torch; the embedded service does, when it runs.
"""

from .errors import (ConfigError, DataError, DataValidationError, FineTuneJobCancelled, FineTuneJobError,
                     FineTuneJobFailed, LSFTError, Problem, ProviderError, SourceNotFoundError)
from .pipeline.bind import bind, bind_model
from .pipeline.chain import FineTuneRequest, build_chain, chain, convert, load
from .pipeline.train import Hyperparameters, TrainRequest, train
from .pipeline.upload import upload
from .pipeline.wait import FineTuneSummary, JobUpdate, WaitRequest, wait
from .providers import Provider, resolve_provider
from .settings import Settings

__all__ = [
    "chain", "build_chain", "bind", "bind_model", "load", "convert", "upload", "train", "wait",
    "FineTuneRequest", "FineTuneSummary", "JobUpdate", "WaitRequest", "TrainRequest", "Hyperparameters",
    "Provider", "resolve_provider", "Settings",
    "LSFTError", "ConfigError", "DataError", "DataValidationError", "Problem", "SourceNotFoundError",
    "ProviderError", "FineTuneJobError", "FineTuneJobFailed", "FineTuneJobCancelled",
]
