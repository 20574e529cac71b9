"""Shared fixtures: a temporary DuckDB file, and one with the demo campaign loaded at a fixed today; the
migrated template every new test database starts from; the Hypothesis profiles."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

from tracker import bootstrap, db
from tracker.demo import load_demo

TODAY = dt.date(2026, 11, 28)  # the demo's "today": every figure in the tests is as of this date
ROOT = Path(__file__).resolve().parent.parent

# One installation key for the session (tracker.access.keys signs the audit head and backups with it): tests
# copy the demo file into other folders, where a key beside each file would not follow it. The CLI and the
# browser tests' servers inherit it; tests of the key beside the database unset it.
os.environ["TRACKER_KEY"] = str(Path(tempfile.mkdtemp(prefix="tracker-key-")) / "tracker.key")

# `make test` tries a few examples per property (tests.examples.examples caps each test's count);
# `make test-long` (HYPOTHESIS_PROFILE=long) tries every test's full count.
settings.register_profile("fast", max_examples=15)
settings.register_profile("long", max_examples=100_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


@pytest.fixture(scope="session", autouse=True)
def _template_db(tmp_path_factory):
    """A database connect() created, closed and left alone: every new database of the session (a fresh file,
    `:memory:`) starts as its copy instead of running the migrations again (tracker.db.TEMPLATE).
    tests/test_template_db.py checks the copy equals a database made from nothing."""
    path = tmp_path_factory.mktemp("template") / "template.duckdb"
    bootstrap.connect(path).close()
    db.TEMPLATE = path
    yield path
    db.TEMPLATE = None


@pytest.fixture(scope="session", autouse=True)
def _component_scan_once():
    """Every new AppTest scans each installed package's metadata for Streamlit components (0.15 CPU-s; in a
    loaded run over 1 s of its first run): the packages do not change during a session, so it is scanned once and
    every AppTest gets the same answer (the app has no such component: the list is empty)."""
    import functools

    from streamlit.components.v2 import manifest_scanner

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            manifest_scanner,
            "scan_component_manifests",
            functools.cache(manifest_scanner.scan_component_manifests),
        )
        yield


@pytest.fixture(autouse=True)
def _office_admin_password(monkeypatch):
    """The first administrator gets its password from the environment, as in a deployment. Page tests act as
    `Actor("admin", "admin")`; with a one-time password the stored account would confine them to the password
    page (must_change is read from the account on every run). Tests of the one-time password unset it."""
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", "tests-office-secret-1")


@pytest.fixture
def db_path(tmp_path) -> Path:
    """A fresh database file path (nothing created yet)."""
    return tmp_path / "tracker.duckdb"


@pytest.fixture(scope="session")
def demo_pristine(tmp_path_factory) -> Path:
    """The demo campaign as loaded on TODAY (built once per session), never opened again: tests that need a demo
    of their own copy this file (a copy takes milliseconds, a load seconds)."""
    path = tmp_path_factory.mktemp("demo-pristine") / "demo.duckdb"
    con = bootstrap.connect(path)
    load_demo(con, today=TODAY)
    con.close()
    return path


@pytest.fixture(scope="session")
def demo_db(demo_pristine, tmp_path_factory) -> Path:
    """A database file holding the demo campaign as loaded on TODAY, shared by the session (demo_con opens it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    shutil.copyfile(demo_pristine, path)
    return path


@pytest.fixture(scope="session")
def demo_con(demo_db):
    """A connection to the demo database (shared by the session; DuckDB lets one process open it)."""
    con = bootstrap.connect(demo_db)
    yield con
    con.close()


@pytest.fixture(scope="module")
def app_env(demo_db):
    """TRACKER_DB pointing at the demo database for AppTest runs in this process (restored after the module)."""
    old = os.environ.get("TRACKER_DB")
    os.environ["TRACKER_DB"] = str(demo_db)
    yield demo_db
    if old is None:
        os.environ.pop("TRACKER_DB", None)
    else:
        os.environ["TRACKER_DB"] = old


@contextmanager
def app_on_copy(demo_db: Path, path: Path, monkeypatch, password: str, prepare=None):
    """A copy of the demo database with the administrator (and what `prepare(con)` adds) that the app opens,
    nothing cached from another test; after it, the app's background warm-ups are waited for."""
    from app import cached, webapp
    from tracker.access.users import ensure_admin

    shutil.copy(demo_db, path)
    con = bootstrap.connect(path)
    ensure_admin(con, password)
    if prepare is not None:
        prepare(con)
    con.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", password)
    webapp._connection.clear()
    webapp.clear_caches()
    try:
        yield path
    finally:
        cached.settle()
        webapp._connection.clear()
        webapp.clear_caches()
