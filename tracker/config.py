"""Where things live: the database path and the office's settings."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
INDICATORS = ROOT / "indicators"
DEFAULT_DB = ROOT / "data" / "tracker.duckdb"  # the real database: never holds demo rows
DEMO_DB = ROOT / "data" / "demo.duckdb"  # the demo campaign, in a file of its own (`make run`)


def demo_mode() -> bool:
    """TRACKER_DEMO=1 (set by `make run`): the app shows the demo campaign, loaded into an empty demo file."""
    return os.environ.get("TRACKER_DEMO") == "1"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """`--db` wins, then TRACKER_DB, then data/demo.duckdb in demo mode, else data/tracker.duckdb."""
    return Path(explicit or os.environ.get("TRACKER_DB") or (DEMO_DB if demo_mode() else DEFAULT_DB))


def pg_url(explicit: str | os.PathLike | None = None) -> str | None:
    """The PostgreSQL URL that `--db` or TRACKER_DB names (postgresql://… or postgres://…); None for a file."""
    value = str(explicit or os.environ.get("TRACKER_DB") or "")
    return value if value.startswith(("postgresql://", "postgres://")) else None


def shown_url(url: str) -> str:
    """A database URL for a message or a log line: never its password."""
    return re.sub(r"//[^@/]*@", "//…@", url)


def is_real_default(path: str | os.PathLike) -> bool:
    """Whether `path` is the real database's default file (data/tracker.duckdb), where the demo never goes."""
    try:
        return Path(path).resolve() == Path(DEFAULT_DB).resolve()
    except OSError:
        return False


def load_yaml(stream) -> object:
    """A YAML file's data, parsed by libyaml when the wheel has it: the same data as yaml.safe_load (checked for
    every file of indicators/ and tracker/strings/words/) in a tenth of the time — the catalogue is read at every
    start of every process."""
    return yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=1)
def settings() -> dict:
    """The office's settings (indicators/settings.yaml): deadlines, warning limits."""
    with open(INDICATORS / "settings.yaml", encoding="utf-8") as f:
        return load_yaml(f)
