"""The catalogue as tables (cat_metric, cat_metric_area) that the rule kinds' SQL joins.

Written when the catalogue changes — when a writing connection opens the database (tracker.bootstrap.connect) — and
audited with the rules before and after; never by an evaluation. A reader whose stored tables are older than
the catalogue it evaluates (a read-only connection, a test's own catalogue) gets temporary tables of that
catalogue on its own connection, which shadow the stored ones and write nothing to the file.
"""

from __future__ import annotations

import hashlib
import json
import threading

import duckdb

from indicators.rules import REGISTRY
from tracker.access import audit
from tracker.catalogue import Catalogue
from tracker.config import settings
from tracker.db import transaction
from tracker.engine import catalogue_versions

COLUMNS = """metric VARCHAR PRIMARY KEY, item INTEGER, kind VARCHAR, period VARCHAR, scope VARCHAR,
             reporter VARCHAR, uom VARCHAR, op VARCHAR, threshold DOUBLE, direction VARCHAR, years INTEGER,
             against VARCHAR, deadline_days INTEGER, veto BOOLEAN, events BOOLEAN, rule JSON"""


def _rows(cat: Catalogue) -> tuple[list[tuple], list[tuple]]:
    deadlines = settings()["deadline_days"]
    metrics = [
        (
            m.code,
            m.item,
            m.kind,
            m.period,
            m.scope,
            m.reporter,
            m.unit,
            m.rule.get("op"),
            m.threshold,
            m.rule.get("direction"),
            m.rule.get("years", 3),
            m.rule.get("against"),
            deadlines[m.period],
            REGISTRY[m.kind].veto,
            REGISTRY[m.kind].events,
            json.dumps(m.rule, ensure_ascii=False, sort_keys=True, default=str),
        )
        for m in cat.metrics
    ]
    areas = [(m.code, area) for m in cat.metrics for area in m.areas]
    return metrics, areas


def _fingerprinted(cat: Catalogue) -> tuple[str, list, list]:
    """The catalogue's rows and their hash (about a millisecond: computed afresh, so an edited rule shows)."""
    metrics, areas = _rows(cat)
    return hashlib.sha256(json.dumps([metrics, areas], default=str).encode()).hexdigest(), metrics, areas


_LOCK = threading.Lock()  # cursors of one process would otherwise race to write the tables


def _stored_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute("SELECT fingerprint FROM cat_info").fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def ensure_catalogue(con: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    """Write the catalogue's tables into the database when they differ from it (start-up, migration)."""
    fingerprint, metrics, areas = _fingerprinted(cat)
    with _LOCK:
        if _stored_fingerprint(con) != fingerprint:
            _write(con, cat, metrics, areas, fingerprint)
        else:  # tables written before versions were kept, and no version seeded from them
            catalogue_versions.record(con, cat, fingerprint)


def use_catalogue(con: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    """Make cat_metric/cat_metric_area on this connection describe `cat`, without writing to the file."""
    fingerprint, metrics, areas = _fingerprinted(cat)
    if _stored_fingerprint(con) == fingerprint:
        # Stored tables are current; a temporary copy left by an earlier catalogue would shadow them.
        if con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'cat_metric'"
        ).fetchone()[0]:
            con.execute("DROP TABLE temp.cat_metric")
            con.execute("DROP TABLE temp.cat_metric_area")
        return
    con.execute(f"CREATE OR REPLACE TEMP TABLE cat_metric ({COLUMNS})")
    con.execute("CREATE OR REPLACE TEMP TABLE cat_metric_area (metric VARCHAR, area VARCHAR)")
    _fill(con, "temp.", metrics, areas)


def _fill(con, schema: str, metrics: list[tuple], areas: list[tuple]) -> None:
    _insert(con, f"{schema}cat_metric", metrics)
    _insert(con, f"{schema}cat_metric_area", areas)


def _insert(con, table: str, rows: list[tuple]) -> None:
    """All `rows` in one INSERT of many VALUES: DuckDB's executemany runs a statement per row, 0.35 s for the
    catalogue's 190 rows — paid by every connection to PostgreSQL (its replica starts empty), every command there."""
    if not rows:
        return
    one = f"({', '.join('?' * len(rows[0]))})"
    con.execute(
        f"INSERT INTO {table} VALUES {', '.join([one] * len(rows))}", [v for row in rows for v in row]
    )


def _write(con, cat: Catalogue, metrics: list[tuple], areas: list[tuple], fingerprint: str) -> None:
    """Replace the stored tables, store the catalogue's version, and audit which metrics' rules changed (before
    and after)."""
    had = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE NOT temporary AND table_name = 'cat_metric'"
    ).fetchone()[0]
    old = {r[0]: list(r) for r in con.execute("SELECT * FROM main.cat_metric").fetchall()} if had else {}
    new = {r[0]: list(r) for r in json.loads(json.dumps(metrics, default=str))}
    old = {k: json.loads(json.dumps(v, default=str)) for k, v in old.items()}
    changed = sorted(code for code in old.keys() | new.keys() if old.get(code) != new.get(code))
    with transaction(con):
        con.execute("CREATE TABLE IF NOT EXISTS cat_info (fingerprint VARCHAR)")
        con.execute(f"CREATE OR REPLACE TABLE main.cat_metric ({COLUMNS})")
        con.execute("CREATE OR REPLACE TABLE main.cat_metric_area (metric VARCHAR, area VARCHAR)")
        _fill(con, "main.", metrics, areas)
        con.execute("DELETE FROM cat_info")
        con.execute("INSERT INTO cat_info VALUES (?)", [fingerprint])
        catalogue_versions.record(con, cat, fingerprint)
        # A table of another shape is an upgrade of the tables, not a change of the rules.
        if old and changed and len(next(iter(old.values()))) == len(metrics[0]):
            audit.record(
                con,
                "system",
                "catalogue_change",
                f"{len(changed)}个指标",
                before={c: old.get(c) for c in changed},
                after={c: new.get(c) for c in changed},
                detail=f"指标目录（indicators/）已修改，新版本 {fingerprint[:12]}",
            )
