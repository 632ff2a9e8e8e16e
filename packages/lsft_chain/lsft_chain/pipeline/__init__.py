"""LCEL steps of the pipeline: load, convert."""
