"""Telling a lost connection (the PostgreSQL server restarting, stopped, or refusing connections) from a statement
that failed: the first is tracker.db.Unavailable to the callers, whatever driver saw it."""

from __future__ import annotations

import adbc_driver_manager
import psycopg
from psycopg import errors

from tracker import db

_LOST = (errors.AdminShutdown, errors.CrashShutdown, errors.CannotConnectNow, errors.ConnectionException)


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
