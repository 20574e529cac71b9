"""检查与暗访 on PostgreSQL beyond the findings import (issue 23): the rest of tests/test_inspections.py's service
tests run again, unchanged, with `con` on PostgreSQL (tests/test_pg_office.py runs the import's)."""

from __future__ import annotations

import pytest

from tests import test_inspections as inspections
from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.test_inspections import (  # noqa: F401 (run here again)
    imported,
    test_a_photo_of_a_finding_is_a_picture_and_anything_else_changes_nothing,
    test_findings_from_an_excel_sheet_with_date_cells,
    test_photos_attach_to_a_finding_by_its_unit_or_the_office,
    test_services_recheck_the_caller_and_refuse_clearly,
    test_sites_import_from_a_sheet,
    test_the_random_draw_is_reproducible_per_type_and_street,
)
from tracker import bootstrap


@pytest.fixture
def con(pg_url):
    """A PostgreSQL connection seeded as tests/test_inspections.py seeds its own."""
    connection = bootstrap.connect(pg_url)
    inspections.seed(connection)
    yield connection
    connection.close()


def test_the_office_changes_the_units_that_answer_for_a_site(store):
    """edit_site_units on both stores: the units stored as a list, the change audited with before and after."""
    from tracker.inspections import sites

    connection = bootstrap.connect(store)
    try:
        inspections.seed(connection)
        sites.edit_site_units(connection, inspections.OFFICE, 1, ["城管执法局", "住建局"])
        assert list(sites.get_site(connection, 1)["units"]) == ["城管执法局", "住建局"]
        action, target, after = connection.execute(
            "SELECT action, target, after_json FROM audit_log WHERE action = 'site_units'"
        ).fetchone()
        assert (action, target) == ("site_units", "site:1") and "住建局" in after
    finally:
        connection.close()
