"""Accounts, sign-in sessions, the login throttle and the audit chain on both stores (issue 23, step 2). The
account tests of tests/test_users.py run here again on PostgreSQL, unchanged; the chain is appended to by two
processes at once and stays one chain."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading

import pytest

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.test_users import *  # noqa: F403 (every account test, run again with `con` on PostgreSQL)
from tracker import bootstrap
from tracker.access import audit
from tracker.access.auth import SYSTEM
from tracker.access.users import AccountError, authenticate, create_user
from tracker.config import ROOT

T0 = dt.datetime(2026, 12, 6, 9, 0)


@pytest.fixture
def con(pg_url):
    """tests/test_users.py's connection, on PostgreSQL."""
    connection = bootstrap.connect(pg_url)
    yield connection
    connection.close()


def test_a_flood_of_failed_sign_ins_is_paused(store):
    con = bootstrap.connect(store)
    try:
        said = []
        for i in range(12):
            with pytest.raises(AccountError) as refused:
                authenticate(
                    con, f"guess{i}", "wrong password 1", now=T0 + dt.timedelta(seconds=i), client="t"
                )
            said.append(str(refused.value))
        assert all(s.startswith("账号或密码错误") for s in said[:10]) and "尝试次数过多" in said[10]
        throttled = con.execute("SELECT count(*) FROM audit_log WHERE action = 'login_throttled'").fetchone()
        assert throttled == (1,)
        create_user(con, SYSTEM, "leader1", "leader", "correct horse 9")
        actor, _ = authenticate(
            con, "leader1", "correct horse 9", now=T0 + dt.timedelta(seconds=75), client="t"
        )
        assert actor.name == "leader1" and audit.verify(con).ok
    finally:
        con.close()


def test_bulk_appends_are_chained(store):
    con = bootstrap.connect(store)
    try:
        audit.record(con, "a", "login")
        n = audit.append_select(
            con,
            "INSERT INTO audit_log (happened_at, actor, action, target) "
            "SELECT now()::TIMESTAMP, 'a', 'value_replaced', 'm' || i FROM range(3) t(i)",
        )
        audit.record(con, "a", "logout")
        check = audit.verify(con)
        assert n == 3 and check.ok and check.entries == 5, check.message
    finally:
        con.close()


def test_threads_appending_keep_one_chain(store):
    con = bootstrap.connect(store)

    def work(k: int) -> None:
        cur = con.cursor()
        for i in range(10):
            audit.record(cur, f"u{k}", "login", detail=str(i))

    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check = audit.verify(con)
        assert check.ok and check.entries == 30, check.message
    finally:
        con.close()


APPENDER = """
import sys
from tracker import bootstrap
from tracker.access import audit
con = bootstrap.connect(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
for i in range(int(sys.argv[3])):
    audit.record(con, sys.argv[2], "login", detail=str(i))
con.close()
"""


def test_two_processes_appending_keep_one_chain(pg_url):
    """Two processes append at once: the head's row lock on PostgreSQL orders them into one chain."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, pg_url, name, "40"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("p1", "p2")
    ]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        for child in children:  # both start appending together
            child.stdin.write("go\n")
            child.stdin.flush()
        for child in children:
            assert child.wait(timeout=120) == 0
    finally:
        for child in children:
            child.kill()
    con = bootstrap.connect(pg_url)
    try:
        check = audit.verify(con)
        assert check.ok and check.entries == 80, check.message
        actors = [r[0] for r in con.execute("SELECT actor FROM audit_log ORDER BY id").fetchall()]
        assert actors.count("p1") == actors.count("p2") == 40
        assert any(a != b for a, b in zip(actors, actors[1:], strict=False))  # they did interleave
    finally:
        con.close()
