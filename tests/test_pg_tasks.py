"""The rectification ledger on PostgreSQL (issue 23): the tests of tests/test_tasks.py run again, unchanged,
with `con` on PostgreSQL."""

from __future__ import annotations

import pytest

from tests import test_tasks
from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.test_tasks import (  # noqa: F401 (run here again)
    test_a_unit_sees_its_own,
    test_auto_task_again_after_close,
    test_close_with_reason_and_reopen,
    test_closing_needs_met_metric_or_written_reason,
    test_edit_keeps_the_change,
    test_every_change_in_events_and_audit,
    test_open_auto_tasks_for_new_failures_only,
    test_overdue_and_status_as_of,
    test_refusals,
    test_unit_updates_its_own_tasks_only,
)
from tracker import bootstrap
from tracker.office import tasks


@pytest.fixture
def con(pg_url):
    """A PostgreSQL connection seeded as tests/test_tasks.py seeds its own."""
    connection = bootstrap.connect(pg_url)
    test_tasks.seed(connection)
    yield connection
    connection.close()


def test_same_second_events_show_the_last_change(con, pg_url, capsys):
    """As tests/test_tasks.py's test of that name, the command line reading the PostgreSQL database itself."""
    from tracker.cli import main

    T0, OFFICE, CITY = test_tasks.T0, test_tasks.OFFICE, test_tasks.CITY
    task = tasks.open_task(con, OFFICE, "10.3", "购置洗扫车", test_tasks.dt.date(2024, 4, 30), now=T0)
    tasks.update_task(con, CITY, task, "in_progress", "已采购", now=T0)
    tasks.update_task(con, CITY, task, "awaiting_check", "已到货", now=T0)
    tasks.update_task(con, CITY, task, "in_progress", "复检未过", now=T0)
    row = tasks.ledger(con, T0.date()).set_index("id").loc[task]
    assert (row["status"], row["last_note"]) == ("in_progress", "复检未过")
    assert list(tasks.events(con, task)["to_status"]) == [
        "open",
        "in_progress",
        "awaiting_check",
        "in_progress",
    ]
    assert main(["tasks", "--as-of", "2024-03-15", "--db", pg_url]) == 0
    assert "整改中" in capsys.readouterr().out


def test_two_sessions_opening_the_automatic_tasks_at_once_open_each_once(pg_url, monkeypatch):
    """On PostgreSQL two transactions run at once: the second waits for the first's automatic tasks and opens
    none again (on DuckDB one writer at a time does the same)."""
    from tests.test_hostile_actions import pause_after, race
    from tracker.access.auth import SYSTEM

    connection = bootstrap.connect(pg_url)
    try:
        test_tasks.seed(connection)
        pause_after(monkeypatch, tasks, "evaluate")
        on = test_tasks.dt.date(2024, 3, 15)
        results = race(
            connection,
            lambda c: tasks.open_auto_tasks(c, on, SYSTEM, now=test_tasks.T0),
            lambda c: tasks.open_auto_tasks(c, on, SYSTEM, now=test_tasks.T0),
        )
        assert sorted(len(ids) for ids in results) == [0, 3]
        assert connection.execute("SELECT count(*) FROM task").fetchone() == (3,)
    finally:
        connection.close()
