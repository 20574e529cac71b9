"""The DuckDB store: open the file, migrate its schema (tracker.migrations), transactions — nothing else.
PostgreSQL's connection (tracker.pg) answers the same calls; the two differences a writer meets (the process's
write lock, the audit head's row lock) are `serialised` and `lock_head`.

A database ready for the tracker (the migrations' Python steps, the catalogue tables, the first administrator)
is tracker.bootstrap's: callers open through it."""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Callable, Mapping
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path

import duckdb

from tracker.config import db_path
from tracker.migrations import MIGRATIONS

# A closed file that tracker.bootstrap.connect() created and nothing else touched: a new database starts as its
# copy. The tests set it (a copy takes a tenth of the migrations' time); bootstrap still migrates and checks the
# catalogue after.
TEMPLATE: Path | None = None


def open(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the tracker database, creating the file (as a copy of TEMPLATE when set) if needed; no migration."""
    target = db_path(path)
    memory = str(target) == ":memory:"
    if not memory:
        target.parent.mkdir(parents=True, exist_ok=True)
    if TEMPLATE is not None and not read_only and (memory or not target.exists()):
        return _copy_of_template(target, memory)
    return duckdb.connect(str(target), read_only=read_only)


def _copy_of_template(target: Path, memory: bool) -> duckdb.DuckDBPyConnection:
    if not memory:
        shutil.copyfile(TEMPLATE, target)
        return duckdb.connect(str(target))
    con = duckdb.connect(":memory:")
    quoted = str(TEMPLATE).replace("'", "''")  # a path the tests chose, never user input
    con.execute(f"ATTACH '{quoted}' AS template (READ_ONLY)")
    con.execute("COPY FROM DATABASE template TO memory")
    con.execute("DETACH template")
    return con


class Unavailable(duckdb.ConnectionException):
    """The database cannot be reached just now (PostgreSQL restarting, stopped, or refusing connections): the
    statement did nothing, and a later try may succeed. The pages say so instead of an error id."""


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return row[0] or 0


# One writer at a time in this process (DuckDB lets only one process write the file): the datasette model.
# The audit chain needs it — reading the newest link and appending the next must not interleave with another
# thread's append — and DuckDB would otherwise abort one of two transactions that touch the same rows.
WRITE_LOCK = threading.RLock()
_state = threading.local()


def shared(con) -> bool:
    """Whether other processes write this database at the same time (PostgreSQL); a DuckDB file has one writer."""
    return not isinstance(con, duckdb.DuckDBPyConnection)


def serialised(con) -> contextlib.AbstractContextManager:
    """One writer at a time in this process on a DuckDB file; none on PostgreSQL, whose rows lock themselves."""
    return nullcontext() if shared(con) else WRITE_LOCK


def lock_head(con, table: str) -> None:
    """Hold the one-row head `table` (the audit chain's) until the transaction ends: on PostgreSQL `SELECT …
    FOR UPDATE`; on DuckDB nothing, WRITE_LOCK already keeps every other writer out."""
    if shared(con):
        con.lock_head(table)


def lock(con, key: str) -> None:
    """Hold `key` until the transaction ends, before a check that decides a write: on PostgreSQL an advisory
    lock (its transactions run at once); on DuckDB nothing, WRITE_LOCK already keeps every other writer out."""
    if shared(con):
        con.lock(key)


def in_transaction() -> bool:
    """Whether this thread is inside `transaction(...)`."""
    return getattr(_state, "depth", 0) > 0


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """All of the block or nothing: COMMIT at its end, ROLLBACK if it raises (one writer at a time). Inside
    another `transaction` it joins it: a service that calls another (a finding opening its ledger task) commits
    both or neither."""
    if in_transaction():
        with serialised(con):
            yield con
        return
    with serialised(con):
        con.execute("BEGIN TRANSACTION")
        _state.depth = getattr(_state, "depth", 0) + 1
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            with suppress(duckdb.Error):  # a COMMIT that failed has already rolled back
                con.execute("ROLLBACK")
            raise
        finally:
            _state.depth -= 1


def migrate(
    con: duckdb.DuckDBPyConnection,
    upto: int | None = None,
    after: Mapping[int, Callable[[duckdb.DuckDBPyConnection], object]] | None = None,
) -> None:
    """Apply the migrations not yet applied, up to `upto` (a restore builds a backup's own schema version).
    `after`: the step to run right after a version's SQL, in its transaction (tracker.bootstrap's)."""
    after = after or {}
    schema_version(con)  # creates the table on a new file
    applied = {r[0] for r in con.execute("SELECT version FROM schema_version").fetchall()}
    run = getattr(con, "run_migration", con.execute)  # PostgreSQL's connection translates the DuckDB SQL
    for version, sql in MIGRATIONS:
        if version in applied or (upto is not None and version > upto):
            continue
        with transaction(con):
            run(sql)
            if version in after:
                after[version](con)
            con.execute("INSERT INTO schema_version VALUES (?)", [version])
