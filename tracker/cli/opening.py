"""Opening the database from the command line: clear Chinese errors instead of DuckDB's, a short wait when
another command holds the file, read-only opens for commands that only read, and — when the app holds the file —
the command handed to the app (tracker/cli/remote.py)."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from pathlib import Path

import duckdb

from tracker import bootstrap
from tracker.catalogue import catalogue
from tracker.cli import remote
from tracker.cli.errors import DatabaseBusy, DatabaseUnusable
from tracker.config import db_path, pg_url, shown_url
from tracker.engine.catalogue_tables import use_catalogue

# Another command holding the file (four imports started at once) lets go within seconds: wait for it.
# The app holds its file for as long as it runs: the command goes to the app instead.
LOCK_WAIT_SECONDS = float(os.environ.get("TRACKER_LOCK_WAIT", "20"))
_PID = re.compile(r"\(PID (\d+)\)")
_opened: list[duckdb.DuckDBPyConnection] = []  # what this process's command opened
_served = threading.local()  # in the app, while it runs a command sent to it: its file and connection


class HeldByApp(Exception):
    """The app holds the file: tracker.cli.main sends the whole command to it."""

    def __init__(self, target: Path, pid: int | None, write: bool):
        super().__init__(str(target))
        self.target, self.pid, self.write = target, pid, write


@contextlib.contextmanager
def serving(db_file: str | os.PathLike, con: duckdb.DuckDBPyConnection):
    """In the app: for the command it runs meanwhile, open_db on the app's file hands out cursors of the app's
    own connection (no second open, no migration, and no recovery of imports — the app may have one in flight)."""
    _served.target, _served.con, _served.cursors = Path(db_file).absolute(), con, []
    try:
        yield
    finally:
        for cur in _served.cursors:
            with contextlib.suppress(duckdb.Error):
                cur.close()
        _served.__dict__.clear()


def holder(message: str, target: Path | None = None) -> tuple[int | None, bool]:
    """The process DuckDB names as holding the lock, and whether it is the app: the pid the app wrote beside
    the database (tracker/cli/remote.py), or a streamlit command line."""
    match = _PID.search(message)
    if not match:
        return None, False
    pid = int(match.group(1))
    app = remote.endpoint(target) if target is not None else None
    if app is not None and app["pid"] == pid:
        return pid, True
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        cmdline = ""
    return pid, "streamlit" in cmdline


def open_db(path: str | os.PathLike | None = None, *, write: bool = True) -> duckdb.DuckDBPyConnection:
    """The tracker database for a command. `write=False` for commands that only read: the file is opened
    read-only (no migration, nothing written). Raises HeldByApp when the app holds the file. On PostgreSQL every
    command opens beside the running app: the database locks its own rows."""
    url = pg_url(path)
    if url is not None:
        return _open_pg(url, write)
    target = db_path(path)
    served = getattr(_served, "target", None)
    if served is not None and target.absolute() == served:
        cur = _served.con.cursor()
        _served.cursors.append(cur)
        return cur
    if target.is_dir():
        raise DatabaseUnusable(
            f"{target} 是一个目录，不是数据库文件；--db 或 TRACKER_DB 应指向一个 .duckdb 文件"
        )
    read_only = (
        not write and target.exists()
    )  # a file not there yet is made, as before: there is nothing to spoil
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            con = bootstrap.connect(target, read_only=read_only)
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise _unusable(target, exc) from None
            pid, is_app = holder(message, target)
            if is_app:
                raise HeldByApp(target, pid, write) from None
            if time.monotonic() >= deadline:
                raise busy(target, pid, False, write) from None
            time.sleep(0.25)
        except duckdb.ConnectionException as exc:
            if not (read_only and "different configuration" in str(exc)):
                raise _unusable(target, exc) from None
            read_only = (
                False  # this process holds the file for writing already (a test's own connection): share it
            )
        except (duckdb.Error, OSError) as exc:
            raise _unusable(target, exc) from None
        else:
            _opened.append(con)
            if read_only:
                return _readable(con, target)
            if write:  # an import killed midway in an earlier process: settled and audited now
                from tracker.ingest.service import recover_interrupted

                recover_interrupted(con)
            return con


def _open_pg(url: str, write: bool) -> duckdb.DuckDBPyConnection:
    shown = shown_url(url)  # never the password on the console
    try:
        con = bootstrap.connect(url, read_only=not write)
    except duckdb.Error as exc:
        logging.getLogger("tracker.cli").info("cannot open %s: %s", shown, str(exc).splitlines()[0])
        raise DatabaseUnusable(
            f"无法连接 PostgreSQL 数据库 {shown}：请检查地址、数据库是否存在以及访问权限"
        ) from None
    if write:  # an import killed midway in an earlier process: settled and audited now
        from tracker.ingest.service import recover_interrupted

        recover_interrupted(con)
    _opened.append(con)
    return con


def close_opened() -> None:
    """Close what the command opened (tracker.cli.main, at its end): a later open of the same file in this
    process — read-only after writing, or the other way — would otherwise meet DuckDB's refusal of a second
    configuration."""
    while _opened:
        with contextlib.suppress(duckdb.Error):
            _opened.pop().close()


def _readable(con: duckdb.DuckDBPyConnection, target: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection the code can read: its schema as new as the code's, the catalogue on disk in
    temporary tables where the stored one is older (tracker.engine.catalogue_tables.use_catalogue)."""
    try:
        version = con.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0
    except duckdb.Error:
        version = 0
    if version < remote.SCHEMA:
        con.close()
        raise DatabaseUnusable(
            f"数据库 {target} 的结构版本（{version}）早于本程序（{remote.SCHEMA}）；只读命令不升级数据库："
            "请先运行一个写入的命令（如 python -m tracker init）或启动应用，再重试"
        )
    use_catalogue(con, catalogue())
    return con


def busy(target: Path, pid: int | None, is_app: bool, write: bool) -> DatabaseBusy:
    """Why the command cannot run now: another process holds the file, or the app holds it and takes no command
    (an app older than this command line, or one started without its routes: `streamlit run dashboard.py`)."""
    who = f"应用（streamlit，PID {pid}）" if is_app else f"另一个进程（PID {pid}）" if pid else "另一个进程"
    if is_app:
        advice = (
            "该应用不接受命令行的命令（版本较旧，或未经 make run 启动）：请在应用里操作，或先停止应用（在运行 "
            "make run 的终端按 Ctrl+C）再运行本命令；也可以用 --db 指向另一个文件"
        )
    elif write:
        advice = f"已等待 {LOCK_WAIT_SECONDS:.0f} 秒仍未释放；请待它结束后重试"
    else:
        advice = "请待它结束后重试"
    return DatabaseBusy(f"数据库 {target} 正被{who}占用。{advice}")


def _unusable(target: Path, exc: Exception) -> DatabaseUnusable:
    logging.getLogger("tracker.cli").info(
        "cannot open %s: %s", target, str(exc).splitlines()[0] if str(exc) else exc
    )
    why = "不是 DuckDB 数据库文件" if "not a valid" in str(exc) else "无法读写"
    return DatabaseUnusable(f"无法打开数据库 {target}：{why}，不是可用的 tracker 数据库文件")
