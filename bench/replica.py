"""The replica's load from PostgreSQL (issue 23): every replicated table read in one REPEATABLE READ snapshot and
put into the process's in-memory DuckDB, through ADBC (Arrow from PostgreSQL's binary COPY, in C) and through
psycopg 3's binary COPY (rows gathered in Python) — the faster is what tracker/pg/replica.py keeps.

    .venv/bin/python -m bench.replica [--measurements 1000000] [--tries 5]

PostgreSQL holds the demo (loaded into a DuckDB file, copied over by tracker.pg.transfer), optionally grown to
--measurements rows (the demo's figures repeated with new ids). Baseline in the same run (B): the same tables
copied from the demo's DuckDB file into an in-memory DuckDB — what reading them costs without a server. Printed:
each load's median, over B, and psycopg-COPY over ADBC; the goal is ADBC's demo load ≤ 0.5 s.
Needs a PostgreSQL the current user may create databases on (TRACKER_BENCH_PG, default Debian's socket)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from bench.common import median_seconds, report
from tracker import bootstrap, db, pg
from tracker.demo import load_demo
from tracker.pg import schema
from tracker.pg.connection import bump
from tracker.pg.replica import Replica
from tracker.pg.transfer import copy_from_duckdb

SERVER = os.environ.get("TRACKER_BENCH_PG", "postgresql:///postgres?host=/var/run/postgresql")


def _grow(con, measurements: int) -> None:
    """Repeat the demo's measurements with new ids until there are `measurements` rows."""
    have = con.execute("SELECT count(*) FROM measurement").fetchone()[0]
    if measurements <= have:
        return
    con.execute(
        """INSERT INTO measurement
           SELECT (SELECT max(id) FROM measurement) + row_number() OVER () AS id, * EXCLUDE (id)
           FROM (SELECT m.* FROM measurement m, range(?::BIGINT) r(i)) LIMIT ?""",
        [measurements // have + 1, measurements - have],
    )


def _full_load(replica: Replica) -> None:
    """Every table read whole, as a process's first load (what it loaded before is forgotten)."""
    replica.generations.clear()
    replica.load()


def _after_appends(url: str, replica: Replica, tries: int) -> float:
    """The median poll that follows a commit of 200 measurements elsewhere (only the new rows are fetched)."""
    times = []
    with psycopg.connect(url, autocommit=True) as writer:
        for _ in range(tries):
            with writer.transaction():
                writer.execute(
                    """INSERT INTO measurement (submission_id, metric, unit, area, period_start, period_end,
                           period_label, value, recorded_at)
                       SELECT submission_id, metric, unit, area, period_start, period_end, period_label, value,
                              recorded_at FROM measurement ORDER BY id LIMIT 200"""
                )
                bump(writer, {"measurement": False})
            start = time.perf_counter()
            assert replica.poll(force=True) == {"measurement"}
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measurements", type=int, default=0, help="grow the demo to this many measurements")
    parser.add_argument("--tries", type=int, default=5)
    args = parser.parse_args()

    os.environ.setdefault("TRACKER_KEY", str(Path(tempfile.mkdtemp()) / "tracker.key"))
    folder = Path(tempfile.mkdtemp(prefix="bench-replica-"))
    source = bootstrap.connect(folder / "demo.duckdb")
    load_demo(source, today=dt.date(2026, 11, 28))
    _grow(source, args.measurements)
    rows = {t: source.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in schema.TABLES}
    source.close()

    name = f"bench_replica_{uuid.uuid4().hex[:8]}"
    url = SERVER.replace("/postgres?", f"/{name}?", 1)
    with psycopg.connect(SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        pg.connect(url, migrate=bootstrap.migrate).close()  # migrated, nothing written yet
        copy_from_duckdb(db.open(folder / "demo.duckdb", read_only=True), url)

        local = db.open(":memory:")
        db.migrate(local)
        local.execute(f"ATTACH '{folder / 'demo.duckdb'}' AS src (READ_ONLY)")

        def baseline() -> None:
            local.execute("BEGIN TRANSACTION")
            for table in schema.TABLES:
                local.execute(f"DELETE FROM {table}")
                local.execute(f"INSERT INTO {table} BY NAME SELECT * FROM src.{table}")
            local.execute("COMMIT")

        replicas = {fetch: Replica(url, fetch=fetch) for fetch in ("adbc", "copy")}
        base = median_seconds(baseline, args.tries)
        times = {
            fetch: median_seconds(lambda r=r: _full_load(r), args.tries) for fetch, r in replicas.items()
        }
        loaded = replicas["adbc"].duck.execute("SELECT count(*) FROM measurement").fetchone()[0]
        assert loaded == rows["measurement"], (loaded, rows["measurement"])
        poll = median_seconds(lambda: replicas["adbc"].poll(force=True), args.tries * 4)
        after_write = _after_appends(url, replicas["adbc"], args.tries)
        for replica in replicas.values():
            replica.close()
    finally:
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print(f"measurements {rows['measurement']:,}, rows in all {sum(rows.values()):,}")
    print(f"B  baseline (DuckDB file → memory)  {base:8.3f} s")
    print(f"   ADBC load                         {times['adbc']:8.3f} s  = {times['adbc'] / base:5.1f} × B")
    print(f"   psycopg binary COPY load          {times['copy']:8.3f} s  = {times['copy'] / base:5.1f} × B")
    print(f"   psycopg COPY / ADBC               {times['copy'] / times['adbc']:8.1f} ×")
    print(f"   poll, nothing changed             {poll * 1000:8.1f} ms")
    print(f"   poll after 200 rows added         {after_write * 1000:8.1f} ms")
    report(
        {
            "measurements": rows["measurement"],
            "B_s": round(base, 4),
            "adbc_s": round(times["adbc"], 4),
            "copy_s": round(times["copy"], 4),
            "copy_over_adbc": round(times["copy"] / times["adbc"], 2),
            "poll_ms": round(poll * 1000, 2),
            "after_200_rows_ms": round(after_write * 1000, 2),
        }
    )


if __name__ == "__main__":
    main()
