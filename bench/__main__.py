"""Run every benchmark: `python -m bench` (or `make bench`)."""

from . import training

if __name__ == "__main__":
    training.main()
