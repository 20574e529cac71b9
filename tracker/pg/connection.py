"""The connection the tracker uses with PostgreSQL as the system of record, shaped like DuckDB's (execute with
`?`/`$name` parameters → a result with fetchone/fetchall/df/description; cursor; register; close).

Where a statement runs:
- outside a transaction a read runs on the process's DuckDB replica (tracker.pg.replica), refreshed first when
  PostgreSQL's generations moved; a write is a PostgreSQL transaction of its own;
- inside one (BEGIN TRANSACTION … COMMIT, as tracker.db.transaction says them) a statement naming a PostgreSQL
  table runs there, in this connection's PostgreSQL transaction; one naming only local objects (registered
  frames, temporary tables, the replica's derivations) runs in the replica; `INSERT INTO <table> … SELECT`
  over local objects runs the SELECT in the replica and copies its rows into PostgreSQL; a query run in the
  replica that names a PostgreSQL table this transaction changed is refused (the replica has not seen the
  change until COMMIT): read that table apart, or after the COMMIT;
- at COMMIT the generations of the tables written are bumped and announced (NOTIFY tracker_data) in the same
  transaction, and those tables reloaded into this process's replica: the writer sees its write at once.
Each cursor has its own PostgreSQL connection while in a transaction, borrowed from a small pool otherwise."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import psycopg

from tracker import db
from tracker.config import DEFAULT_DB
from tracker.pg import failures, schema, sql
from tracker.pg.replica import Derive, Replica, libpq_url

POOL = 4  # idle PostgreSQL connections a process keeps
_MIGRATION_LOCK = 7_202_301  # pg_advisory_lock key: one process migrates at a time
_START_LOCK = 7_202_302  # one process brings the database up at a time (tracker.bootstrap)
# Where tracker.access.keys looks for the installation key of a PostgreSQL database (a restore too, before any
# connection): data/tracker.key unless TRACKER_KEY says.
KEY_PLACE = str(Path(DEFAULT_DB).parent / "postgresql")


class StaleReplicaRead(RuntimeError):
    """A query inside a transaction would read, in the replica, a table the transaction changed on PostgreSQL:
    a mistake in the caller's SQL, not a state of the data (no caller catches it as a database error)."""


class Result:
    """A PostgreSQL result read to its end, answering as a DuckDB result does."""

    def __init__(self, rows: list[tuple], description: list[tuple]):
        self._rows, self._next, self.description = rows, 0, description

    def fetchone(self) -> tuple | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchmany(self, size: int = 1) -> list[tuple]:
        rows = self._rows[self._next : self._next + size]
        self._next += len(rows)
        return rows

    def fetchall(self) -> list[tuple]:
        rows = self._rows[self._next :]
        self._next = len(self._rows)
        return rows

    def df(self) -> pd.DataFrame:
        return pd.DataFrame(self.fetchall(), columns=[d[0] for d in self.description])

    fetchdf = df


_INSERT_SELECT = re.compile(
    r"^\s*INSERT\s+INTO\s+[\w.]+\s*(?:\(([^)]*)\))?\s*((?:SELECT|WITH)\b.*)$", re.I | re.S
)


def _selects(statement: str) -> bool:
    """Whether an INSERT takes its rows from a SELECT (not VALUES)."""
    return _INSERT_SELECT.match(statement) is not None


def _result(cur: psycopg.Cursor) -> Result:
    if cur.description is None:  # DuckDB answers a write with the count of rows it changed
        return Result([(cur.rowcount,)], [("Count", None, None, None, None, None, None)])
    description = [(c.name, c.type_code, None, None, None, None, None) for c in cur.description]
    return Result(cur.fetchall(), description)


