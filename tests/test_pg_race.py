"""Writes that race on PostgreSQL (issue 23): two app processes starting together on an empty database, the same
raw file stored twice at once, two sessions acting on one task at once. Real processes and threads, no mock;
where the race exists on the DuckDB file too, the test runs there as well."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
import threading
import time
import uuid

import psycopg
import pytest

from tests import test_tasks
from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.pg_fixtures import _admin, _drop, url_of
from tests.test_hostile_actions import race
from tests.test_tasks import CITY, OFFICE, T0
from tracker import bootstrap
from tracker.config import ROOT
from tracker.config import pg_url as url_in
from tracker.db import transaction
from tracker.ingest import raw_files
from tracker.office import tasks
from tracker.office.tasks import TaskError
from tracker.pg.connection import StaleReplicaRead

# What the app runs on its start (app/webapp.py's one connection per process), after both children are ready.
STARTER = """
import sys
from app import webapp
print("ready", flush=True)
sys.stdin.readline()
con = webapp._connection(sys.argv[1])
con.close()
print("started", flush=True)
"""


@pytest.fixture
def pg_blank(pg_template):
    """An empty PostgreSQL database, never migrated: what an office's new server holds."""
    name = f"tracker_blank_{uuid.uuid4().hex[:10]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield url_of(name)
    with _admin() as admin:
        _drop(admin, name)


def _start_two(url: str, tmp_path) -> list[tuple[int, str, str]]:
    """Each child's exit code, what it printed, and its log on stderr (a file: the app logs at INFO there, and a
    full pipe would stall a child holding the start)."""
    env = {
        **os.environ,
        "TRACKER_DEMO": "1",
        "TRACKER_ADMIN_PASSWORD": "correct horse 9 start",
        "TRACKER_LOG_DIR": str(tmp_path / "logs"),
    }
    logs = [tmp_path / f"child{i}.err" for i in range(2)]
    errs = [log.open("w") for log in logs]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, url],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        for err in errs
    ]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        for child in children:  # both start together
            child.stdin.write("go\n")
            child.stdin.flush()
        codes = [c.wait(timeout=300) for c in children]
        return [
            (code, c.stdout.read(), log.read_text())
            for code, c, log in zip(codes, children, logs, strict=True)
        ]
    finally:
        for child, err in zip(children, errs, strict=True):
            child.kill()
            err.close()


@pytest.mark.parametrize("attempt", range(2))  # a race: more than one try
def test_two_apps_starting_together_on_an_empty_database(pg_blank, tmp_path, attempt):
    """One migration history, one first administrator, one demo, and neither process fails."""
    for code, out, err in _start_two(pg_blank, tmp_path):
        assert code == 0 and "started" in out, err[-3000:]
    con = bootstrap.connect(pg_blank)
    try:
        versions = con.execute("SELECT count(*), count(DISTINCT version) FROM schema_version").fetchone()
        assert versions[0] == versions[1] > 0
        admins = con.execute("SELECT name FROM app_user WHERE role = 'admin' AND name = 'admin'").fetchall()
        assert len(admins) == 1
        demo = con.execute(
            "SELECT count(*), count(DISTINCT (unit, submitted_at)) FROM submission WHERE is_demo"
        ).fetchone()
        assert demo[0] == demo[1] > 0  # one submission per unit and reporting moment in one demo
        rounds = con.execute("SELECT count(*), count(DISTINCT name) FROM inspection_round").fetchone()
        assert rounds[0] == rounds[1] > 0
        assert con.execute("SELECT count(*) FROM cat_version").fetchone() == (1,)
        named = con.execute("SELECT count(*), count(DISTINCT name) FROM app_user").fetchone()
        assert named[0] == named[1]
    finally:
        con.close()


def _until_blocked(store: str, sessions: int = 1) -> None:
    """Return once `sessions` sessions of this PostgreSQL database wait for a lock; on the DuckDB file another
    thread waits for the process's write lock, which cannot be seen: a moment then."""
    if url_in(store) is None:
        time.sleep(0.3)
        return
    with psycopg.connect(store, autocommit=True) as watcher:
        for _ in range(400):
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            ).fetchone()[0]
            if waiting >= sessions:
                return
            time.sleep(0.05)
    raise AssertionError(f"{sessions} sessions never waited together")


def _together(first, second) -> list[BaseException]:
    """Run `first` and `second` on two threads; what either raised."""
    failed: list[BaseException] = []

    def run(work) -> None:
        try:
            work()
        except BaseException as exc:  # collected: the test names it
            failed.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return failed


def test_the_same_bytes_stored_at_once_in_two_transactions(store):
    """Two sessions keep the same raw file at once, each inside its own transaction (a findings import, an
    upload): both go on, one row holds the bytes."""
    con = bootstrap.connect(store)
    data = "单位,指标,期间,数值\n城管执法局,10.3,2023年,81%\n".encode()
    sha = hashlib.sha256(data).hexdigest()
    first_stored, seen = threading.Event(), []

    def keep(wait: bool) -> None:
        cur = con.cursor()
        if wait:  # the first holds the bytes, not yet committed
            first_stored.wait(timeout=30)
        with transaction(cur):
            raw_files.store(cur, sha, data)
            if not wait:
                first_stored.set()
                _until_blocked(store)  # the other's insert waits on this row: commit now
            seen.append(cur.execute("SELECT count(*) FROM upload_file WHERE sha256 = ?", [sha]).fetchone()[0])

    try:
        assert _together(lambda: keep(False), lambda: keep(True)) == []
        assert seen == [1, 1]
        row = con.execute("SELECT bytes, packed FROM upload_file WHERE sha256 = ?", [sha]).fetchone()
        assert raw_files.unpack(row[0], row[1]) == data
    finally:
        con.close()


