"""Where things live: the database path and the office's settings."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
INDICATORS = ROOT / "indicators"
DEFAULT_DB = ROOT / "data" / "tracker.duckdb"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """`--db` wins, then TRACKER_DB, then data/tracker.duckdb."""
    return Path(explicit or os.environ.get("TRACKER_DB") or DEFAULT_DB)


@lru_cache(maxsize=1)
def settings() -> dict:
    """The office's settings (indicators/settings.yaml): deadlines, warning limits."""
    with open(INDICATORS / "settings.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)
