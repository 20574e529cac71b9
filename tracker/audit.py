"""The append-only audit log: who did what, when, with the state before and after."""

from __future__ import annotations

import datetime as dt
import json

import duckdb


def record(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    target: str | None = None,
    before: object = None,
    after: object = None,
    detail: str | None = None,
) -> None:
    """Append one entry. Runs inside the caller's transaction when there is one, so an action and its
    audit entry land together or not at all."""
    con.execute(
        "INSERT INTO audit_log (happened_at, actor, action, target, before_json, after_json, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            dt.datetime.now(),
            actor,
            action,
            target,
            None if before is None else json.dumps(before, ensure_ascii=False, default=str),
            None if after is None else json.dumps(after, ensure_ascii=False, default=str),
            detail,
        ],
    )
