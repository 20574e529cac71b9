"""PostgreSQL's failures as the tracker's callers know them: a failed statement as the DuckDB error they already
catch, a lost connection (the server restarting, stopped, or refusing connections) as tracker.db.Unavailable,
whatever driver saw it, and a pooled connection the server ended seen before it is used."""

from __future__ import annotations

import select
from contextlib import contextmanager

import adbc_driver_manager
import duckdb
import psycopg
from psycopg import errors

from tracker import db

_LOST = (errors.AdminShutdown, errors.CrashShutdown, errors.CannotConnectNow, errors.ConnectionException)

# PostgreSQL's errors as the DuckDB errors the callers already catch.
_ERRORS = [
    (
        (errors.UniqueViolation, errors.NotNullViolation, errors.ForeignKeyViolation),
        duckdb.ConstraintException,
    ),
    (
        (errors.SerializationFailure, errors.DeadlockDetected, errors.InFailedSqlTransaction),
        duckdb.TransactionException,
    ),
    ((errors.UndefinedTable, errors.UndefinedColumn, errors.UndefinedFunction), duckdb.CatalogException),
    ((errors.SyntaxError,), duckdb.ParserException),
]


def lost(exc: Exception) -> bool:
    """Whether the connection itself failed, not the statement."""
    if isinstance(exc, _LOST):
        return True
    # psycopg's own errors have no SQLSTATE: a connection that failed to open, or was closed under it
    if isinstance(exc, psycopg.OperationalError) and exc.sqlstate is None:
        return True
    return isinstance(exc, adbc_driver_manager.OperationalError)  # the replica's loader: only reads


def unavailable(exc: Exception) -> db.Unavailable:
    return db.Unavailable(f"PostgreSQL cannot be reached: {exc}")


@contextmanager
def lost_as_unavailable():
    """A lost connection as tracker.db.Unavailable (the pages' 「暂时无法连接数据库」); anything else as it was."""
    try:
        yield
    except Exception as exc:
        if lost(exc):
            raise unavailable(exc) from exc
        raise


@contextmanager
def as_duckdb_errors():
    """Every psycopg error as DuckDB's: a lost connection as tracker.db.Unavailable, the rest by _ERRORS."""
    try:
        with lost_as_unavailable():
            yield
    except psycopg.Error as exc:
        for kinds, mapped in _ERRORS:
            if isinstance(exc, kinds):
                raise mapped(str(exc)) from exc
        raise duckdb.Error(str(exc)) from exc


def ready(fds: list[int], seconds: float | None = None) -> set[int]:
    """Which of `fds` have something to read, waiting `seconds` at most (None: until one has). poll(), not
    select(): a server process holds many files, and select() refuses a descriptor numbered 1024 or more."""
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    timeout = None if seconds is None else int(seconds * 1000)
    return {fd for fd, _ in poller.poll(timeout)}


def held(con: psycopg.Connection) -> bool:
    """Whether the server still holds an idle pooled connection. One the server ended (a restart: every backend is
    told to go) has its goodbye or end-of-file waiting on the socket, while an idle one has nothing to read — no
    question sent, so nobody's click fails on a connection that died while it waited in the pool."""
    if con.closed:
        return False
    try:
        return not ready([con.fileno()], 0)
    except (OSError, psycopg.Error):
        return False
