"""The LangSmith store's routers, one per resource: meta (``/info``, ``/sessions``), datasets, examples."""
