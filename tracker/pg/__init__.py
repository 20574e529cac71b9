"""PostgreSQL as the system of record, DuckDB the engine over a replica in each process (issue 23).

connection: the DuckDB-shaped connection and where each statement runs; replica: the in-memory DuckDB loaded
through Arrow per data generation; schema: what lives where and the migrations translated; sql: the scanner."""

from tracker.pg.connection import Connection, connect, exclusive

__all__ = ["Connection", "connect", "exclusive"]
