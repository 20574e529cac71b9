"""档案资料 on PostgreSQL (issue 23): the service tests of tests/test_evidence.py run again, unchanged, with `con`
on PostgreSQL (the page tests open a DuckDB file of their own)."""

from __future__ import annotations

import pytest

from tests import test_evidence
from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.test_evidence import (  # noqa: F401 (run here again)
    placeholder_finding,  # a fixture of the tests run here
    test_a_disabled_account_attaches_nothing,
    test_a_file_over_the_limit_is_refused_with_its_size,
    test_a_path_in_the_name_is_dropped,
    test_a_reporter_attaches_to_its_own_units_measurements_and_tasks_only,
    test_a_zip_bomb_dressed_as_docx_is_refused_without_unpacking,
    test_a_zip_of_many_parts_is_refused,
    test_accepted_types_are_told_by_content,
    test_files_for_several_targets_at_once,
    test_ids_are_stored_as_the_archive_joins_them,
    test_refused_files_say_why_and_store_nothing,
    test_removal_keeps_the_row_and_is_audited,
    test_store_then_attach_and_every_write_is_audited,
    test_the_inspections_module_may_register_who_attaches_to_a_finding,
    test_the_office_attaches_to_anything_and_a_leader_to_nothing,
    test_the_same_bytes_are_stored_once_and_attached_twice,
    test_the_service_calls_are_logged,
    test_unknown_targets_are_named,
)
from tracker import bootstrap


@pytest.fixture
def con(pg_url):
    """A PostgreSQL connection seeded as tests/test_evidence.py seeds its own."""
    connection = bootstrap.connect(pg_url)
    test_evidence.seed(connection)
    yield connection
    connection.close()
