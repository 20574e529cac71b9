"""印发并存档 on PostgreSQL (issue 23): the tests of tests/test_briefing_issue.py run again, unchanged, with `con`
on PostgreSQL seeded with tests/test_briefing.py's scenario."""

from __future__ import annotations

import pytest

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.test_briefing import scenario
from tests.test_briefing_issue import (  # noqa: F401 (run here again)
    test_a_number_is_required,
    test_a_number_is_used_once,
    test_an_unknown_archive_entry,
    test_issue_archives_the_exact_document,
    test_issued_as_known_then,
    test_only_the_office_issues,
)
from tracker import bootstrap


@pytest.fixture
def con(pg_url):
    """A PostgreSQL connection seeded as tests/test_briefing_issue.py seeds its own."""
    connection = bootstrap.connect(pg_url)
    scenario(connection)
    yield connection
    connection.close()
