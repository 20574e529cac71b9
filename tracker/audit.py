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


def entries(
    con: duckdb.DuckDBPyConnection,
    actor: str | None = None,
    action: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    text: str | None = None,
):
    """The log, newest first, filtered; every filter is optional and bound as a parameter."""
    return con.execute(
        """SELECT id, happened_at, actor, action, target, detail, before_json, after_json
           FROM audit_log
           WHERE ($actor IS NULL OR actor = $actor)
             AND ($action IS NULL OR action = $action)
             AND ($since IS NULL OR happened_at >= $since)
             AND ($until IS NULL OR happened_at < $until + INTERVAL 1 DAY)
             AND ($text IS NULL OR concat_ws(' ', target, detail, before_json, after_json) ILIKE '%' || $text || '%')
           ORDER BY id DESC""",
        {"actor": actor, "action": action, "since": since, "until": until, "text": text or None},
    ).df()


def actors_and_actions(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    actors = [r[0] for r in con.execute("SELECT DISTINCT actor FROM audit_log ORDER BY 1").fetchall()]
    actions = [r[0] for r in con.execute("SELECT DISTINCT action FROM audit_log ORDER BY 1").fetchall()]
    return actors, actions


def to_csv(log) -> bytes:
    """The log as CSV for Excel (utf-8-sig), every cell inert (see tracker.exports)."""
    from tracker.exports import csv_cell

    cells = log.astype(object).where(log.notna(), None).map(csv_cell)
    return cells.to_csv(index=False).encode("utf-8-sig")
