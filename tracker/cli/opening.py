"""Opening the database from the command line: clear Chinese errors instead of DuckDB's, a short wait when
another command holds the file, and the app's snapshot for commands that only read while the app runs."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from tracker import bootstrap, snapshot
from tracker.access import keys
from tracker.cli.errors import DatabaseBusy, DatabaseUnusable
from tracker.config import db_path, pg_url

# Another command holding the file (four imports started at once) lets go within seconds: wait for it.
# The app holds its file for as long as it runs, so there is no point waiting for the app.
LOCK_WAIT_SECONDS = float(os.environ.get("TRACKER_LOCK_WAIT", "20"))
_PID = re.compile(r"\(PID (\d+)\)")
_SNAPSHOTS: list[duckdb.DuckDBPyConnection] = []  # connections opened on a copy of the app's snapshot


def opened_snapshot(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `con` reads the app's snapshot rather than the database file itself."""
    return any(con is c for c in _SNAPSHOTS)


def holder(message: str, target: Path | None = None) -> tuple[int | None, bool]:
    """The process DuckDB names as holding the lock, and whether it is the app: the pid the app wrote beside
    the database (tracker/snapshot.py), or a streamlit command line."""
    match = _PID.search(message)
    if not match:
        return None, False
    pid = int(match.group(1))
    if target is not None and snapshot.app_pid(target) == pid:
        return pid, True
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        cmdline = ""
    return pid, "streamlit" in cmdline


def open_db(path: str | os.PathLike | None = None, *, write: bool = True) -> duckdb.DuckDBPyConnection:
    """The tracker database for a command. `write=False` for commands that only read: while the app holds
    the file they read the app's latest snapshot instead (saying so on stderr). On PostgreSQL every command
    opens beside the running app: the database locks its own rows."""
    url = pg_url(path)
    if url is not None:
        return _open_pg(url, write)
    target = db_path(path)
    if target.is_dir():
        raise DatabaseUnusable(
            f"{target} 是一个目录，不是数据库文件；--db 或 TRACKER_DB 应指向一个 .duckdb 文件"
        )
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            con = bootstrap.connect(target)
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise _unusable(target, exc) from None
            pid, is_app = holder(message, target)
            if not write and is_app:
                return _from_snapshot(target, pid)
            if is_app or time.monotonic() >= deadline:
                raise _busy(target, pid, is_app, write) from None
            time.sleep(0.25)
        except (duckdb.Error, OSError) as exc:
            raise _unusable(target, exc) from None
        else:
            if write:  # an import killed midway in an earlier process: settled and audited now
                from tracker.ingest.service import recover_interrupted

                recover_interrupted(con)
            return con


def _open_pg(url: str, write: bool) -> duckdb.DuckDBPyConnection:
    shown = re.sub(r"//[^@/]*@", "//…@", url)  # never the password on the console
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
    return con


def _busy(target: Path, pid: int | None, is_app: bool, write: bool) -> DatabaseBusy:
    who = f"应用（streamlit，PID {pid}）" if is_app else f"另一个进程（PID {pid}）" if pid else "另一个进程"
    if is_app:
        advice = (
            "本命令要写入数据，不能与应用同时使用同一文件：请在应用里操作，或先停止应用（在运行 make run 的终端按 "
            "Ctrl+C）再运行本命令；也可以用 --db 指向另一个文件"
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


def _from_snapshot(target: Path, pid: int | None) -> duckdb.DuckDBPyConnection:
    snap = snapshot.snapshot_path(target)
    if not snap.exists():
        raise DatabaseBusy(
            f"数据库 {target} 正被应用（streamlit，PID {pid}）占用，且还没有应用写下的快照 {snap.name}；"
            "请稍候几秒再试，或先停止应用"
        )
    # A private copy: commands may create temporary tables, and the app may replace the snapshot meanwhile.
    folder = Path(tempfile.mkdtemp(prefix="tracker-snapshot-"))
    atexit.register(shutil.rmtree, folder, True)
    copy = folder / "snapshot.duckdb"
    shutil.copyfile(snap, copy)
    print(
        f"注意：应用（PID {pid}）正在使用 {target}，以下结果读自应用 {snapshot.taken_at(snap)} 写下的快照",
        file=sys.stderr,
    )
    keys.alias(copy, target)  # the copy's audit head is checked with the app's key
    with contextlib.suppress(duckdb.Error):
        con = bootstrap.connect(copy)
        _SNAPSHOTS.append(con)
        return con
    raise DatabaseUnusable(f"快照 {snap} 无法打开；请稍候再试，或先停止应用")
