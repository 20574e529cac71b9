"""PostgreSQL as the system of record (issue 23, step 1): the migrations translated, the replica loaded through
Arrow, a write read back through the replica, another process's replica following within the poll, and the
connection answering as DuckDB's does — each on both stores where both apply."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import duckdb
import psycopg
import pytest

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.pg_fixtures import end_every_connection
from tracker import bootstrap, db
from tracker.config import DEFAULT_DB, ROOT
from tracker.config import pg_url as config_pg_url
from tracker.engine.evaluate import evaluate
from tracker.logs import log_dir
from tracker.pg import failures, schema, sql
from tracker.pg import replica as replica_module
from tracker.pg.transfer import copy_from_duckdb

NOW = dt.datetime(2026, 12, 6, 9, 30)


def test_a_url_is_told_from_a_path(monkeypatch):
    monkeypatch.delenv("TRACKER_DB", raising=False)
    assert config_pg_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert config_pg_url("postgres:///db") == "postgres:///db"
    assert config_pg_url("data/tracker.duckdb") is None
    assert config_pg_url(None) is None
    monkeypatch.setenv("TRACKER_DB", "postgresql:///x")
    assert config_pg_url(None) == "postgresql:///x"


def test_a_postgresql_database_logs_into_data_logs(monkeypatch):
    monkeypatch.delenv("TRACKER_LOG_DIR", raising=False)
    assert log_dir("postgresql:///x?host=/var/run/postgresql") == DEFAULT_DB.parent / "logs"


def test_parameters_bind_as_psycopg_wants_them():
    assert sql.pyformat("SELECT ? WHERE a = ?") == "SELECT %s WHERE a = %s"
    assert sql.pyformat("x ILIKE '%' || $text || '%'") == "x ILIKE '%%' || %(text)s || '%%'"
    assert sql.pyformat("SELECT '?', $a") == "SELECT '?', %(a)s"  # a literal is left alone


def test_a_script_splits_into_statements_without_comments():
    script = "CREATE TABLE a (x VARCHAR); -- a; comment\nINSERT INTO a VALUES ('x;y');\n"
    assert sql.split(script) == ["CREATE TABLE a (x VARCHAR)", "INSERT INTO a VALUES ('x;y')"]
    assert sql.target("INSERT INTO audit_log (id) VALUES (1)") == "audit_log"
    assert sql.target("CREATE OR REPLACE TABLE main.cat_metric (a INT)") == "cat_metric"
    assert sql.verb("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x") == "INSERT"


def test_migrations_translate_to_postgresql():
    assert schema.translate("CREATE TABLE t (b BLOB, d DOUBLE, l VARCHAR[], h HUGEINT)")[0] == (
        "CREATE TABLE t (b BYTEA, d DOUBLE PRECISION, l TEXT[], h NUMERIC(39))"
    )
    skipped, why = schema.translate("CREATE TABLE latest_by_unit (key HUGEINT)")
    assert skipped is None and "replica" in why
    skipped, why = schema.translate("INSERT INTO c SELECT a, min(id) FROM s GROUP BY ALL")
    assert skipped is None and "older DuckDB file" in why
    assert "measurement" in schema.TABLES and "latest_by_unit" not in schema.TABLES
    assert "audit_id" in schema.SEQUENCES


def test_postgresql_holds_the_schema_and_its_version(pg_url):
    con = bootstrap.connect(pg_url)
    try:
        with psycopg.connect(pg_url) as direct:  # PostgreSQL itself, not the replica
            names = {
                r[0]
                for r in direct.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                ).fetchall()
            }
        assert set(schema.TABLES) | schema.PG_ONLY <= names
        assert not names & schema.REPLICA_ONLY.keys()
        assert db.schema_version(con) == max(v for v, _ in bootstrap.db.MIGRATIONS)
        assert con.execute("SELECT count(*) FROM cat_metric").fetchone()[0] > 100  # the replica's own
    finally:
        con.close()


def _write_user(con, name: str) -> None:
    with db.transaction(con):
        con.execute(
            "INSERT INTO app_user (name, role, salt, pw_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            [name, "leader", b"\x00salt", b"\x01hash", NOW],
        )


def test_a_write_reads_back(store):
    con = bootstrap.connect(store)
    try:
        _write_user(con, "读回")
        row = con.execute("SELECT name, salt, created_at FROM app_user WHERE name = ?", ["读回"]).fetchone()
        assert (row[0], bytes(row[1]), row[2]) == ("读回", b"\x00salt", NOW)
        # Outside a transaction a write is its own; DuckDB's answer to an UPDATE (the count) is kept.
        assert con.execute("UPDATE app_user SET role = 'admin' WHERE name = ?", ["读回"]).fetchall() == [(1,)]
        assert con.execute("SELECT role FROM app_user WHERE name = '读回'").fetchone() == ("admin",)
    finally:
        con.close()


def test_a_failed_transaction_leaves_nothing(store):
    con = bootstrap.connect(store)
    try:
        with pytest.raises(RuntimeError), db.transaction(con):
            _write_user(con, "回滚")
            raise RuntimeError("midway")
        assert con.execute("SELECT count(*) FROM app_user WHERE name = '回滚'").fetchone() == (0,)
        _write_user(con, "唯一")
        with pytest.raises(duckdb.ConstraintException):  # PostgreSQL's refusal, as DuckDB's
            _write_user(con, "唯一")
    finally:
        con.close()


def test_another_connection_sees_the_write_after_the_poll(pg_url):
    first, second = bootstrap.connect(pg_url), bootstrap.connect(pg_url)
    try:
        assert second.execute("SELECT count(*) FROM app_user WHERE name = '远处'").fetchone() == (0,)
        _write_user(first, "远处")
        deadline = time.monotonic() + 2
        while second.execute("SELECT count(*) FROM app_user WHERE name = '远处'").fetchone() == (0,):
            assert time.monotonic() < deadline, "the second replica did not follow within 2 s"
            time.sleep(0.05)
    finally:
        first.close()
        second.close()


def _noticed(con) -> None:
    """Wait (2 s at most) until the connection's process has heard another's write announced."""
    replica = con.store.replica
    deadline = time.monotonic() + 2
    while replica.notices.count == replica.seen:
        assert time.monotonic() < deadline, "no notice of the write arrived within 2 s"
        time.sleep(0.01)


def test_a_write_elsewhere_is_read_as_soon_as_it_is_announced(pg_url, monkeypatch):
    """Issue 23's propagation: the other process's replica reloads on the write's NOTIFY, not at its next timed
    poll (here one a minute away)."""
    monkeypatch.setattr(replica_module, "POLL_SECONDS", 60)
    first, second = bootstrap.connect(pg_url), bootstrap.connect(pg_url)
    try:
        assert second.execute("SELECT count(*) FROM app_user WHERE name = '即时'").fetchone() == (0,)
        _write_user(first, "即时")
        _noticed(second)
        assert second.execute("SELECT count(*) FROM app_user WHERE name = '即时'").fetchone() == (1,)
    finally:
        first.close()
        second.close()


def test_with_nothing_announced_a_read_asks_postgresql_nothing(pg_url, monkeypatch):
    con = bootstrap.connect(pg_url)
    try:
        replica = con.store.replica
        asked = []
        monkeypatch.setattr(replica, "_read", lambda tables: asked.append(tables))
        monkeypatch.setattr(replica_module, "POLL_SECONDS", 0)  # the timed poll would ask at every read
        replica.polled = time.monotonic()
        assert replica.poll() == set() and con.execute("SELECT count(*) FROM app_user").fetchone()
        assert asked == []
    finally:
        con.close()


def test_when_the_listener_is_lost_reads_fall_back_to_the_timed_poll(pg_url, monkeypatch):
    monkeypatch.setattr(replica_module, "POLL_SECONDS", 0)
    first, second = bootstrap.connect(pg_url), bootstrap.connect(pg_url)
    try:
        notices = second.store.replica.notices
        with psycopg.connect(pg_url, autocommit=True) as admin:  # the listener's connection ends under it
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND datname = current_database() AND query ILIKE 'LISTEN%'"
            )
        deadline = time.monotonic() + 2
        while notices.alive:
            assert time.monotonic() < deadline, "the lost listener was not noticed"
            time.sleep(0.01)
        _write_user(first, "照旧")
        assert second.execute("SELECT count(*) FROM app_user WHERE name = '照旧'").fetchone() == (1,)
    finally:
        first.close()
        second.close()


def test_after_postgresql_restarts_the_next_write_and_read_succeed(pg_url, monkeypatch):
    """A restarted server costs nobody a failed click: the pool's idle connections, the replica's loader and the
    listener were all cut; the next write goes through, the other process reads it as soon as it is announced,
    and the listener is back (no fall-back to the timed poll for the rest of the process's life)."""
    monkeypatch.setattr(replica_module, "POLL_SECONDS", 60)
    monkeypatch.setattr(replica_module, "CHECK_SECONDS", 60)  # only what is announced is read
    first, second = bootstrap.connect(pg_url), bootstrap.connect(pg_url)
    try:
        _write_user(first, "重启前")
        _noticed(second)
        assert second.execute("SELECT count(*) FROM app_user WHERE name = '重启前'").fetchone() == (1,)
        end_every_connection(pg_url)
        _write_user(first, "重启后")
        deadline = time.monotonic() + 5
        while second.execute("SELECT count(*) FROM app_user WHERE name = '重启后'").fetchone() == (0,):
            assert time.monotonic() < deadline, "the other process did not read the write after the restart"
            time.sleep(0.05)
        notices = second.store.replica.notices
        while not notices.alive:
            assert time.monotonic() < deadline, "the listener did not come back"
            time.sleep(0.05)
        _write_user(first, "再写")
        _noticed(second)
        assert second.execute("SELECT count(*) FROM app_user WHERE name = '再写'").fetchone() == (1,)
    finally:
        first.close()
        second.close()


def test_a_connection_numbered_above_1023_is_checked_too(pg_url):
    """A server process holds many files (every browser's socket): the pool's check of an idle connection must
    work for a descriptor select() refuses (1024 and up), or every statement would open a new connection."""
    store = bootstrap.connect(pg_url).store
    con = store.borrow()
    high = os.dup2(con.fileno(), 1500)  # the same socket under a high number
    try:
        assert failures.ready([high], 0) == set()  # idle: nothing to read
        store.give_back(con)
        end_every_connection(pg_url)
        deadline = time.monotonic() + 2
        while not failures.ready([high], 0):
            assert time.monotonic() < deadline, "the server's goodbye never arrived"
            time.sleep(0.01)
    finally:
        os.close(high)
        store.close()


def test_a_temporary_table_feeds_an_insert_on_postgresql(pg_url):
    con = bootstrap.connect(pg_url)
    try:
        with db.transaction(con):
            con.execute("CREATE OR REPLACE TEMP TABLE _names AS SELECT 'n' || i AS name FROM range(3) t(i)")
            con.execute(
                "INSERT INTO national_setting (key, value, set_at, set_by) "
                "SELECT name, 'v', TIMESTAMP '2026-12-06 09:30:00', 'test' FROM _names"
            )
        assert con.execute("SELECT count(*) FROM national_setting").fetchone() == (3,)
        with psycopg.connect(pg_url) as direct:  # on PostgreSQL itself, not only in the replica
            assert direct.execute("SELECT count(*) FROM national_setting").fetchone() == (3,)
    finally:
        con.close()


SECOND_PROCESS = """
import sys, time
from tracker import bootstrap
con = bootstrap.connect(sys.argv[1])
deadline = time.monotonic() + 10
while con.execute("SELECT count(*) FROM app_user WHERE name = '另一进程'").fetchone()[0] == 0:
    if time.monotonic() > deadline:
        sys.exit("not seen")
    time.sleep(0.05)
print("seen", flush=True)
"""


def test_another_process_sees_the_write(pg_url):
    child = subprocess.Popen(
        [sys.executable, "-c", SECOND_PROCESS, pg_url], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    con = bootstrap.connect(pg_url)
    try:
        time.sleep(0.5)
        _write_user(con, "另一进程")
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 0 and out.strip() == "seen"
    finally:
        child.kill()
        con.close()


def test_the_demo_evaluates_the_same_on_postgresql(demo_pristine, pg_empty):
    """The demo's rows copied into PostgreSQL: the replica's evaluation is the file's, item by item."""
    source = db.open(demo_pristine, read_only=True)
    try:
        copied = copy_from_duckdb(source, pg_empty)
    finally:
        source.close()
    assert copied["measurement"] > 1000
    on_file, on_pg = bootstrap.connect(demo_pristine, read_only=True), bootstrap.connect(pg_empty)
    try:
        day = dt.date(2026, 11, 28)
        ours, theirs = evaluate(on_file, day), evaluate(on_pg, day)
        columns = ["item", "status", "veto_risk"]
        assert ours.items[columns].to_dict("records") == theirs.items[columns].to_dict("records")
        assert list(ours.metrics["reason"]) == list(theirs.metrics["reason"])
        assert (
            on_pg.execute("SELECT count(*) FROM latest_by_unit").fetchone()[0] > 0
        )  # derived after the load
    finally:
        on_file.close()
        on_pg.close()


def test_rows_added_are_fetched_alone_and_anything_else_reloads_the_table(pg_url, monkeypatch):
    """audit_log and measurement only grow: a replica fetches the rows past its newest id; ids committed out of
    order, or a row updated, make it read the whole table again."""
    writer, reader = bootstrap.connect(pg_url), bootstrap.connect(pg_url)
    late = writer.cursor()
    replica = reader.store.replica
    how = []
    real = replica._added

    def spied(*args):
        found = real(*args)
        how.append(found is not None)
        return found

    monkeypatch.setattr(replica, "_added", spied)

    def actors() -> list[str]:
        replica.poll(force=True)
        return [r[0] for r in reader.execute("SELECT actor FROM audit_log ORDER BY id").fetchall()]

    add = "INSERT INTO audit_log (happened_at, actor, action) VALUES (?, ?, 'x')"
    try:
        assert actors() == []
        late.execute("BEGIN TRANSACTION")
        late.execute(add, [NOW, "late"])  # takes its id first, commits last
        writer.execute(add, [NOW, "early"])
        assert actors() == ["early"] and how[-1] is True
        late.execute("COMMIT")
        assert actors() == ["late", "early"] and how[-1] is False  # the counts did not add up
        writer.execute("UPDATE audit_log SET actor = 'changed' WHERE actor = 'early'")
        assert actors() == ["late", "changed"]
    finally:
        writer.close()
        reader.close()
