"""A DuckDB database's rows copied into an empty, migrated PostgreSQL database (tracker.pg.schema.TABLES), through
Arrow and ADBC's bulk COPY; the sequences moved past the copied ids and every generation bumped, so replicas
load it all. bench/replica.py fills PostgreSQL with the demo this way; moving an office from the file to a
server will too."""

from __future__ import annotations

import re

import adbc_driver_postgresql.dbapi as adbc
import duckdb

from tracker.migrations import MIGRATIONS
from tracker.pg import schema
from tracker.pg.replica import libpq_url

# sequence → (table, column) whose ids it hands out, read from the migrations' DEFAULT nextval(…)
_OWNERS: dict[str, tuple[str, str]] = {}
for _, _script in MIGRATIONS:
    for _table, _body in re.findall(r"CREATE TABLE (\w+) \((.*?)\n\s*\);", _script, re.S):
        for _column, _sequence in re.findall(r"(\w+)\s+BIGINT[^,\n]*nextval\('(\w+)'\)", _body):
            _OWNERS[_sequence] = (_table, _column)
    for _table, _column, _sequence in re.findall(
        r"ALTER TABLE (\w+) ADD COLUMN (\w+) BIGINT DEFAULT nextval\('(\w+)'\)", _script
    ):
        _OWNERS[_sequence] = (_table, _column)


def copy_from_duckdb(source: duckdb.DuckDBPyConnection, url: str) -> dict[str, int]:
    """Append every replicated table of `source` to the PostgreSQL database `url`; returns rows per table."""
    counts = {}
    with adbc.connect(libpq_url(url)) as con, con.cursor() as cur:
        for table in schema.TABLES:
            rows = source.sql(f"SELECT * FROM {table}").to_arrow_table()  # names from the migrations
            if rows.num_rows:
                cur.adbc_ingest(table, rows, mode="append")
            counts[table] = rows.num_rows
        for sequence, (table, column) in sorted(_OWNERS.items()):
            cur.execute(f"SELECT setval('{sequence}', greatest((SELECT max({column}) FROM {table}), 1))")
            cur.fetchall()
        for table in schema.TABLES:
            cur.execute(
                "INSERT INTO data_generation VALUES ($1, 1, 1) ON CONFLICT (table_name) "
                "DO UPDATE SET gen = data_generation.gen + 1, rewritten = data_generation.rewritten + 1",
                parameters=(table,),
            )
        con.commit()
    return counts
