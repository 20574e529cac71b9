"""Writes that race on PostgreSQL (issue 23): two app processes starting together on an empty database, the same
raw file stored twice at once, two sessions acting on one task at once. Real processes and threads, no mock;
where the race exists on the DuckDB file too, the test runs there as well."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.pg_fixtures import _admin, _drop, url_of
from tracker import bootstrap
from tracker.config import ROOT

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
    env = {
        **os.environ,
        "TRACKER_DEMO": "1",
        "TRACKER_ADMIN_PASSWORD": "correct horse 9 start",
        "TRACKER_LOG_DIR": str(tmp_path / "logs"),
    }
    children = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, url],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        for child in children:  # both start together
            child.stdin.write("go\n")
            child.stdin.flush()
        return [(c.wait(timeout=300), c.stdout.read(), c.stderr.read()) for c in children]
    finally:
        for child in children:
            child.kill()


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