def _value(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if value is pd.NaT or value is pd.NA:
        return None
    return value


def _args(params):
    if params is None:
        return None
    if isinstance(params, dict):
        return {k: _value(v) for k, v in params.items()}
    return [_value(v) for v in params]


class Store:
    """One PostgreSQL database as one process sees it: the replica and a small pool of connections."""

    def __init__(self, url: str, derive: Derive | None = None, fetch: str = "adbc"):
        self.url = libpq_url(url)
        self._idle: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        # Under the migration lock: two sessions creating a missing table at once collide in PostgreSQL's
        # catalogue (a unique violation on pg_type), IF NOT EXISTS or not.
        with self.borrowed() as con, failures.as_duckdb_errors(), con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", [_MIGRATION_LOCK])
            con.execute(schema.GENERATION_DDL)
            con.execute(schema.COMPUTED_DDL)
        self.replica = Replica(self.url, derive, fetch)

    def borrow(self) -> psycopg.Connection:
        with self._lock:
            while self._idle:
                con = self._idle.pop()
                if failures.held(con):
                    return con
                con.close()
        with failures.as_duckdb_errors():
            return psycopg.connect(self.url, autocommit=True)

    def give_back(self, con: psycopg.Connection) -> None:
        with self._lock:
            if len(self._idle) < POOL and not con.closed and con.info.transaction_status.name == "IDLE":
                self._idle.append(con)
                return
        con.close()

    def begun(self) -> psycopg.Connection:
        """A pooled connection in a transaction just begun. One the server ended a moment ago, before its goodbye
        reached the socket, fails at BEGIN: nothing was done on it, so once more on a new connection."""
        for attempt in (1, 2):
            con = self.borrow()
            try:
                with failures.as_duckdb_errors():
                    con.execute("BEGIN")
                return con
            except db.Unavailable:
                con.close()
                if attempt == 2:
                    raise
            except BaseException:
                self.give_back(con)
                raise
        raise AssertionError("unreachable")

    @contextmanager
    def transaction(self):
        """A pooled connection in a transaction of its own (Store.begun): committed at the end of the block, rolled
        back when it raises."""
        con = self.begun()
        try:
            yield con
            with failures.as_duckdb_errors():
                con.execute("COMMIT")
        except BaseException:
            if not con.closed:
                con.execute("ROLLBACK")
            raise
        finally:
            self.give_back(con)

    @contextmanager
    def borrowed(self):
        con = self.borrow()
        try:
            yield con
        finally:
            self.give_back(con)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for con in idle:
            con.close()
        self.replica.close()


def bump(con: psycopg.Connection, tables: dict[str, bool]) -> None:
    """The generations of `tables` (table → whether rows were updated or deleted, not only added), one up, in the
    writer's transaction (sorted: two writers never deadlock on them), and the news for the processes that
    listen."""
    for table in sorted(tables):
        con.execute(
            "INSERT INTO data_generation VALUES (%s, 1, %s) ON CONFLICT (table_name) DO UPDATE "
            "SET gen = data_generation.gen + 1, rewritten = data_generation.rewritten + excluded.rewritten",
            [table, int(tables[table])],
        )
    con.execute("NOTIFY tracker_data")


class Connection:
    """A cursor's view of the store (see the module's docstring)."""

    def __init__(self, store: Store, owner: bool = False):
        self.store = store
        self._owner = owner
        self._duck = store.replica.duck.cursor()
        self._pg: psycopg.Connection | None = None  # held while in a transaction
        self._written: dict[str, bool] = {}  # table → rows updated or deleted (not only added)
        self._unseen: set[str] = set()  # tables this transaction changed on PostgreSQL and not in the replica
        self._local: set[str] = set()  # registered frames and temporary tables of this cursor

    @property
    def database_file(self) -> str:
        """Where tracker.access.keys looks for the installation key (KEY_PLACE)."""
        return KEY_PLACE

    def cursor(self) -> Connection:
        return Connection(self.store)

    def close(self) -> None:
        if self._pg is not None:
            self._rollback()
        self._duck.close()
        if self._owner:
            self.store.close()

    def register(self, name: str, frame) -> Connection:
        self._duck.register(name, frame)
        self._local.add(name.lower())
        return self

    def unregister(self, name: str) -> Connection:
        self._duck.unregister(name)
        self._local.discard(name.lower())
        return self

    def lock_head(self, table: str) -> None:
        """Lock the row of a one-row head table (the audit chain's) until COMMIT; a table still empty is
        locked by name, so two first appenders queue too."""
        if self._pg is None:
            raise duckdb.TransactionException("lock_head needs a transaction")
        with failures.as_duckdb_errors():
            if not self._pg.execute(f"SELECT 1 FROM {table} FOR UPDATE").fetchall():
                self._pg.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [table])
                # The head the first appender wrote while this one waited: locked like any other, or a third
                # appender that found it would not wait for this one.
                self._pg.execute(f"SELECT 1 FROM {table} FOR UPDATE").fetchall()

    def lock(self, key: str) -> None:
        """Hold `key` until the transaction ends (an advisory lock): of two transactions that check then write
        (an item accepted twice at once), the second waits for the first's commit and its check sees it."""
        if self._pg is None:
            raise duckdb.TransactionException("lock needs a transaction")
        with failures.as_duckdb_errors():
            self._pg.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])

    def run_migration(self, script: str) -> None:
        """A numbered migration (tracker.db.migrate), translated for PostgreSQL statement by statement; what
        lives only in the replica is skipped (the replica has its own schema, migrated as a DuckDB file is)."""
        for statement in sql.split(script):
            translated, _why = schema.translate(statement)
            if translated:
                written = sql.target(statement) if sql.verb(statement) in sql.WRITES else None
                self._on_pg(translated, None, written)

    def execute(self, statement: str, params=None):
        parts = sql.split(statement) if params is None else [statement]
        result = None
        for part in parts or [statement]:
            result = self._one(part, params)
        return result

    def executemany(self, statement: str, rows) -> Connection:
        if sql.target(statement) in schema.ON_PG:
            query, rows = sql.pyformat(statement), [_args(r) for r in rows]
            rewrites = sql.verb(statement) != "INSERT"
            with self._pg_session(sql.target(statement), rewrites) as con, failures.as_duckdb_errors():
                con.cursor().executemany(query, rows)
        else:
            self._duck.executemany(statement, rows)
        return self

    # -- routing ----------------------------------------------------------------------------------------------
    def _one(self, statement: str, params):
        verb = sql.verb(statement)
        if verb in ("BEGIN", "START"):
            return self._begin()
        if verb in ("COMMIT", "END"):
            return self._commit()
        if verb in ("ROLLBACK", "ABORT"):
            return self._rollback()
        names, target = sql.words(statement), sql.target(statement)
        local = names & (self._local | schema.REPLICA_ONLY.keys())
        if verb in sql.DDL:
            if target in schema.ON_PG or target in schema.SEQUENCES and not sql.is_temp(statement):
                translated, _why = schema.translate(statement)
                return self._on_pg(translated, None) if translated else Result([], [])
            if sql.is_temp(statement) and target:
                self._local.add(target)
            return self._duck.execute(statement, params)
        if verb in sql.WRITES:
            if target not in schema.ON_PG:
                return self._duck.execute(statement, params)
            sources = names & schema.ON_PG - {target}
            if verb == "INSERT" and _selects(statement) and (local or not sources):
                return self._insert_from_replica(statement, params, target)
            if local:  # UPDATE … FROM a registered frame: the frame goes along, as a temporary table
                self._ship(local & self._local)
            return self._on_pg(statement, params, target)
        if names & schema.PG_ONLY or names & {"nextval", "currval", "setval"}:
            return self._on_pg(statement, params)
        if self._pg is not None and names & schema.ON_PG and not local:
            return self._on_pg(statement, params)
        if self._pg is None:
            self.store.replica.poll()
        elif verb == "SELECT" and names & self._unseen:
            raise StaleReplicaRead(
                f"this query reads {', '.join(sorted(names & self._unseen))} in the replica, which has not seen "
                "this transaction's change of it: read it in a statement of its own, or after the COMMIT"
            )
        return self._duck.execute(statement, params)

    @contextmanager
    def _pg_session(self, written: str | None, rewrites: bool = False, mirrored: bool = False):
        """This transaction's PostgreSQL connection, or a transaction of its own for one statement. `written`:
        the table the statement writes; `rewrites`: whether it updates or deletes rows (not only adds);
        `mirrored`: whether the replica got the same rows in this transaction."""
        if self._pg is not None:
            if written:
                self._written[written] = self._written.get(written, False) or rewrites
                if not mirrored:
                    self._unseen.add(written)
            yield self._pg
            return
        with self.store.transaction() as con:
            yield con
            if written:
                with failures.as_duckdb_errors():
                    bump(con, {written: rewrites})
        if written:
            self.store.replica.load({written})

    def _on_pg(self, statement: str, params, written: str | None = None) -> Result:
        query = statement if params is None else sql.pyformat(statement)
        rewrites = written is not None and sql.verb(statement) != "INSERT"
        with self._pg_session(written, rewrites) as con, failures.as_duckdb_errors():
            return _result(con.execute(query, _args(params)))

    def _insert_from_replica(self, statement: str, params, target: str) -> Result:
        """`INSERT INTO t (cols) SELECT … FROM <local objects>`: the SELECT runs in the replica, its rows are
        copied into t on PostgreSQL in this transaction. Rows that carry their key into an only-added table
        (schema.APPENDED: an upload's measurements) go into the replica's t too, in this cursor's DuckDB
        transaction: what the transaction reads next in the replica (the summary, the values replaced) sees them,
        and a rollback takes them back."""
        columns, select = _INSERT_SELECT.match(statement).groups()
        names = [c.strip() for c in columns.split(",")] if columns else None
        key = schema.APPENDED.get(target)
        mirrored = self._pg is not None and bool(names) and key in names
        if mirrored:
            self._duck.execute(f"CREATE OR REPLACE TEMP TABLE _pg_mirror AS {select}", params)
            rows = self._duck.execute("SELECT * FROM _pg_mirror").fetchall()
            self._duck.execute(f"INSERT INTO {target} ({', '.join(names)}) SELECT * FROM _pg_mirror")
            self._duck.execute("DROP TABLE _pg_mirror")
        else:
            rows = self._duck.execute(select, params).fetchall()
        copy_sql = f"COPY {target} ({', '.join(names)}) FROM STDIN" if names else f"COPY {target} FROM STDIN"
        with (
            self._pg_session(target, mirrored=mirrored) as con,
            failures.as_duckdb_errors(),
            con.cursor().copy(copy_sql) as copy,
        ):
            for row in rows:
                copy.write_row([_value(v) for v in row])
        return Result([(len(rows),)], [("Count", None, None, None, None, None, None)])

    def _ship(self, names: set[str]) -> None:
        """Copy this cursor's registered frames `names` into PostgreSQL as temporary tables of the same name,
        dropped at the end of the transaction (a statement of its own gets one around it)."""
        if self._pg is None:
            raise duckdb.TransactionException("a write reading a registered frame needs a transaction")
        for name in sorted(names):
            described = self._duck.execute(f"DESCRIBE SELECT * FROM {name}").fetchall()
            columns = ", ".join(f"{col} {schema.translate_type(kind)}" for col, kind, *_ in described)
            rows = self._duck.execute(f"SELECT * FROM {name}").fetchall()
            with failures.as_duckdb_errors():
                self._pg.execute(f"CREATE TEMP TABLE {name} ({columns}) ON COMMIT DROP")
                with self._pg.cursor().copy(f"COPY {name} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([_value(v) for v in row])

    def _begin(self):
        if self._pg is not None:
            raise duckdb.TransactionException("cannot start a transaction within a transaction")
        self._pg, self._written, self._unseen = self.store.begun(), {}, set()
        self._duck.execute("BEGIN TRANSACTION")
        return Result([], [])

    def _end(self, pg_sql: str) -> None:
        con, self._pg = self._pg, None
        if con.closed and pg_sql == "ROLLBACK":
            return  # the server ended the connection, and the transaction with it
        try:
            with failures.as_duckdb_errors():
                con.execute(pg_sql)
        finally:
            self.store.give_back(con)

    def _commit(self):
        if self._pg is None:
            raise duckdb.TransactionException("cannot commit - no transaction is active")
        written = self._written
        try:
            with failures.as_duckdb_errors():
                if written:
                    bump(self._pg, written)
        except BaseException:
            self._rollback()
            raise
        self._end("COMMIT")
        self._duck.execute("COMMIT")
        if written:
            self.store.replica.load(written)
        return Result([], [])

    def _rollback(self):
        if self._pg is None:
            raise duckdb.TransactionException("cannot rollback - no transaction is active")
        try:
            self._end("ROLLBACK")
        finally:
            with suppress(duckdb.Error):  # DuckDB ended it already (a failed statement)
                self._duck.execute("ROLLBACK")
        return Result([], [])


@contextmanager
def exclusive(url: str):
    """The database `url` to this block alone among the blocks that ask for it, in every process: a session
    advisory lock on a connection of its own, released when that connection closes (a killed process too)."""
    with failures.as_duckdb_errors():
        con = psycopg.connect(libpq_url(url), autocommit=True)
    try:
        with failures.as_duckdb_errors():
            con.execute("SELECT pg_advisory_lock(%s)", [_START_LOCK])
        yield
    finally:
        con.close()


def connect(
    url: str,
    migrate: Callable[[Connection], None] | None = None,
    derive: Derive | None = None,
    fetch: str = "adbc",
) -> Connection:
    """A connection to the PostgreSQL database `url`: migrated by `migrate` (one process at a time) and its
    replica loaded."""
    store = Store(url, derive, fetch)
    con = Connection(store, owner=True)
    try:
        if migrate is not None:
            with store.borrowed() as lock, failures.as_duckdb_errors():
                lock.execute("SELECT pg_advisory_lock(%s)", [_MIGRATION_LOCK])
                try:
                    migrate(con)
                finally:
                    lock.execute("SELECT pg_advisory_unlock(%s)", [_MIGRATION_LOCK])
        store.replica.load()
    except BaseException:
        con.close()
        raise
    return con
