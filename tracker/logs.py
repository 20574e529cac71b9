"""Logging with the standard library at the service boundaries: who (actor), what (action), how it ended
(outcome) and how long it took — never a password, never a file's contents. To stderr and to a rotating file
beside the database (`data/logs/tracker.log` for the files under data/)."""

from __future__ import annotations

import contextlib
import functools
import logging
import logging.handlers
import os
import sys
import time
import unicodedata
import uuid
from pathlib import Path

from tracker.config import DEFAULT_DB, db_path, pg_url

LOGGER = "tracker"
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5
_configured: dict[str, Path | None] = {}


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the moment (the command line wraps it; tests capture it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def escape(text: str) -> str:
    """Every control and format character as `\\uXXXX`: a newline, ESC, a backspace, U+2028, a bidi override
    or a zero-width character in a name that reaches a log (a file name, a name typed on the sign-in form)
    is shown, never obeyed, and cannot start a line of its own."""
    if text.isprintable():  # the common case, checked in C
        return text
    return "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) in _UNSAFE_CATEGORIES else ch for ch in text
    )


# Controls, format characters, line and paragraph separators, surrogates and unassigned code points.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


class _Escaping(logging.Formatter):
    """The one place every record is made safe: the message escaped whole (escape); a traceback keeps its
    lines, each escaped and indented, so no text inside it can pass for a record (records start with a date)."""

    def format(self, record: logging.LogRecord) -> str:
        record.exc_text = None  # never a traceback another formatter cached unescaped
        return super().format(record)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:
        return _indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _indented(super().formatStack(stack_info))


def _indented(text: str) -> str:
    return "\n".join("  " + escape(line) for line in text.split("\n"))


class _OneLine(_Escaping):
    """For the console: the message without the traceback (that goes to the file)."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        record.exc_info = record.exc_text = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text = saved


def log_dir(database: str | os.PathLike | None = None) -> Path:
    """TRACKER_LOG_DIR, else `logs/` beside the database (data/logs for data/tracker.duckdb, and for a
    PostgreSQL database)."""
    explicit = os.environ.get("TRACKER_LOG_DIR")
    if explicit:
        return Path(explicit)
    if pg_url(database) is not None:
        return DEFAULT_DB.parent / "logs"
    return db_path(database).resolve().parent / "logs"


def setup(database: str | os.PathLike | None = None, stderr_level: int | str | None = None) -> Path | None:
    """Configure the `tracker` logger once per process: stderr (TRACKER_LOG_LEVEL, default WARNING for the
    command line, INFO in the app) and a rotating file at INFO. Returns the log file, or None when it cannot
    be written (then stderr alone)."""
    level = os.environ.get("TRACKER_LOG_LEVEL") or stderr_level or logging.WARNING
    if "file" in _configured:
        # Once per process; a later caller (a command run inside a test process that served pages) still
        # decides what reaches stderr.
        _configured["console"].setLevel(level)
        return _configured["file"]
    logger = logging.getLogger(LOGGER)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    console = _Stderr()
    console.setLevel(level)
    _configured["console"] = console
    console.setFormatter(_OneLine(FORMAT))
    logger.addHandler(console)
    path: Path | None = None
    with contextlib.suppress(OSError):
        folder = log_dir(database)
        folder.mkdir(parents=True, exist_ok=True)
        # TRACKER_LOG_NAME: one file per worker (deploy/), a rotating file being one process's.
        path = folder / os.environ.get("TRACKER_LOG_NAME", "tracker.log")
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
        handler.setLevel(logging.INFO)
        handler.setFormatter(_Escaping(FORMAT))
        logger.addHandler(handler)
    _configured["file"] = path
    return path


def log_file() -> Path | None:
    return _configured.get("file")


@contextlib.contextmanager
def action(actor: str, name: str, target: str | None = None, logger: str = "tracker.service"):
    """Log one service call: `actor=… action=… target=… outcome=ok|error duration=…s`. The caller may set
    `outcome` on the yielded dict (e.g. 'refused', 'exit 2')."""
    state = {"outcome": "ok"}
    started = time.perf_counter()
    try:
        yield state
    except BaseException as exc:
        state["outcome"] = f"error {type(exc).__name__}"
        raise
    finally:
        logging.getLogger(logger).info(
            "actor=%s action=%s target=%s outcome=%s duration=%.3fs",
            actor,
            name,
            target or "-",
            state["outcome"],
            time.perf_counter() - started,
        )


def unexpected(logger: logging.Logger, where: str) -> str:
    """Log the exception being handled with a short id, and return the id: the person sees the id, the log
    holds the traceback under it (the command line and the app alike)."""
    error_id = uuid.uuid4().hex[:8]
    logger.exception("error id %s in %s", error_id, where)
    return error_id


def service(name: str):
    """Log every call of a service function like `action` does: the acting user (the argument named actor,
    else the first Actor among the arguments, else system), the action, the outcome and the duration."""

    def wrap(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            actor = kwargs.get("actor") or next(
                (a for a in args if hasattr(a, "role") and hasattr(a, "name")), None
            )
            with action(getattr(actor, "name", "system"), name):
                return fn(*args, **kwargs)

        return run

    return wrap
