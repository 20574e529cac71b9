"""A database ready for the tracker: open (tracker.db) → migrate, with the Python steps some migrations need →
the catalogue tables; and at the app's start, an import killed midway settled and the first administrator.

Every caller opens through here, so the layers below never reach up: tracker.db opens and migrates and
knows nothing of the audit chain or the engine (issue 25)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tracker import db, pg
from tracker.access import audit
from tracker.access.users import ensure_admin
from tracker.catalogue import catalogue
from tracker.config import pg_url
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
    steps = AFTER_MIGRATION if isinstance(con, duckdb.DuckDBPyConnection) else {}
    db.migrate(con, upto=upto, after=steps)


def _derive(replica: duckdb.DuckDBPyConnection, tables: set[str]) -> None:
    """The replica's derivations after a load from PostgreSQL (tracker.pg.schema.REPLICA_ONLY)."""
    if "measurement" in tables:
        counting.refresh_summary(replica)


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the tracker database; a writing connection brings its schema up to date and
    its catalogue tables to the catalogue on disk. A PostgreSQL URL (`--db`, TRACKER_DB) opens PostgreSQL with
    this process's DuckDB replica (tracker.pg): its catalogue tables live in the replica, so they are written
    even for reading."""
    url = pg_url(path)
    if url is not None:
        con = pg.connect(url, migrate=None if read_only else migrate, derive=_derive)
        ensure_catalogue(con, catalogue())
        return con
    con = db.open(path, read_only=read_only)
    if not read_only:
        migrate(con)
        ensure_catalogue(con, catalogue())
    return con


def start_app(path: str | Path) -> tuple[duckdb.DuckDBPyConnection, str | None]:
    """The app's connection at its start: connected, an import killed midway before this start settled and
    audited, and on first start the first administrator. Returns the connection and that administrator's
    one-time password (None when there is none to print)."""
    con = connect(path)
    try:
        recover_interrupted(con)
        return con, ensure_admin(con)
    except BaseException:  # a refused first administrator: the file is let go, the next start tries again
        con.close()
        raise
