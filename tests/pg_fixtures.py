"""PostgreSQL for the tests (issue 23): a throwaway database migrated once per session, and a copy of it per
test (CREATE DATABASE … TEMPLATE, made one test ahead by a thread: _Copies); `store` runs a test on the DuckDB file and on
PostgreSQL. Without a reachable PostgreSQL the PostgreSQL half skips, or fails when TRACKER_REQUIRE_PG=1
(.ci/run sets it). Import these fixtures into a test module: tests/conftest.py belongs to the core."""

from __future__ import annotations

import itertools
import os
import queue
import threading
import uuid

import psycopg
import pytest

from tracker import bootstrap, pg

__all__ = ["_pg_copies", "pg_empty", "pg_template", "pg_url", "store"]

SERVER = os.environ.get("TRACKER_TEST_PG", "postgresql:///postgres?host=/var/run/postgresql")
_copies = itertools.count()


def _admin() -> psycopg.Connection:
    return psycopg.connect(SERVER, autocommit=True)


def url_of(name: str) -> str:
    return SERVER.replace("/postgres?", f"/{name}?", 1)


def _drop(con: psycopg.Connection, name: str) -> None:
    con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def end_every_connection(url: str) -> None:
    """What a restart of the PostgreSQL server does to the connections open on the database `url`: every one ends."""
    with _admin() as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [_name(url)]
        )


def allow_connections(url: str, allowed: bool) -> None:
    """The database `url` refusing connections and every connection it had ended, as while its server restarts
    (allowed False); or taking them again."""
    with _admin() as admin:
        admin.execute(f'ALTER DATABASE "{_name(url)}" ALLOW_CONNECTIONS {str(allowed).lower()}')
    if not allowed:
        end_every_connection(url)


def _name(url: str) -> str:
    return psycopg.conninfo.conninfo_to_dict(url)["dbname"]


@pytest.fixture(scope="session")
def pg_template():
    """The name of a database the tracker migrated, left alone: each test's database is its copy."""
    try:
        admin = _admin()
    except psycopg.OperationalError as exc:
        if os.environ.get("TRACKER_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL is required (TRACKER_REQUIRE_PG=1) and not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    name = f"tracker_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        bootstrap.connect(url_of(name)).close()
        yield name
    finally:
        _drop(admin, name)
        admin.close()


class _Copies:
    """Copies of the template made one test ahead, and dropped after their test, by a thread of their own: a
    CREATE DATABASE waits on the server's disk (its WAL flushed), which a test need not wait for."""

    def __init__(self, template: str):
        self.template = template
        self.jobs: queue.Queue = queue.Queue()  # ("make" | "drop", name), None to stop; done in order
        self.ready: queue.Queue = queue.Queue()  # (name, the error making it or None)
        self.thread = threading.Thread(target=self._work, name="pg-copies", daemon=True)
        self.thread.start()
        self._order()

    def _order(self) -> None:
        self.jobs.put(("make", f"{self.template}_{next(_copies)}"))

    def _work(self) -> None:
        with _admin() as admin:
            while (job := self.jobs.get()) is not None:
                what, name = job
                try:
                    if what == "make":
                        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
                    else:
                        _drop(admin, name)
                except Exception as exc:  # told to the test that takes it
                    if what == "make":
                        self.ready.put((name, exc))
                    continue
                if what == "make":
                    self.ready.put((name, None))

    def take(self) -> str:
        name, error = self.ready.get(timeout=600)
        self._order()  # the next test's copy is made while this one runs
        if error is not None:
            raise error
        return name

    def give_back(self, name: str) -> None:
        self.jobs.put(("drop", name))

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join()
        with _admin() as admin:  # the copy made ahead for no test
            while not self.ready.empty():
                _drop(admin, self.ready.get()[0])


@pytest.fixture(scope="session")
def _pg_copies(pg_template):
    copies = _Copies(pg_template)
    yield copies
    copies.close()


@pytest.fixture
def pg_url(_pg_copies):
    """A fresh migrated PostgreSQL database for one test (a copy of the template); dropped after it."""
    name = _pg_copies.take()
    yield url_of(name)
    _pg_copies.give_back(name)


@pytest.fixture
def pg_empty(pg_template):
    """A PostgreSQL database migrated and nothing else (no catalogue version, no audit entry): for a copy of a
    DuckDB file (tracker.pg.transfer)."""
    name = f"{pg_template}_{next(_copies)}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    pg.connect(url_of(name), migrate=bootstrap.migrate).close()
    yield url_of(name)
    with _admin() as admin:
        _drop(admin, name)


@pytest.fixture(params=["duckdb", "postgres"])
def store(request, tmp_path) -> str:
    """Where a test's database lives: a DuckDB file, or a PostgreSQL URL (its own fresh database)."""
    if request.param == "duckdb":
        return str(tmp_path / "tracker.duckdb")
    return request.getfixturevalue("pg_url")
