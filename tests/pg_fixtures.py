"""PostgreSQL for the tests (issue 23): a throwaway database migrated once per session, and a copy of it per
test (CREATE DATABASE … TEMPLATE, a fraction of a second); `store` runs a test on the DuckDB file and on
PostgreSQL. Without a reachable PostgreSQL the PostgreSQL half skips, or fails when TRACKER_REQUIRE_PG=1
(.ci/run sets it). Import these fixtures into a test module: tests/conftest.py belongs to the core."""

from __future__ import annotations

import itertools
import os
import uuid

import psycopg
import pytest

from tracker import bootstrap, pg

__all__ = ["pg_empty", "pg_template", "pg_url", "store"]

SERVER = os.environ.get("TRACKER_TEST_PG", "postgresql:///postgres?host=/var/run/postgresql")
_copies = itertools.count()


def _admin() -> psycopg.Connection:
    return psycopg.connect(SERVER, autocommit=True)


def url_of(name: str) -> str:
    return SERVER.replace("/postgres?", f"/{name}?", 1)


def _drop(con: psycopg.Connection, name: str) -> None:
    con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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


@pytest.fixture
def pg_url(pg_template):
    """A fresh migrated PostgreSQL database for one test; dropped after it."""
    name = f"{pg_template}_{next(_copies)}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield url_of(name)
    with _admin() as admin:
        _drop(admin, name)


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
