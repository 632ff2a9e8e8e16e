"""Where the shared public data lives: ``shared/data`` beside the repository (see its README)."""

from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
