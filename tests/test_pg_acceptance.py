"""「达标一项、验收一项」 on PostgreSQL (issue 23): the tests of tests/test_acceptance.py run again, unchanged, with
`con` on PostgreSQL."""

from __future__ import annotations

import pytest

from tests import test_acceptance
from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.test_acceptance import (  # noqa: F401 (run here again)
    test_accept_a_met_item,
    test_refusals,
    test_refuse_an_item_not_met,
    test_table_can_accept,
    test_withdraw_by_hand,
    test_withdrawn_when_the_item_falls_back,
)
from tracker import bootstrap


@pytest.fixture
def con(pg_url):
    """A PostgreSQL connection seeded as tests/test_acceptance.py seeds its own."""
    connection = bootstrap.connect(pg_url)
    test_acceptance.seed(connection)
    yield connection
    connection.close()
