"""A database ready for the tracker: open (tracker.db) → migrate, with the Python steps some migrations need →
the catalogue tables; and at the app's start, an import killed midway settled, the first administrator and, in
demo mode, the demo. On PostgreSQL one process at a time does either (processes starting together on an empty
database would each migrate, create the administrator, load the demo).

Every caller opens through here, so the layers below never reach up: tracker.db opens and migrates and
knows nothing of the audit chain or the engine (issue 25)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import duckdb

from tracker import db, pg, stored
from tracker.access import audit
from tracker.access.users import ensure_admin
from tracker.catalogue import catalogue
from tracker.config import pg_url
from tracker.demo import DemoRefused, ensure_accounts, load_demo
from tracker.engine import catalogue_versions, counting
from tracker.engine.catalogue_tables import ensure_catalogue
from tracker.ingest.service import recover_interrupted

# Run right after a migration's SQL, in its transaction (tracker.migrations holds the SQL).
AFTER_MIGRATION = {
    5: audit.seal_unsigned,  # chain the entries written before the chain existed
    12: counting.refresh_summary,  # the summary of the measurements already there
    22: audit.sign_head,  # the head as it stands is trusted once, and signed
    24: catalogue_versions.seed,  # the catalogue stored before versions were kept
}


def migrate(con: duckdb.DuckDBPyConnection, upto: int | None = None) -> None:
    """The migrations not yet applied, up to `upto`, each with its Python step (a restore passes `upto`). The
    steps bring rows an older DuckDB file holds up to date; a PostgreSQL database starts empty at the newest
    schema, and its derived tables live in the replica: it takes none."""
    steps = {} if db.shared(con) else AFTER_MIGRATION
    db.migrate(con, upto=upto, after=steps)


def _derive(replica: duckdb.DuckDBPyConnection, tables: set[str]) -> None:
    """The replica's derivations after a load from PostgreSQL (tracker.pg.schema.REPLICA_ONLY)."""
    if "measurement" in tables:
        counting.refresh_summary(replica)


_holding = threading.local()  # the PostgreSQL URL this thread holds alone (start_app's connect is inside)


@contextmanager
def _alone(path: str | Path | None):
    """On PostgreSQL, no other process's connect or start meanwhile (tracker.pg.exclusive); nothing on a DuckDB
    file, which one process holds."""
    url = pg_url(path)
    if url is None or getattr(_holding, "url", None) == url:
        yield
        return
    with pg.exclusive(url):
        _holding.url = url
        try:
            yield
        finally:
            _holding.url = None


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the tracker database; a writing connection brings its schema up to date and
    its catalogue tables to the catalogue on disk. A PostgreSQL URL (`--db`, TRACKER_DB) opens PostgreSQL with
    this process's DuckDB replica (tracker.pg): its catalogue tables live in the replica, so they are written
    even for reading (and a new catalogue version stored once)."""
    url = pg_url(path)
    if url is not None:
        with _alone(url):
            con = pg.connect(url, migrate=None if read_only else migrate, derive=_derive)
            try:
                ensure_catalogue(con, catalogue())
            except BaseException:
                con.close()
                raise
        return con
    con = db.open(path, read_only=read_only)
    if not read_only:
        migrate(con)
        ensure_catalogue(con, catalogue())
    return con


class Started(NamedTuple):
    con: duckdb.DuckDBPyConnection
    one_time: str | None  # the first administrator's one-time password, for the console (None: none made)
    demo_refused: str | None  # why the demo was not loaded (real submissions there), for the console


def start_app(path: str | Path, demo: bool = False) -> Started:
    """The app's connection at its start: connected, an import killed midway before this start settled and
    audited, on first start the first administrator, and with `demo` the demo campaign in an empty database
    and its accounts."""
    with _alone(path):
        con = connect(path)
        try:
            recover_interrupted(con)
            one_time = ensure_admin(con)
            return Started(con, one_time, _demo(con) if demo else None)
        except BaseException:  # a refused first administrator: the file is let go, the next start tries again
            con.close()
            raise


def _demo(con: duckdb.DuckDBPyConnection) -> str | None:
    """The demo loaded into an empty database and its accounts made; a database with real submissions gets
    neither, and the reason is returned."""
    refused = None
    try:
        if stored.is_empty(con):
            load_demo(con)
    except DemoRefused as exc:
        refused = str(exc)
    ensure_accounts(con)  # one per role, named on the sign-in page; only where the demo is
    return refused
