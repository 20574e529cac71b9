"""Each process's DuckDB replica of the PostgreSQL tables: an in-memory database with the DuckDB schema (the
same migrations), the tables loaded through Arrow, all of them read in one REPEATABLE READ transaction, and
reloaded table by table when their generation on PostgreSQL moved (data_generation, bumped with every write).

The engine's SQL then runs on DuckDB exactly as on the file; the derivations (tracker.pg.schema.REPLICA_ONLY)
are rebuilt by the `derive` hook the caller passes (tracker.bootstrap: the engine's summary)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

import adbc_driver_postgresql.dbapi as adbc
import duckdb
import psycopg
import pyarrow as pa

from tracker import db
from tracker.pg import schema

POLL_SECONDS = 0.5  # at most this often a read asks PostgreSQL whether anything changed
Derive = Callable[[duckdb.DuckDBPyConnection, set[str]], None]


def libpq_url(url: str) -> str:
    """The URL with Debian's socket directory when it names no host: the drivers' own libpq looks in /tmp."""
    if "host=" in url or not url.startswith(("postgresql:///", "postgres:///")):
        return url
    return url + ("&" if "?" in url else "?") + "host=/var/run/postgresql"


def fetch_adbc(con, table: str) -> pa.Table:
    """One table through ADBC (the driver reads PostgreSQL's binary COPY into Arrow in C)."""
    cur = con.cursor()
    try:
        cur.execute(f"SELECT * FROM {table}")  # a name of tracker.pg.schema.TABLES, never input
        return cur.fetch_arrow_table()
    finally:
        cur.close()


def fetch_copy(con: psycopg.Connection, table: str) -> pa.Table:
    """One table through psycopg 3's binary COPY, rows gathered into Arrow in Python (measured against ADBC in
    bench/replica.py; kept for that comparison)."""
    with con.cursor() as cur:
        cur.execute(f"SELECT * FROM {table} LIMIT 0")
        names = [c.name for c in cur.description]
        types = [c.type_code for c in cur.description]
        with cur.copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as copy:
            copy.set_types(types)
            rows = list(copy.rows())
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    return pa.table({n: pa.array(list(c)) for n, c in zip(names, columns, strict=True)})


class Replica:
    """The in-memory DuckDB of one process (or one test's second "process") and what it has loaded."""

    def __init__(self, url: str, derive: Derive | None = None, fetch: str = "adbc"):
        self.url = libpq_url(url)
        self.derive = derive
        self.fetch = fetch
        self.duck = db.open(":memory:")
        db.migrate(self.duck)  # the DuckDB schema; the rows come from PostgreSQL
        self.generations: dict[str, int] = {}
        self.polled = 0.0
        self.lock = threading.RLock()
        self._loader = None

    def _source(self):
        if self._loader is None:
            if self.fetch == "adbc":
                self._loader = adbc.connect(self.url)
            else:
                self._loader = psycopg.connect(self.url)
                self._loader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        return self._loader

    def _read(self, tables: Iterable[str] | None) -> tuple[dict[str, int], dict[str, pa.Table]]:
        """The generations and the tables (all when None, else those named and those whose generation moved)
        in one REPEATABLE READ snapshot."""
        con = self._source()
        cur = con.cursor()
        try:
            if self.fetch == "adbc":  # ADBC has begun the transaction; its level is set before any read
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cur.execute("SELECT table_name, gen FROM data_generation")
            gens = {name: int(gen) for name, gen in cur.fetchall()}
            # A table with no generation was never written: nothing to fetch (a full load empties it locally).
            wanted = {t for t in tables or () if t in gens}
            wanted |= {t for t, g in gens.items() if t in schema.TABLES and self.generations.get(t) != g}
            fetch = fetch_adbc if self.fetch == "adbc" else fetch_copy
            loaded = {t: fetch(con, t) for t in schema.TABLES if t in wanted}
        finally:
            cur.close()
            con.rollback()  # read only: nothing to keep
        return gens, loaded

    def load(self, tables: Iterable[str] | None = None) -> set[str]:
        """Load `tables` (every table when None) and any whose generation moved; returns the names loaded."""
        with self.lock:
            gens, loaded = self._read(schema.TABLES if tables is None else tables)
            never_written = [t for t in schema.TABLES if t not in gens] if tables is None else []
            cur = self.duck.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                for name in never_written:
                    cur.execute(f"DELETE FROM {name}")
                for name, rows in loaded.items():
                    cur.execute(f"DELETE FROM {name}")
                    if rows.num_rows:
                        cur.register("_pg_rows", rows)
                        cur.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _pg_rows")
                        cur.unregister("_pg_rows")
                if self.derive is not None and loaded:
                    self.derive(cur, set(loaded))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()
            self.generations.update(gens)
            self.polled = time.monotonic()
            return set(loaded)

    def poll(self, force: bool = False) -> set[str]:
        """Reload the tables whose generation moved; asks PostgreSQL at most every POLL_SECONDS."""
        if not force and time.monotonic() - self.polled < POLL_SECONDS:
            return set()
        with self.lock:
            if not force and time.monotonic() - self.polled < POLL_SECONDS:
                return set()
            return self.load(())

    def close(self) -> None:
        with self.lock:
            if self._loader is not None:
                self._loader.close()
                self._loader = None
            self.duck.close()
