"""A consistent read-only copy of the app's database, so that read-only commands work while the app runs.

DuckDB lets one process hold a file, and even a read-only open from another process is refused while the app
holds it (measured: `IOException … Conflicting lock is held in … (PID n)`). So the app writes a snapshot
beside the database — `tracker.duckdb` → `tracker.snapshot.duckdb` — a few seconds after anything changed,
with `COPY FROM DATABASE` inside one transaction (consistent; sequences keep their values), into a temporary
file renamed over the old snapshot (a reader never sees half a file). The demo database copies in about
45 ms on the development machine (`bench`-style figure in the README); commands that read open a private
copy of the snapshot and say so on stderr.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import sys
import threading
import time
import uuid
from pathlib import Path

import duckdb

from tracker import stored

log = logging.getLogger("tracker.snapshot")
EVERY_SECONDS = 2.0  # how often the app checks whether anything changed


def snapshot_path(db_file: str | os.PathLike) -> Path:
    path = Path(db_file)
    return path.with_name(f"{path.stem}.snapshot{path.suffix or '.duckdb'}")


def app_marker(db_file: str | os.PathLike) -> Path:
    """`tracker.duckdb` → `tracker.app.json`: the pid of the app that holds the file and writes the snapshot."""
    path = Path(db_file)
    return path.with_name(f"{path.stem}.app.json")


def app_pid(db_file: str | os.PathLike) -> int | None:
    try:
        return int(json.loads(app_marker(db_file).read_text(encoding="utf-8"))["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(con: duckdb.DuckDBPyConnection, db_file: str | os.PathLike) -> Path:
    """Copy the whole database `con` holds into the snapshot file beside `db_file`; returns its path."""
    target = snapshot_path(db_file)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    alias = f"snap_{uuid.uuid4().hex[:8]}"
    cur = con.cursor()
    source = cur.execute("SELECT current_database()").fetchone()[0]
    started = time.perf_counter()
    try:
        cur.execute(f"ATTACH '{_quoted(tmp)}' AS {alias}")
        try:
            cur.execute("BEGIN TRANSACTION")  # one snapshot of every table
            cur.execute(f"COPY FROM DATABASE {source} TO {alias}")
            cur.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                cur.execute("ROLLBACK")
            raise
        finally:
            cur.execute(f"DETACH {alias}")
        os.replace(tmp, target)
    finally:
        cur.close()
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        with contextlib.suppress(FileNotFoundError):
            Path(f"{tmp}.wal").unlink()
    log.info("snapshot written: %s in %.3fs", target, time.perf_counter() - started)
    return target


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def start_writer(con: duckdb.DuckDBPyConnection, db_file: str | os.PathLike) -> threading.Thread | None:
    """The app's background writer: a daemon thread that refreshes the snapshot after every change.

    Off under pytest (hundreds of throwaway databases) unless TRACKER_SNAPSHOT=1; off everywhere with
    TRACKER_SNAPSHOT=0."""
    setting = os.environ.get("TRACKER_SNAPSHOT")
    if setting == "0" or (setting != "1" and "pytest" in sys.modules) or str(db_file) == ":memory:":
        return None
    # Who holds the file: the command line tells the app from another command by this pid, whatever the
    # app's command line looks like (`streamlit run`, or a server that embeds it).
    with contextlib.suppress(OSError):
        app_marker(db_file).write_text(json.dumps({"pid": os.getpid(), "db": str(db_file)}), encoding="utf-8")
    thread = threading.Thread(target=_loop, args=(con, db_file), name="tracker-snapshot", daemon=True)
    thread.start()
    return thread


def _loop(con: duckdb.DuckDBPyConnection, db_file) -> None:
    cur = con.cursor()
    last = None
    while True:
        try:
            now = stored.signature(cur, stored.ANY_WRITE_SQL)
            if now != last:
                write(con, db_file)
                last = now
        except Exception:  # noqa: BLE001 — the writer must outlive a bad moment; the log says what happened
            log.exception("snapshot failed")
        time.sleep(EVERY_SECONDS)


def taken_at(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M:%S")
