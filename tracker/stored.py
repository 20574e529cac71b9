"""What the database holds, as the cheap questions every layer asks: has it changed since it was last looked
at (one signature per purpose, from one table of marks), are its figures the demo's, is it empty.

count(*) is read from DuckDB's metadata and max() of a key from the newest rows: a signature costs nothing."""

from __future__ import annotations

import duckdb

# What a change of each table shows as: its row count and, where rows can be replaced, its newest key or time.
MARKS = {
    "audit_log": ("coalesce(max(id), 0)", "count(*)"),
    "audit_head": ("max(last_hash)",),
    "submission": ("count(*)", "coalesce(max(id), 0)"),
    "verification": ("count(*)", "max(verified_at)"),
    "figure_choice": ("count(*)", "max(chosen_at)"),
    "finding_event": ("count(*)", "max(happened_at)"),
}


def _signature_sql(*tables: str) -> str:
    return "SELECT " + ", ".join(f"(SELECT {mark} FROM {table})" for table in tables for mark in MARKS[table])


# Whatever can change a status — a submission, the office's verification of an answer, its choice of a figure,
# a step of an inspection finding: cached evaluations are keyed to it (app.webapp.data_generation).
VERDICT_SQL = _signature_sql("submission", "verification", "figure_choice", "finding_event")
# The audit log and its signed head: the chain is walked again only when they changed (app.webapp.audit_chain).
AUDIT_SQL = _signature_sql("audit_log", "audit_head")


def signature(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    """The marks `sql` (one of the signatures above) reads now: a different tuple means the data changed."""
    return con.execute(sql).fetchone()


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the figures include the demo campaign's (generated, never real)."""
    return bool(con.execute("SELECT bool_or(is_demo) FROM submission").fetchone()[0])


def is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether no figure was ever recorded."""
    return con.execute("SELECT count(*) FROM measurement").fetchone()[0] == 0