ON = dt.date(2024, 4, 30)
# One act done twice at once, and what the second must be told: the state it read is gone.
TWICE = {
    "close": (lambda c, t: tasks.close_task(c, OFFICE, t, reason="列入年度计划，专题研究", now=T0), "已销号"),
    "update": (lambda c, t: tasks.update_task(c, CITY, t, "awaiting_check", now=T0), "没有变化"),
    "edit": (lambda c, t: tasks.edit_task(c, OFFICE, t, deadline=dt.date(2024, 5, 31), now=T0), "没有变化"),
}


def _row_held_until_both_wait(store: str, task: int, held: threading.Event) -> None:
    """On PostgreSQL a third session holds the task's row until two sessions wait for a lock: both acts have
    begun before either ends (without a lock of their own both read the task as it was)."""
    with psycopg.connect(store) as third:
        third.execute("SELECT 1 FROM task WHERE id = %s FOR UPDATE", [task])
        held.set()
        _until_blocked(store, sessions=2)


@pytest.mark.parametrize("act", TWICE)
def test_one_task_acted_on_twice_at_once(store, act):
    """Two sessions close (update, edit) one task at once: one does it, the other is refused in Chinese, and
    the ledger keeps one change."""
    con = bootstrap.connect(store)
    test_tasks.seed(con)
    task = tasks.open_task(con, OFFICE, "10.3", "购置洗扫车", ON, now=T0)
    call, said = TWICE[act]
    held = threading.Event()
    holder = None
    if url_in(store) is not None:
        holder = threading.Thread(target=_row_held_until_both_wait, args=(store, task, held))
        holder.start()
        assert held.wait(timeout=30)
    try:
        results = race(con, lambda c: call(c, task), lambda c: call(c, task))
        if holder is not None:
            holder.join(timeout=60)
        refused = [r for r in results if isinstance(r, TaskError)]
        assert len(refused) == 1 and said in str(refused[0]), results
        assert [r for r in results if not isinstance(r, TaskError)] == [None]
        changes = con.execute("SELECT count(*) FROM task_event WHERE task_id = ?", [task]).fetchone()[0]
        assert changes == 2  # opened, and the one change
    finally:
        con.close()


def test_a_replica_read_of_a_table_the_transaction_changed_fails_loudly(pg_url):
    """Inside a transaction a statement that reads a replica-only table (the catalogue's) runs in the replica,
    which has not seen this transaction's change of the PostgreSQL table beside it: refused, not answered with
    the row as it was."""
    con = bootstrap.connect(pg_url)
    try:
        test_tasks.seed(con)
        task = tasks.open_task(con, OFFICE, "10.3", "购置洗扫车", ON, now=T0)
        both = "SELECT t.status FROM task t JOIN cat_metric c ON c.metric = t.metric WHERE t.id = ?"
        with pytest.raises(StaleReplicaRead, match="reads task in the replica"), transaction(con):
            con.execute("UPDATE task SET status = 'in_progress' WHERE id = ?", [task])
            con.execute(both, [task]).fetchall()
        with transaction(con):  # what the transaction did not change is read in the replica as before
            assert con.execute(both, [task]).fetchall() == [("open",)]
            con.execute("UPDATE task SET status = 'in_progress' WHERE id = ?", [task])
            assert con.execute("SELECT status FROM task WHERE id = ?", [task]).fetchall() == [
                ("in_progress",)
            ]
        assert con.execute(both, [task]).fetchall() == [("in_progress",)]  # after COMMIT, the replica has it
    finally:
        con.close()


# ---------------------------------------------------------------- an import in flight in another process


def test_another_process_opening_the_database_leaves_an_import_in_flight_alone(pg_url):
    """On PostgreSQL every worker and every command opens the database while others import: an opening settles
    only submissions pending for longer than any import takes — not the one another process is writing now."""
    from tracker.ingest import service

    importing = bootstrap.connect(pg_url)  # a worker that has stored the raw file and is still validating
    data = "单位,指标,期间,数值\n城管执法局,10.3,2023年,81%\n".encode()
    sid = service.store_raw_file(
        importing, "城管.csv", data, hashlib.sha256(data).hexdigest(), "城管执法局", "城管张"
    )
    opening = bootstrap.connect(pg_url)  # a command run meanwhile (tracker.cli.opening settles on open)
    try:
        assert service.recover_interrupted(opening) == 0
        message = opening.execute("SELECT message FROM submission WHERE id = ?", [sid]).fetchone()[0]
        assert "中断" not in message
        with transaction(importing):  # a worker killed long ago left it pending: the next opening settles it
            importing.execute(
                "UPDATE submission SET submitted_at = submitted_at - INTERVAL '1 hour' WHERE id = ?", [sid]
            )
        time.sleep(1)  # the other process's replica polls at most every 0.5 s
        assert service.recover_interrupted(opening) == 1
        message = opening.execute("SELECT message FROM submission WHERE id = ?", [sid]).fetchone()[0]
        assert "中断" in message
    finally:
        opening.close()
        importing.close()
