"""An embedded, LangSmith-compatible dataset store: the unmodified ``langsmith`` SDK (and the tutorial's
``LangSmithDatasetChatLoader``) run against it offline.

    from lsft_chain.langsmith_store import create_langsmith_app   # server.py mounts it at /langsmith
    langsmith.Client(api_url="http://127.0.0.1:8000/langsmith", api_key="any")
"""

from .app import create_langsmith_app, default_info, start_langsmith_store
from .seed import EXAMPLE_DATASET_NAME, example_dataset_records

__all__ = ["create_langsmith_app", "default_info", "start_langsmith_store", "EXAMPLE_DATASET_NAME",
           "example_dataset_records"]
