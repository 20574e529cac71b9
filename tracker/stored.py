"""What the database holds, as the cheap questions every layer asks: has it changed since it was last looked
at (one signature per purpose, from one table of marks), are its figures the demo's, is it empty.

count(*) is read from DuckDB's metadata and max() of a key from the newest rows; the submissions, a table of a few
thousand rows, are counted by outcome: a signature costs a few milliseconds."""

from __future__ import annotations

import duckdb

# What a change of each table shows as: its row count and, where rows can be replaced, its newest key or time.
MARKS = {
    "audit_log": ("coalesce(max(id), 0)", "count(*)"),
    "audit_head": ("max(last_hash)",),
    # An upload keeps its file as a submission marked failed until settled, and commits its rows seconds later
    # (tracker.ingest.service): the rows are counted, and the submissions settled otherwise, so that the first
    # step moves no mark (nothing a page shows changed) and the commit does.
    "measurement": ("count(*)",),
    "submission": (
        "count(*) FILTER (WHERE outcome <> 'failed')",
        "coalesce(max(id) FILTER (WHERE outcome <> 'failed'), 0)",
    ),
    "verification": ("count(*)", "max(verified_at)"),
    "figure_choice": ("count(*)", "max(chosen_at)"),
    "finding_event": ("count(*)", "max(happened_at)"),
}


def _signature_sql(*tables: str) -> str:
    """One row of every table's marks: one aggregate per table, joined (a scalar subquery per mark took DuckDB's
    planner 48 ms for the verdict's eleven marks; this takes 5)."""
    parts = (f"(SELECT {', '.join(MARKS[table])} FROM {table}) AS {table}" for table in tables)
    return "SELECT * FROM " + ", ".join(parts)


# Whatever can change a status — a figure recorded, a submission, the office's verification of an answer, its choice
# of a figure, a step of an inspection finding: cached evaluations are keyed to it (app.webapp.data_generation).
VERDICT_SQL = _signature_sql("measurement", "submission", "verification", "figure_choice", "finding_event")
# The audit log and its signed head: the chain is walked again only when they changed (app.webapp.audit_chain).
AUDIT_SQL = _signature_sql("audit_log", "audit_head")


# What was known by a moment: per table a status reads, its rows recorded by then. Rows are added with the moment they
# were recorded and never changed afterwards; only a deletion (the demo replaced or cleared) takes some away, and
# changes a count or a newest id. So a verdict as known at a past moment is the same for as long as this is (the
# overview's 较上月, app.webapp.evaluation), whatever is written after that moment.
KNOWN_BY = {  # table: (the moment a row was recorded, its id or the id it names — None: the count alone)
    "measurement": ("recorded_at", "id"),
    "verification": ("verified_at", "measurement_id"),
    "figure_choice": ("chosen_at", None),
    "finding_event": ("happened_at", "finding_id"),
    "cat_version": ("loaded_at", "id"),
}


def _marks(table: str, last: str | None, where: str = "true") -> str:
    newest = f"coalesce(max({last}), 0)" if last else "0"
    return f"(SELECT [count(*), {newest}] FROM {table} WHERE {where})"


# The findings and rounds an inspection veto reads (severity, kind) carry no moment: any change of them counts.
_KNOWN_SQL = "SELECT " + ", ".join(
    [_marks(table, last, f"{moment} <= $moment") for table, (moment, last) in KNOWN_BY.items()]
    + [_marks(table, "id") for table in ("finding", "inspection_round")]
)


def known_by(con: duckdb.DuckDBPyConnection, moment) -> tuple:
    """The marks of what was known by `moment` (KNOWN_BY): equal marks, the same verdict as known then."""
    return tuple(tuple(marks) for marks in con.execute(_KNOWN_SQL, {"moment": moment}).fetchone())


def signature(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    """The marks `sql` (one of the signatures above) reads now: a different tuple means the data changed."""
    return con.execute(sql).fetchone()


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the figures include the demo campaign's (generated, never real)."""
    return bool(con.execute("SELECT bool_or(is_demo) FROM submission").fetchone()[0])


def is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether no figure was ever recorded."""
    return con.execute("SELECT count(*) FROM measurement").fetchone()[0] == 0
