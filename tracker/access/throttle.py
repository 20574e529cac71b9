"""Failed sign-ins counted per typed name and per browser tab (login_throttle): a flood is paused before any
password is checked, and each pause is audited once (tracker.access.users._verify asks here)."""

from __future__ import annotations

import datetime as dt
import math

import duckdb

from tracker import db
from tracker.access import audit
from tracker.config import settings
from tracker.strings.ui import t


def keys(name: str, client: str | None) -> list[str]:
    """The counters a try adds to: the typed name's (canonical, bounded) and the browser tab's."""
    found = [f"name:{name}"]
    return found + [f"client:{client}"] if client else found


def paused(con: duckdb.DuckDBPyConnection, keys: list[str], now: dt.datetime) -> int | None:
    """Seconds until the longest pause on any of `keys` ends, or None when none holds."""
    until = con.execute(
        "SELECT max(blocked_until) FROM login_throttle WHERE key IN (SELECT unnest(?)) AND blocked_until > ?",
        [keys, now],
    ).fetchone()[0]
    return None if until is None else math.ceil((until - now).total_seconds())


def count_failure(
    con: duckdb.DuckDBPyConnection, keys: list[str], shown: str, now: dt.datetime, action: str
) -> None:
    """One more failed try on each key, counted within lockout_minutes; the try that reaches
    throttle_attempts pauses the key for throttle_seconds and is audited once, as `action`_throttled."""
    cfg = settings()
    limit, pause = cfg["throttle_attempts"], cfg["throttle_seconds"]
    window_start = now - dt.timedelta(minutes=cfg["lockout_minutes"])
    with db.transaction(con):
        con.execute(  # forget what no window or pause needs any more: the table stays small
            "DELETE FROM login_throttle WHERE first_at < ? AND (blocked_until IS NULL OR blocked_until < ?)",
            [window_start, now],
        )
        for key in keys:
            row = con.execute("SELECT failures, first_at FROM login_throttle WHERE key = ?", [key]).fetchall()
            failures, first_at = (row[0][0] + 1, row[0][1]) if row else (1, now)
            blocked = now + dt.timedelta(seconds=pause) if failures >= limit else None
            values = [0 if blocked else failures, now if blocked else first_at, blocked, key]
            if row:
                con.execute(
                    "UPDATE login_throttle SET failures = ?, first_at = ?, blocked_until = ? WHERE key = ?",
                    values,
                )
            else:
                con.execute(
                    "INSERT INTO login_throttle (failures, first_at, blocked_until, key) VALUES (?, ?, ?, ?)",
                    values,
                )
            if blocked:
                detail = t("account.throttled", n=limit, seconds=pause)
                audit.record(con, shown, action + "_throttled", key.split(":", 1)[1], detail=detail)


def forget(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """A successful sign-in: the name's count starts again."""
    con.execute("DELETE FROM login_throttle WHERE key = ?", [key])
