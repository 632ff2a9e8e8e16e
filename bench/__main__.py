"""Run every benchmark: `python -m bench` (or `make bench`)."""

from . import data_path, training

if __name__ == "__main__":
    data_path.main([])
    training.main([])
