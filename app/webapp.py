"""What every Streamlit page shares: the one DuckDB connection, a cursor per script run, cached
evaluations (cleared when a commit lands), the demo campaign in demo mode only (TRACKER_DEMO=1, `make run`:
an empty demo file is filled; a real database is never), and the language switch."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from tracker import db, logs, snapshot
from tracker.access import audit
from tracker.access.users import ensure_admin
from tracker.config import db_path, demo_mode, is_real_default
from tracker.engine.catalogue import Catalogue, catalogue
from tracker.engine.evaluate import Evaluation, evaluate, readiness_history
from tracker.strings.ui import t


@st.cache_resource(show_spinner=False)
def _connection(path: str):
    """One connection per process: DuckDB lets one process hold the file. The snapshot writer keeps a
    consistent copy beside it for the command line's read-only commands (tracker/snapshot.py)."""
    logs.setup(path, stderr_level="INFO")
    con = db.connect(path)
    one_time = ensure_admin(con)
    if one_time:  # printed once, on the server's console: the office changes it at first login
        print(t("first_admin_password", password=one_time), flush=True)
    if demo_mode() and db.is_empty(con) and not is_real_default(path):
        from tracker.engine.demo import DemoRefused, load_demo

        try:
            load_demo(con)
        except DemoRefused as exc:  # real submissions in the file: show them, say so on the console
            print(exc, flush=True)
    snapshot.start_writer(con, path)
    return con


def cursor():
    """A cursor for this script run (cursors are cheap; connections are not shared across threads)."""
    return _connection(str(db_path())).cursor()


def cat() -> Catalogue:
    return catalogue()


# No spinner: a decorator's text is fixed at import (it could not follow the language), and an st.spinner
# around every cached call left skeletons on the page (measured in Chromium).
@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def cached_evaluation(as_of: dt.date, generation: int) -> Evaluation:
    return evaluate(cursor(), as_of)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def cached_history(dates: tuple[dt.date, ...], known_then: bool, generation: int):
    return readiness_history(cursor(), list(dates), known_then=known_then)


GENERATION_SQL = """
SELECT (SELECT count(*) FROM submission), (SELECT coalesce(max(id), 0) FROM submission),
       (SELECT count(*) FROM verification), (SELECT max(verified_at) FROM verification),
       (SELECT count(*) FROM figure_choice), (SELECT max(chosen_at) FROM figure_choice)
"""


def data_generation() -> int:
    """Changes whenever something that can change a status is written — a submission, the office's
    verification of an answer, its choice of a figure — so cached evaluations are keyed to the data they saw."""
    return hash(cursor().execute(GENERATION_SQL).fetchone())


def evaluation(as_of: dt.date) -> Evaluation:
    return cached_evaluation(as_of, data_generation())


def history(dates, known_then: bool = False) -> object:
    """Readiness at each date; known_then: each date as known at its end (later corrections left out)."""
    return cached_history(tuple(dates), known_then, data_generation())


def clear_caches() -> None:
    """Call after a commit: dashboards must show the new figures."""
    cached_evaluation.clear()
    cached_history.clear()


def is_demo() -> bool:
    row = cursor().execute("SELECT bool_or(is_demo) FROM submission").fetchone()
    return bool(row[0])


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def _cached_chain(path: str, signature: tuple):
    return audit.verify(cursor())


def audit_chain():
    """Whether the audit log's hash chain is whole (tracker.access.audit.verify), walked again only when the log
    changed: the walk costs about 2 s per 100 000 entries (measured), the signature nothing."""
    signature = tuple(
        cursor()
        .execute("SELECT count(*), max(id), (SELECT max(last_hash) FROM audit_head) FROM audit_log")
        .fetchall()[0]
    )
    return _cached_chain(str(db_path()), signature)
