"""The app itself on PostgreSQL (issue 23): `TRACKER_DB=postgresql://…` with TRACKER_DEMO=1 loads the demo into an
empty database, the overview renders and a sign-in works (AppTest), and a write made by another process (its
own connection and replica) changes the data generation the pages' caches are keyed to within 2 s."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.pg_fixtures import allow_connections
from tracker import bootstrap, stored
from tracker.access.auth import Actor
from tracker.config import ROOT
from tracker.ingest.uploads import upload

PW = "office-secret-1"


@pytest.fixture
def app_on_pg(pg_url, monkeypatch):
    """The app in demo mode on a fresh PostgreSQL database: its first run loads the demo there."""
    from app import cached, webapp

    monkeypatch.setenv("TRACKER_DB", pg_url)
    monkeypatch.setenv("TRACKER_DEMO", "1")
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", PW)
    webapp._connection.clear()
    webapp.clear_caches()
    try:
        yield pg_url
    finally:
        cached.settle()
        con = webapp._connection(pg_url)
        webapp._connection.clear()  # streamlit does not close what it drops: the database is dropped next
        con.close()
        webapp.clear_caches()


def _signed_in_overview() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="login_name").input("admin")
    at.text_input(key="login_password").input(PW)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_demo_loads_and_the_overview_renders_after_a_sign_in(app_on_pg):
    at = _signed_in_overview()
    assert at.session_state["actor"] == Actor("admin", "admin")
    assert at.title[0].value == "领导驾驶舱"
    other = bootstrap.connect(
        app_on_pg
    )  # another process: the demo is on PostgreSQL, not in this replica alone
    try:
        assert stored.is_demo(other)
        assert other.execute("SELECT count(*) FROM measurement").fetchone()[0] > 1000
    finally:
        other.close()


def _upload_in_another_process(url: str) -> None:
    """A write through a connection (and replica) of its own, as another worker or a command makes it."""
    other = bootstrap.connect(url)
    try:
        data = "单位,指标,期间,数值\n城管执法局,10.3,2023年,81%\n".encode()
        upload(other, Actor("admin", "admin"), "other-process.csv", data, unit="城管执法局")
    finally:
        other.close()


def test_a_write_in_another_process_changes_the_generation_within_2_s(app_on_pg):
    from app import webapp

    _signed_in_overview()
    before = webapp.data_generation()
    _upload_in_another_process(app_on_pg)
    deadline = time.monotonic() + 2
    while webapp.data_generation() == before:
        assert time.monotonic() < deadline, "the other process's write did not reach this replica in 2 s"
        time.sleep(0.1)


def test_what_one_process_evaluated_another_reads_instead_of_evaluating(app_on_pg, monkeypatch):
    """After a write every worker needs the new evaluation and history: the first computes them (tracker.pg.computed),
    the next process — here this one with its own caches emptied — reads them."""
    import streamlit as st

    from app import cached, webapp
    from tracker.engine import progress, views

    _signed_in_overview()
    _upload_in_another_process(app_on_pg)
    webapp.cursor().store.replica.poll(force=True)
    today = dt.date.today()
    dates = views.trend_dates(webapp.cat(), today)
    first, first_history = webapp.evaluation(today), webapp.history(dates)
    first_progress, first_phases = cached.progress_table(today), cached.phase_matrix(today)
    webapp.clear_caches()  # another process: nothing in its own caches
    st.cache_data.clear()

    def computed_again(*args, **kwargs):
        raise AssertionError("computed again instead of read")

    monkeypatch.setattr(webapp, "evaluate", computed_again)
    monkeypatch.setattr(webapp, "readiness_history", computed_again)
    monkeypatch.setattr(progress, "progress_table", computed_again)
    monkeypatch.setattr(views, "phase_matrix", computed_again)
    second, second_history = webapp.evaluation(today), webapp.history(dates)
    assert second is not first and second.summary == first.summary
    pd.testing.assert_frame_equal(second.metrics, first.metrics)
    pd.testing.assert_frame_equal(second_history, first_history)
    pd.testing.assert_frame_equal(cached.progress_table(today), first_progress)
    pd.testing.assert_frame_equal(cached.phase_matrix(today), first_phases)


def _outage_noticed() -> None:
    """Until the app's listener has lost its connection and the replica's timed poll is due, a run that only reads
    is served from the replica and never meets the outage (a restart lasts seconds: this is a moment of it)."""
    from app import webapp
    from tracker.pg import replica

    notices = webapp.cursor().store.replica.notices
    deadline = time.monotonic() + 5
    while notices.alive:
        assert time.monotonic() < deadline, "the listener did not notice the outage"
        time.sleep(0.02)
    time.sleep(replica.POLL_SECONDS)


def test_while_postgresql_cannot_be_reached_the_page_says_so_and_then_comes_back(app_on_pg, caplog):
    """No error id for an outage: the page says the database cannot be reached, that nothing was saved or lost, and
    to try again; the log says it in one line, with no traceback. Once the server takes connections again the next
    run shows the page, in the same session."""
    at = _signed_in_overview()
    # The tracker logger does not propagate once the app has set it up (tracker.logs.setup): listen on it.
    tracker_log = logging.getLogger("tracker")
    tracker_log.addHandler(caplog.handler)
    allow_connections(app_on_pg, False)
    try:
        _outage_noticed()
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        shown = " ".join(e.value for e in [*at.header, *at.warning, *at.error, *at.caption])
        assert "暂时无法连接数据库" in shown and "没有保存" in shown, shown
        assert "错误编号" not in shown and "应用未能启动" not in shown, shown
        lines = [r for r in caplog.records if "cannot be reached" in r.getMessage()]
        assert lines and all(r.exc_info is None for r in lines)
    finally:
        tracker_log.removeHandler(caplog.handler)
        allow_connections(app_on_pg, True)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "领导驾驶舱"
    assert at.session_state["actor"] == Actor("admin", "admin")
