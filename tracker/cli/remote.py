"""The command line through the running app (issue 23). DuckDB lets one process hold the file, so while the app
holds it a command is sent to the app — `POST /_tracker/cli` on the loopback address (app/cli_route.py) — which
runs the same code (tracker.cli.main) on its own connection and answers with stdout, stderr and the exit code.

The app writes `tracker.cli-secret` beside the database when it opens it: its pid, its port and 32 random bytes,
readable by its owner only. Whoever can read that file may run commands as the command line could with the file
itself; nobody else can."""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import io
import json
import logging
import os
import secrets
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import duckdb

from tracker.migrations import MIGRATIONS

ROUTE = "/_tracker/cli"
HEADER = "X-Tracker-Secret"
# What the app must understand: this protocol and every migration the caller's code knows.
PROTOCOL = 1
SCHEMA = max(v for v, _ in MIGRATIONS)
TIMEOUT_SECONDS = float(
    os.environ.get("TRACKER_CLI_TIMEOUT", "3600")
)  # a backup of a large file takes a while
MAX_BODY = 64 * 1024 * 1024


def secret_path(db_file: str | os.PathLike) -> Path:
    """`tracker.duckdb` → `tracker.cli-secret`."""
    path = Path(db_file)
    return path.with_name(f"{path.stem}.cli-secret")


# ---- the app's side -------------------------------------------------------------------------------------------


def publish(db_file: str | os.PathLike, port: int, base: str) -> str:
    """Write the secret file beside `db_file` (0600, created under a temporary name and renamed over any earlier
    one, so no reader sees half of it) and return the secret; removed again when the app exits."""
    secret = secrets.token_hex(32)
    target = secret_path(db_file)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"pid": os.getpid(), "port": port, "base": base, "secret": secret}, out)
    os.replace(tmp, target)
    atexit.register(_unpublish, target, secret)
    return secret


def _unpublish(target: Path, secret: str) -> None:
    with contextlib.suppress(OSError, ValueError, KeyError):
        if json.loads(target.read_text(encoding="utf-8"))["secret"] == secret:  # not a newer app's file
            target.unlink()


_LOCK = threading.Lock()  # one command at a time: it is the command line, not a page
_here = threading.local()  # the command's streams, in the thread that runs it


class _Routed:
    """sys.stdin/stdout/stderr in the app: the command's own streams in the thread running a command, the
    process's streams everywhere else (Streamlit's threads keep printing to the console)."""

    def __init__(self, name: str, original):
        self._name, self._original = name, original

    def _target(self):
        mine = getattr(_here, self._name, None)
        return self._original if mine is None else mine

    def write(self, text):
        return self._target().write(text)

    def __getattr__(self, name):
        return getattr(self._target(), name)


class _CommandLogs(logging.Filter):
    """The app logs to its console at INFO; a command's own log lines reach that console only at the command
    line's level (WARNING), as they would have from a process of its own. The log file keeps them all."""

    def filter(self, record):
        return not getattr(_here, "stderr", None) or record.levelno >= logging.WARNING


def _route_streams() -> None:
    for name in ("stdin", "stdout", "stderr"):
        if not isinstance(getattr(sys, name), _Routed):
            setattr(sys, name, _Routed(name, getattr(sys, name)))
    for handler in logging.getLogger("tracker").handlers:
        if not isinstance(handler, logging.FileHandler) and not any(
            isinstance(f, _CommandLogs) for f in handler.filters
        ):
            handler.addFilter(_CommandLogs())


def run_here(request: dict, db_file: str | os.PathLike, con: duckdb.DuckDBPyConnection) -> dict:
    """Run one command sent by the command line, in the app, on the app's connection `con` to `db_file`.
    `request`: argv, cwd, db (the file the caller meant) and stdin (base64, or None)."""
    from tracker.cli import main, opening

    if request.get("protocol") != PROTOCOL or int(request.get("schema", 0)) > SCHEMA:
        return {"too_old": True}
    argv = [str(a) for a in request["argv"]]
    stdin = base64.b64decode(request["stdin"]) if request.get("stdin") else b""
    out, err = io.StringIO(), io.StringIO()
    with _LOCK:
        _route_streams()
        _here.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
        _here.stdout, _here.stderr = out, err
        try:
            with opening.serving(db_file, con):
                code = main(argv, served=(Path(request["cwd"]), request.get("db")))
        except SystemExit as exc:  # argparse's own exit (a usage error): its message is on err already
            code = exc.code if isinstance(exc.code, int) else 2
        finally:
            _here.__dict__.clear()
    return {"stdout": out.getvalue(), "stderr": err.getvalue(), "code": code}


PATH_DESTS = ("db", "out", "key", "file", "folder")  # every argument naming a file or folder (tracker.cli)


def resolve(args: argparse.Namespace, cwd: Path, db: str | None) -> None:
    """The caller's relative paths resolved against its own directory, and the database it meant (its --db,
    or the file its TRACKER_DB or default named) made explicit."""
    for dest in PATH_DESTS:
        value = getattr(args, dest, None)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            setattr(args, dest, str(cwd / value))
    if getattr(args, "db", None) is None and db:
        args.db = db


# ---- the command line's side ----------------------------------------------------------------------------------


class Unreachable(Exception):
    """The app holds the file but takes no command: no secret file, no route (an older app, or
    `streamlit run dashboard.py`), or the app answered otherwise than expected. The message says why (log)."""


def endpoint(db_file: str | os.PathLike) -> dict | None:
    """What the app wrote beside `db_file`, or None (no app, or a file this user may not read)."""
    try:
        data = json.loads(secret_path(db_file).read_text(encoding="utf-8"))
        return {"pid": int(data["pid"]), "port": int(data["port"]), "base": str(data.get("base", "")),
                "secret": str(data["secret"])}  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError):
        return None


def forward(argv: list[str], db_file: Path, app: dict, stdin: bytes | None) -> dict:
    """Send the command to the app; its answer {stdout, stderr, code}. Raises Unreachable."""
    body = json.dumps(
        {
            "protocol": PROTOCOL,
            "schema": SCHEMA,
            "argv": argv,
            "cwd": os.getcwd(),
            "db": str(db_file.absolute()),
            "stdin": base64.b64encode(stdin).decode("ascii") if stdin is not None else None,
        }
    ).encode("utf-8")
    request = urllib.request.Request(
        f"http://127.0.0.1:{app['port']}{app['base']}{ROUTE}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", HEADER: app["secret"]},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 — loopback only
            data = json.loads(answer.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise Unreachable(f"HTTP {exc.code}") from None
    except (OSError, ValueError) as exc:
        raise Unreachable(str(exc)) from None
    if data.get("too_old") or not {"stdout", "stderr", "code"} <= data.keys():
        raise Unreachable("the app is older than this command line")
    return data
