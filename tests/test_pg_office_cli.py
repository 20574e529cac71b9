"""`python -m tracker report | national-form | late | tasks` on PostgreSQL (issue 23): tests/test_office_cli.py's
tests run again, unchanged, with `--db` a PostgreSQL URL seeded with tests/test_briefing.py's scenario."""

from __future__ import annotations

import pytest

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.test_briefing import scenario
from tests.test_office_cli import (  # noqa: F401 (run here again)
    test_late_json,
    test_national_form,
    test_report_as_known_then,
    test_report_docx_and_xlsx,
    test_tasks_open_auto,
)
from tracker import bootstrap


@pytest.fixture
def db_file(pg_url):
    """The PostgreSQL database's URL in place of tests/test_office_cli.py's file, seeded as that one is."""
    connection = bootstrap.connect(pg_url)
    scenario(connection)
    connection.close()
    return pg_url
