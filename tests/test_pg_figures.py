"""The office's choice of whose figure counts, on PostgreSQL (issue 23): tests/test_verdict.py's tests of it run
again, unchanged, with `con` on PostgreSQL (tests/test_pg_office.py runs the one of tests/test_verification.py)."""

from __future__ import annotations

import pytest

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.test_verdict import (  # noqa: F401 (run here again)
    test_choosing_needs_the_office,
    test_the_office_can_adopt_another_units_figure,
)
from tracker import bootstrap


@pytest.fixture
def con(pg_url):
    """An empty PostgreSQL connection, as tests/test_verdict.py's own."""
    connection = bootstrap.connect(pg_url)
    yield connection
    connection.close()
