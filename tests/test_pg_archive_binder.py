"""The office's binder on PostgreSQL (issue 23): tests/test_archive_binder.py's tests over a connection run again,
unchanged, with `con` on PostgreSQL (the command-line tests open DuckDB files of their own)."""

from __future__ import annotations

import pytest

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.test_archive_binder import (  # noqa: F401 (run here again)
    test_a_closed_findings_photos_are_in_its_items_folder,
    test_a_task_update_with_a_pdf_is_kept_and_archived,
    test_an_acceptance_with_a_file_is_kept_and_archived,
    test_issued_notices_and_briefings_are_in_the_binder,
    test_the_index_has_a_row_per_item_and_flags_those_without_material,
    test_the_ledger_exports_as_a_workbook_and_a_document,
)
from tracker import bootstrap


@pytest.fixture
def con(pg_url):
    """An empty PostgreSQL connection, as tests/test_archive_binder.py's own."""
    connection = bootstrap.connect(pg_url)
    yield connection
    connection.close()
