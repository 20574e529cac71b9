"""Each process's DuckDB replica of the PostgreSQL tables: an in-memory database with the DuckDB schema (the
same migrations), the tables loaded through Arrow, all of them read in one REPEATABLE READ transaction, and
reloaded table by table when their generation on PostgreSQL moved (data_generation, bumped with every write and
announced by NOTIFY tracker_data: a read asks PostgreSQL only after an announcement, and then at once).

The engine's SQL then runs on DuckDB exactly as on the file; the derivations (tracker.pg.schema.REPLICA_ONLY)
are rebuilt by the `derive` hook the caller passes (tracker.bootstrap: the engine's summary)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable

import adbc_driver_postgresql.dbapi as adbc
import duckdb
import psycopg
import pyarrow as pa

from tracker import db
from tracker.pg import failures, schema

POLL_SECONDS = 0.5  # without a listener, at most this often a read asks PostgreSQL whether anything changed
CHECK_SECONDS = 5.0  # with one, a read asks anyway after this long: an announcement lost with its connection
RETRY_SECONDS = 1.0  # a lost listener connects again this often
CHANNEL = "tracker_data"  # tracker.pg.connection.bump announces every write there
Derive = Callable[[duckdb.DuckDBPyConnection, set[str]], None]


def libpq_url(url: str) -> str:
    """The URL with Debian's socket directory when it names no host: the drivers' own libpq looks in /tmp."""
    if "host=" in url or not url.startswith(("postgresql:///", "postgres:///")):
        return url
    return url + ("&" if "?" in url else "?") + "host=/var/run/postgresql"


def fetch_adbc(con, table: str, where: str = "TRUE") -> pa.Table:
    """One table's rows through ADBC (the driver reads PostgreSQL's binary COPY into Arrow in C)."""
    cur = con.cursor()
    try:
        cur.execute(f"SELECT * FROM {table} WHERE {where}")  # names and bounds of ours, never input
        return cur.fetch_arrow_table()
    finally:
        cur.close()


def fetch_copy(con: psycopg.Connection, table: str, where: str = "TRUE") -> pa.Table:
    """One table's rows through psycopg 3's binary COPY, gathered into Arrow in Python (measured against ADBC
    in bench/replica.py: 1.0× on the demo, 3.7× slower at a million measurements)."""
    with con.cursor() as cur:
        cur.execute(f"SELECT * FROM {table} LIMIT 0")
        names = [c.name for c in cur.description]
        types = [c.type_code for c in cur.description]
        with cur.copy(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT (FORMAT BINARY)") as copy:
            copy.set_types(types)
            rows = list(copy.rows())
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    return pa.table({n: pa.array(list(c)) for n, c in zip(names, columns, strict=True)})


def _count(con, table: str) -> int:
    cur = con.cursor()
    try:
        cur.execute(f"SELECT count(*) FROM {table}")
        return int(cur.fetchall()[0][0])
    finally:
        cur.close()


class Notices:
    """LISTEN on a connection of its own, in a daemon thread: counts the writes announced (of every process, this
    one's too), so that a read asks PostgreSQL only after one. While that connection is lost (`alive` False: the
    server restarting) the replica polls on a timer, and the thread connects again every RETRY_SECONDS; once back
    it counts one announcement more, for the writes it could not hear meanwhile."""

    def __init__(self, url: str):
        self.url = url
        self.count = 0
        self._con: psycopg.Connection | None = self._connect()
        self.alive = True
        self._wake, self._waker = os.pipe()  # close() writes a byte: the thread's wait returns at once
        self._thread = threading.Thread(target=self._listen, name="tracker-pg-notices", daemon=True)
        self._thread.start()

    def _connect(self) -> psycopg.Connection:
        with failures.lost_as_unavailable():
            con = psycopg.connect(self.url, autocommit=True)
            con.execute(f"LISTEN {CHANNEL}")
        return con

    def _listen(self) -> None:
        try:
            while True:
                if self._con is None and not self._back():
                    return
                try:
                    if self._wake in failures.ready([self._con.fileno(), self._wake]):
                        return
                    self.count += sum(1 for _ in self._con.notifies(timeout=0))
                except (psycopg.Error, OSError, ValueError):  # the connection lost: the timed poll takes over
                    self.alive = False
                    self._con.close()
                    self._con = None
        finally:
            self.alive = False
            if self._con is not None:
                self._con.close()
            os.close(self._wake)

    def _back(self) -> bool:
        """Connect again, trying every RETRY_SECONDS; False when close() asked the thread to end first."""
        while not failures.ready([self._wake], RETRY_SECONDS):
            try:
                self._con = self._connect()
            except (psycopg.Error, db.Unavailable):
                continue
            self.count += 1  # before `alive`: a read must not take the replica for current in between
            self.alive = True
            return True
        return False

    def close(self) -> None:
        with contextlib.suppress(OSError):  # the thread ended already (its connection lost)
            os.write(self._waker, b"x")
        os.close(self._waker)
        self._thread.join(timeout=5)


class Replica:
    """The in-memory DuckDB of one process (or one test's second "process") and what it has loaded."""

    def __init__(self, url: str, derive: Derive | None = None, fetch: str = "adbc"):
        self.url = libpq_url(url)
        self.derive = derive
        self.fetch = fetch
        self.duck = db.open(":memory:")
        db.migrate(self.duck)  # the DuckDB schema; the rows come from PostgreSQL
        self.generations: dict[str, tuple[int, int]] = {}  # table → (gen, rewritten) as loaded
        self.polled = 0.0
        self.lock = threading.RLock()
        self._loader = None
        # Listening before the first load: no write can fall between the two unannounced.
        self.notices = Notices(self.url)
        self.seen = 0  # the announcements counted before the last load began

    def _source(self):
        if self._loader is None:
            if self.fetch == "adbc":
                self._loader = adbc.connect(self.url)
            else:
                self._loader = psycopg.connect(self.url)
                self._loader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        return self._loader

    def _read(
        self, tables: Iterable[str]
    ) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[pa.Table, bool]]]:
        """The generations, and the rows of `tables` and of those whose generation moved, in one REPEATABLE
        READ snapshot: (rows, True) when they are only the rows added since the last load. A loader the server
        dropped (a restart) is replaced once; PostgreSQL still unreachable then is tracker.db.Unavailable."""
        for attempt in (1, 2):
            try:
                return self._read_once(tables)
            except Exception as exc:
                if not failures.lost(exc):
                    raise
                self._drop_loader()
                if attempt == 2:
                    raise failures.unavailable(exc) from exc
        raise AssertionError("unreachable")

    def _drop_loader(self) -> None:
        loader, self._loader = self._loader, None
        if loader is not None:
            with contextlib.suppress(Exception):  # it is broken already
                loader.close()

    def _read_once(
        self, tables: Iterable[str]
    ) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[pa.Table, bool]]]:
        con = self._source()
        cur = con.cursor()
        fetch = fetch_adbc if self.fetch == "adbc" else fetch_copy
        try:
            if self.fetch == "adbc":  # ADBC has begun the transaction; its level is set before any read
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cur.execute("SELECT table_name, gen, rewritten FROM data_generation")
            marks = {name: (int(gen), int(rewritten)) for name, gen, rewritten in cur.fetchall()}
            # A table with no generation was never written: nothing to fetch (a full load empties it locally).
            wanted = {t for t in tables if t in marks}
            wanted |= {t for t, m in marks.items() if t in schema.TABLES and self.generations.get(t) != m}
            loaded = {}
            for table in (t for t in schema.TABLES if t in wanted):
                loaded[table] = self._added(con, table, marks[table], fetch) or (fetch(con, table), False)
        finally:
            cur.close()
            con.rollback()  # read only: nothing to keep
        return marks, loaded

    def _added(self, con, table: str, mark: tuple[int, int], fetch) -> tuple[pa.Table, bool] | None:
        """Only the rows added since the last load, for a table whose rows are only ever added (schema.APPENDED)
        and not rewritten since; None when the whole table is to be read. Two writers can commit their ids out of
        order: the counts must then add up, else the whole table is read."""
        key, seen = schema.APPENDED.get(table), self.generations.get(table)
        if key is None or seen is None or seen[1] != mark[1]:
            return None
        local = self.duck.cursor()
        try:
            have, newest = local.execute(f"SELECT count(*), coalesce(max({key}), 0) FROM {table}").fetchone()
        finally:
            local.close()
        rows = fetch(con, table, f"{key} > {int(newest)}")
        return (rows, True) if _count(con, table) == have + rows.num_rows else None

    def load(self, tables: Iterable[str] | None = None) -> set[str]:
        """Load `tables` (every table when None) and any whose generation moved; returns the names loaded."""
        with self.lock:
            announced = self.notices.count  # an announcement during the read: load again at the next read
            marks, loaded = self._read(schema.TABLES if tables is None else tables)
            never_written = [t for t in schema.TABLES if t not in marks] if tables is None else []
            cur = self.duck.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                for name in never_written:
                    cur.execute(f"DELETE FROM {name}")
                for name, (rows, added) in loaded.items():
                    if not added:
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
            self.generations.update(marks)
            self.generations.update({t: (0, 0) for t in never_written})  # empty here too: only rows to add
            self.polled = time.monotonic()
            self.seen = announced
            return set(loaded)

    def _current(self) -> bool:
        """Whether a read may skip asking PostgreSQL: nothing announced since the last load (and that not older than
        CHECK_SECONDS); without a listener, a load less than POLL_SECONDS ago."""
        since = time.monotonic() - self.polled
        if self.notices.alive:
            return self.notices.count == self.seen and since < CHECK_SECONDS
        return since < POLL_SECONDS

    def poll(self, force: bool = False) -> set[str]:
        """Reload the tables whose generation moved, when a write was announced since the last load (or, without a
        listener, at most every POLL_SECONDS)."""
        if not force and self._current():
            return set()
        with self.lock:
            if not force and self._current():
                return set()
            return self.load(())

    def close(self) -> None:
        self.notices.close()
        with self.lock:
            if self._loader is not None:
                self._loader.close()
                self._loader = None
            self.duck.close()
