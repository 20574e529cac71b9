"""`python -m tracker …`: the command line. Each feature module adds its own subcommands.

Every expected failure is a `CliError` (tracker/cli/errors.py): a Chinese message on stderr and its documented
exit code, never a traceback. Anything else is a bug: a short message with an error id, the traceback in the log
(tracker/logs.py). Whatever a command prints passes through `EscapingWriter`, so a file name holding terminal
escapes is shown, not obeyed."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from importlib import import_module
from pathlib import Path

from tracker import db, logs
from tracker.catalogue import CatalogueError
from tracker.cli import remote
from tracker.cli.errors import INTERNAL_ERROR, CliError, DatabaseBusy
from tracker.cli.opening import HeldByApp, busy, close_opened
from tracker.strings.ui import t

# Modules exposing add_commands(subparsers); each subcommand sets `func(args) -> int`.
COMMAND_MODULES = (
    "tracker.cli.core",
    "tracker.cli.ingest",
    "tracker.cli.users",
    "tracker.cli.office",
    "tracker.cli.verify",
    "tracker.cli.backup",
    "tracker.cli.archive",
    "tracker.cli.inspections",
)

log = logging.getLogger("tracker.cli")

# C0 and C1 controls (but newline and tab), DEL, and the bidirectional overrides that reorder what is shown.
_UNSAFE = {c for c in range(0x20) if c not in (0x09, 0x0A)} | set(range(0x7F, 0xA0))
_UNSAFE |= set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
_ESCAPES = {c: f"\\u{c:04x}" for c in _UNSAFE}


def escape_controls(text: str) -> str:
    """`\\x1b[31m` → `\\u001b[31m`: visible, inert, and still valid inside a JSON string."""
    return text.translate(_ESCAPES)


class EscapingWriter:
    """A text stream wrapper that escapes control characters in everything written through it."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape_controls(text))
        return len(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tracker", description="创卫指标达标监测")
    parser.add_argument("--db", help="数据库文件（默认 TRACKER_DB 或 data/tracker.duckdb）")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        import_module(name).add_commands(sub)
    _accept_db_after(sub)
    return parser


def _accept_db_after(sub) -> None:
    """`--db` also after the (sub)subcommand: `python -m tracker user list --db x.duckdb`."""
    for command in sub.choices.values():
        nested = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
        if nested:
            _accept_db_after(nested[0])
        else:
            command.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def main(argv: list[str] | None = None, served: tuple[Path, str | None] | None = None) -> int:
    """Run a command; `served` = (the caller's cwd, the database it meant) when the app runs it for a command
    line process (tracker/cli/remote.py)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = EscapingWriter(out), EscapingWriter(err)
    try:
        args = build_parser().parse_args(argv)
        if served:
            remote.resolve(args, *served)
        else:
            logs.setup(getattr(args, "db", None))
        try:
            return _run(args)
        except HeldByApp as held:
            if served:  # another app's file: not this app's to run
                return _refused(busy(held.target, held.pid, True, held.write))
            return _through_app(sys.argv[1:] if argv is None else list(argv), args, held)
    finally:
        close_opened()
        sys.stdout, sys.stderr = out, err


def _through_app(argv: list[str], args, held: HeldByApp) -> int:
    """The app holds the file: the command runs there, its output and exit code are this process's."""
    app = remote.endpoint(held.target)
    if app is not None and app["pid"] == held.pid:
        ask = getattr(args, "stdin", None)  # a command that reads stdin (a password) reads it here
        stdin, extra = ask(args) if ask else (None, [])
        try:
            answer = remote.forward([*argv, *extra], held.target, app, stdin)
        except remote.Unreachable as exc:
            log.info("the app (PID %s) took no command: %s", held.pid, exc)
        except KeyboardInterrupt:  # the app finishes what it started; this process stops waiting
            print("已中断", file=sys.stderr)
            return 130
        else:
            print(f"经由正在运行的应用（PID {held.pid}）执行", file=sys.stderr)
            sys.stdout.write(answer["stdout"])
            sys.stderr.write(answer["stderr"])
            return int(answer["code"])
    return _refused(busy(held.target, held.pid, True, held.write))


def _refused(exc: CliError) -> int:
    print(f"错误：{exc}", file=sys.stderr)
    return exc.exit_code


def _run(args) -> int:
    name = " ".join(
        str(getattr(args, key))
        for key in ("command", "user_command", "audit_command", "findings_command")
        if getattr(args, key, None)
    )
    started = time.perf_counter()
    code = INTERNAL_ERROR
    try:
        code = args.func(args)
        return code
    except CatalogueError as exc:
        print(exc, file=sys.stderr)
        code = 2
        return code
    except CliError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        code = exc.exit_code
        return code
    except db.Unavailable as exc:
        # PostgreSQL went away after the open (a restart): to try again, not a bug to trace
        log.warning("command %s: the database cannot be reached: %s", name, exc)
        print(f"错误：{t('db_unreachable_command')}", file=sys.stderr)
        code = DatabaseBusy.exit_code
        return code
    except HeldByApp:  # main sends it to the app, whose own log says how it ended
        code = "sent to the app"
        raise
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        code = 130
        return code
    except Exception as exc:  # a bug: a short message here, the details in the log
        if isinstance(exc, OSError) and exc.filename is not None:  # reading or writing a file: expected
            print(f"错误：无法读写 {exc.filename}：{exc.strerror}", file=sys.stderr)
            code = 2
            return code
        error_id = logs.unexpected(log, f"command {name}")
        where = logs.log_file()
        print(
            f"内部错误（错误编号 {error_id}）。" + (f"详情已写入日志 {where}" if where else "详情见上方日志"),
            file=sys.stderr,
        )
        return code
    finally:
        log.info(
            "actor=cli action=%s outcome=exit %s duration=%.3fs", name, code, time.perf_counter() - started
        )
