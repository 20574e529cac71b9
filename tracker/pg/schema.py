"""What lives where with PostgreSQL as the system of record, in one place: the tables kept on PostgreSQL and
copied into each process's DuckDB replica, the ones kept only on PostgreSQL, the ones only in the replica (pure
derivations rebuilt locally), and the numbered migrations (tracker.migrations) translated to PostgreSQL."""

from __future__ import annotations

import re

from tracker.migrations import MIGRATIONS
from tracker.pg import sql

# Derivations every replica rebuilds for itself after a load: never written to PostgreSQL.
REPLICA_ONLY = {
    "latest_by_unit": "each unit's latest figure, a summary of measurement (tracker.engine.counting)",
    "latest_by_unit_mark": "which measurements latest_by_unit has seen",
    "cat_info": "the fingerprint of the catalogue on disk (tracker.engine.catalogue_tables)",
    "cat_metric": "the catalogue on disk as a table",
    "cat_metric_area": "the catalogue's areas as a table",
}
# Kept on PostgreSQL only: read and written there, never copied (the replica keeps its own schema_version).
PG_ONLY = frozenset({"schema_version", "data_generation", "computed_once"})

# gen: bumped with every transaction that writes the table; rewritten: with those that update or delete its rows
# (a replica then reads the whole table again, not only the rows added).
GENERATION_DDL = """CREATE TABLE IF NOT EXISTS data_generation (
    table_name TEXT PRIMARY KEY, gen BIGINT NOT NULL, rewritten BIGINT NOT NULL DEFAULT 0)"""
# What one app process computed from the data, for the others (tracker.pg.computed): pickled, signed.
COMPUTED_DDL = """CREATE TABLE IF NOT EXISTS computed_once (
    key TEXT PRIMARY KEY, payload BYTEA NOT NULL, mac TEXT NOT NULL, made_at TIMESTAMPTZ NOT NULL DEFAULT now())"""
# Tables whose rows are only added (an increasing id), unless `rewritten` says otherwise: a replica fetches the
# rows past its newest id instead of the whole table (a million measurements: seconds saved per write).
APPENDED = {"measurement": "id", "audit_log": "id"}

_created = [m.group(1).lower() for _, s in MIGRATIONS for m in re.finditer(r"CREATE TABLE (\w+)", s)]
# The tables written on PostgreSQL and loaded into every replica.
TABLES = tuple(t for t in _created if t not in REPLICA_ONLY)
SEQUENCES = frozenset(
    m.group(1).lower() for _, s in MIGRATIONS for m in re.finditer(r"CREATE SEQUENCE (\w+)", s)
)
ON_PG = frozenset(TABLES) | PG_ONLY

# DuckDB's types in PostgreSQL's spelling (order matters: VARCHAR[] before VARCHAR).
_TYPES = [
    (r"\bVARCHAR\s*\[\]", "TEXT[]"),
    (r"\bBLOB\b", "BYTEA"),
    (r"\bDOUBLE\b(?!\s+PRECISION)", "DOUBLE PRECISION"),
    (r"\bHUGEINT\b", "NUMERIC(39)"),
    (r"\bUBIGINT\b", "NUMERIC(20)"),
    (r"\bUINTEGER\b", "BIGINT"),
]
# Statements of the migrations that PostgreSQL does not run, with the reason.
_DUCKDB_ONLY = [
    (
        re.compile(r"\bany_value\b|\bGROUP\s+BY\s+ALL\b", re.IGNORECASE),
        "a data step over rows an older DuckDB file held; a PostgreSQL database starts empty at the newest schema",
    ),
]


def translate_type(duckdb_type: str) -> str:
    """A DuckDB column type in PostgreSQL's spelling."""
    out = duckdb_type
    for pattern, spelling in _TYPES:
        out = re.sub(pattern, spelling, out, flags=re.IGNORECASE)
    return out


def translate(statement: str) -> tuple[str | None, str]:
    """One migration statement for PostgreSQL: (the SQL, "") or (None, why it is skipped)."""
    touched = sql.words(statement) & REPLICA_ONLY.keys()
    if touched:
        name = sorted(touched)[0]
        return None, f"{name} lives in the replica only: {REPLICA_ONLY[name]}"
    for pattern, reason in _DUCKDB_ONLY:
        if pattern.search(statement):
            return None, reason
    return translate_type(statement), ""
