"""督办通知 on PostgreSQL (issue 23): the tests of tests/test_reminders.py run again, unchanged, with `con` on
PostgreSQL seeded with tests/test_briefing.py's scenario."""

from __future__ import annotations

import pytest

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.test_briefing import scenario
from tests.test_reminders import (  # noqa: F401 (run here again)
    test_a_notice_for_one_unit,
    test_board_as_xlsx,
    test_one_notice_for_all_late_units,
    test_owed_lists_missing_figures_with_deadline_and_days_overdue,
    test_refusals,
)
from tracker import bootstrap


@pytest.fixture
def con(pg_url):
    """A PostgreSQL connection seeded as tests/test_reminders.py seeds its own."""
    connection = bootstrap.connect(pg_url)
    scenario(connection)
    yield connection
    connection.close()
