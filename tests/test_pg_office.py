"""The office's writes on PostgreSQL (issue 23): the findings import (检查与暗访) and 核实, by the tests of
tests/test_inspections.py and tests/test_verification.py run again, unchanged, with `con` on PostgreSQL."""

from __future__ import annotations

import json

import pytest

from tests import test_inspections as inspections
from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.test_inspections import (  # noqa: F401 (run here again)
    imported,
    test_a_failed_reinspection_reopens_and_overdue_and_repeats_are_flagged,
    test_each_finding_opens_a_task_for_its_unit,
    test_pass_rates_per_type_match_the_hand_count,
    test_the_import_reads_gbk_under_a_title_row_and_refuses_the_bad_row,
    test_the_veto_risk_holds_until_closed_after_reinspection,
)
from tests.test_verification import seed as seed_answers
from tests.test_verification import (  # noqa: F401 (run here again)
    test_already_verified_says_so_and_writes_nothing,
    test_office_verifies_with_before_and_after_in_the_audit_log,
    test_pending_answers_and_the_same_answer_sent_again,
    test_refusals_write_nothing,
    test_reporter_and_leader_may_not_verify_and_the_refusal_is_audited,
    test_the_answer_checked_is_the_one_the_office_chose_to_count,
)
from tracker import bootstrap


@pytest.fixture
def con(request, pg_url):
    """The connection of the test it serves, on PostgreSQL, seeded as that test's module seeds its own."""
    connection = bootstrap.connect(pg_url)
    if request.node.function.__module__ == inspections.__name__:
        inspections.seed(connection)
    else:
        seed_answers(connection)
    yield connection
    connection.close()


def test_findings_import_from_the_command_line(pg_url, tmp_path, capsys):
    from tracker.cli import main

    connection = bootstrap.connect(pg_url)  # the running app's connection
    try:
        inspections.seed(connection)
        path = tmp_path / "问题.csv"
        path.write_bytes(inspections.CSV.encode("gbk"))
        assert main(["--db", pg_url, "findings", "import", str(path), "--round", "1", "--json"]) == 0
        done = json.loads(capsys.readouterr().out)
        assert done["outcome"] == "committed" and (done["accepted"], done["refused"]) == (8, 2)
        connection.store.replica.poll(force=True)
        assert connection.execute("SELECT count(*) FROM finding").fetchone() == (8,)
    finally:
        connection.close()
