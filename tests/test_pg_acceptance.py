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
from tracker.office import acceptance


@pytest.fixture
def con(pg_url):
    """A PostgreSQL connection seeded as tests/test_acceptance.py seeds its own."""
    connection = bootstrap.connect(pg_url)
    test_acceptance.seed(connection)
    yield connection
    connection.close()


def test_two_sessions_accepting_one_item_make_one_acceptance(pg_url, monkeypatch):
    """As tests/test_hostile_actions.py's test of that name, on PostgreSQL, where two transactions run at once:
    the second waits for the first's and is told the item is accepted."""
    from tests.test_hostile_actions import OFFICE, pause_after, race
    from tracker.office.acceptance import AcceptanceError

    connection = bootstrap.connect(pg_url)
    try:
        test_acceptance.seed(connection)
        pause_after(monkeypatch, acceptance, "evaluate")
        results = race(
            connection,
            lambda c: acceptance.accept(c, 12, OFFICE, test_acceptance.ON, "现场检查记录甲"),
            lambda c: acceptance.accept(c, 12, OFFICE, test_acceptance.ON, "现场检查记录乙"),
        )
        active = connection.execute("SELECT count(*) FROM acceptance WHERE withdrawn_at IS NULL").fetchone()
        assert active == (1,)
        assert connection.execute("SELECT count(*) FROM audit_log WHERE action = 'accept'").fetchone() == (1,)
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(lost) == 1 and isinstance(lost[0], AcceptanceError) and "已于" in str(lost[0])
    finally:
        connection.close()


def test_two_sessions_withdrawing_one_acceptance_withdraw_it_once(pg_url):
    """Two withdrawals at once on PostgreSQL: one withdraws (and is audited), the other is told there is none."""
    from tests.test_hostile_actions import OFFICE, race
    from tracker.office.acceptance import AcceptanceError

    connection = bootstrap.connect(pg_url)
    try:
        test_acceptance.seed(connection)
        acceptance.accept(connection, 12, OFFICE, test_acceptance.ON, "现场检查记录")
        results = race(
            connection,
            lambda c: acceptance.withdraw(c, 12, OFFICE, "复查未达标甲"),
            lambda c: acceptance.withdraw(c, 12, OFFICE, "复查未达标乙"),
        )
        assert connection.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'acceptance_withdraw'"
        ).fetchone() == (1,)
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(lost) == 1 and isinstance(lost[0], AcceptanceError)
    finally:
        connection.close()
