"""The national form's office settings on PostgreSQL (issue 23): tests/test_words24.py's tests of them run again,
unchanged, with `con` on PostgreSQL."""

from __future__ import annotations

import pytest

from tests import test_words24
from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.test_words24 import (  # noqa: F401 (run here again)
    test_a_setting_is_checked_and_only_the_office_fills_it,
    test_the_office_fills_a_setting_in_the_app_and_the_form_reads_it,
)
from tracker import bootstrap


@pytest.fixture
def con(pg_url):
    """A PostgreSQL connection seeded as tests/test_words24.py seeds its own."""
    connection = bootstrap.connect(pg_url)
    test_words24.seed(connection)
    yield connection
    connection.close()
