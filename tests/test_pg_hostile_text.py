"""Typed text through the office's services on PostgreSQL (issue 23): tests/test_hostile_text.py's service tests
run again, unchanged, with `con` on PostgreSQL (the page and command-line tests open DuckDB files of their own)."""

from __future__ import annotations

import pytest

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.test_hostile_text import (  # noqa: F401 (run here again)
    inspected,
    test_acceptance_basis_and_withdrawal_reason,
    test_document_numbers,
    test_docx_writers_survive_control_characters_already_stored,
    test_evidence_notes_and_removal_reasons,
    test_findings_descriptions_answers_and_rechecks,
    test_imported_findings_are_cleaned_and_an_overlong_description_refuses_its_row,
    test_long_file_names_fit_a_zip_member_keeping_their_suffix_and_stay_unique,
    test_no_note_becomes_a_live_formula_in_the_index,
    test_rounds_and_sites,
    test_task_descriptions_notes_and_reasons,
    test_verification_and_figure_notes,
)
from tracker import bootstrap


@pytest.fixture
def con(pg_url):
    """An empty PostgreSQL connection, as tests/test_hostile_text.py's own."""
    connection = bootstrap.connect(pg_url)
    yield connection
    connection.close()
