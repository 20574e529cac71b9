"""The per-commit summary of each unit's latest figure (tracker.engine.counting.refresh_summary) gives exactly
what grouping every measurement gives, is kept by every writer, and is never read when stale (issue 10)."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import bootstrap
from tracker.catalogue import catalogue
from tracker.engine import counting
from tracker.engine.catalogue_tables import use_catalogue
from tracker.engine.evaluate import RANKED, metric_statuses, status_sql
from tracker.ingest import import_file

AS_OF = dt.date(2026, 11, 28)
DATES = [dt.date(2023, 12, 31), dt.date(2024, 2, 29), dt.date(2025, 6, 30), AS_OF]
MONTHS = {"year": 12, "quarter": 3, "month": 1}

# The plain way to rank each date's periods, as the oracle for evaluate.RANKED's shortcut.
PLAIN_RANKED = """ranked AS MATERIALIZED (
    SELECT d.as_of, e.*,
           row_number() OVER (PARTITION BY d.as_of, e.metric, e.area
                              ORDER BY e.period_start DESC, e.period_end DESC) AS k
    FROM eff e JOIN dates d ON d.known_at = e.known_at AND e.period_end <= d.as_of
)"""
T0 = dt.datetime(2026, 1, 1)

# A threshold metric, an area metric and a checklist: reporters are the catalogue's.
ROWS = st.lists(
    st.tuples(
        st.sampled_from(["30.6", "10.3", "9.6"]),  # metric
        st.sampled_from(["卫健委", "城管执法局", "创卫办", "市场监督管理局"]),  # unit
        st.integers(2023, 2025),  # year
        st.integers(0, 100),  # value
        st.integers(0, 5),  # recorded_at, in minutes: ties between rows and between batches
        st.sampled_from(["year", "quarter", "month"]),  # periods of several types: events, or stray rows
        st.integers(0, 3),  # which quarter or month
    ),
    min_size=1,
    max_size=25,
)


def _insert(con, rows) -> None:
    con.executemany(
        """INSERT INTO measurement (submission_id, metric, unit, area, period_start, period_end, period_label,
                                    value, recorded_at)
           SELECT 0, $m, $u, NULL, s, CAST(s + to_months($months) - INTERVAL 1 DAY AS DATE), $label, $v, $t
           FROM (SELECT make_date($y, 1 + $months * $which % 12, 1) AS s)""",
        [
            {
                "m": m,
                "u": u,
                "y": y,
                "months": MONTHS[p],
                "which": w,
                "label": f"{y}-{p}-{w}",
                "v": v,
                "t": T0 + dt.timedelta(minutes=t),
            }
            for m, u, y, v, t, p, w in (row if len(row) == 7 else (*row, "year", 0) for row in rows)
        ],
    )


def _eff(con, summary: bool) -> pd.DataFrame:
    use_catalogue(con, catalogue())
    sql = (
        f"WITH {counting.ctes(known='CAST($k AS TIMESTAMP)', summary=summary)} SELECT * FROM eff ORDER BY id"
    )
    return con.execute(sql, {"k": counting.FAR_FUTURE}).df()


def _statuses(con, summary: bool, plain: bool = False) -> pd.DataFrame:
    use_catalogue(con, catalogue())
    far = counting.FAR_FUTURE
    params = {"dates": DATES, "known": [far] * len(DATES), "max_start": AS_OF, "moment": far}
    sql = status_sql(True, summary)
    if plain:
        sql = sql.replace(RANKED, PLAIN_RANKED)
    return con.execute(sql, params).df()


@pytest.fixture(scope="module")
def shared_con(tmp_path_factory):
    con = bootstrap.connect(tmp_path_factory.mktemp("summary") / "t.duckdb")
    yield con
    con.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(ROWS, min_size=1, max_size=4), delete_some=st.booleans())
def test_summary_equals_grouping_every_measurement(shared_con, batches, delete_some):
    con = shared_con
    con.execute("DELETE FROM measurement")
    counting.refresh_summary(con)
    assert con.execute("SELECT count(*) FROM latest_by_unit").fetchone()[0] == 0
    for rows in batches:  # each batch a commit: the summary merges the rows added since its mark
        _insert(con, rows)
        assert not counting.summary_fresh(con)
        counting.refresh_summary(con)
        assert counting.summary_fresh(con)
        pd.testing.assert_frame_equal(_eff(con, True), _eff(con, False))
    if delete_some:  # rows taken away: the summary is rebuilt
        deleted = con.execute("DELETE FROM measurement WHERE id % 3 = 0").fetchone()[0]
        assert counting.summary_fresh(con) == (deleted == 0)
        counting.refresh_summary(con)
        pd.testing.assert_frame_equal(_eff(con, True), _eff(con, False))
    pd.testing.assert_frame_equal(_statuses(con, True), _statuses(con, False))
    # Periods ranked by their first ended period where ends fall with starts, by a window elsewhere: as ranked
    # the plain way, periods of one type and of several alike.
    pd.testing.assert_frame_equal(_statuses(con, True), _statuses(con, True, plain=True))


def test_a_tie_in_time_goes_to_the_later_row(db_path):
    con = bootstrap.connect(db_path)
    _insert(con, [("30.6", "市场监督管理局", 2025, 1, 0)])
    counting.refresh_summary(con)
    _insert(con, [("30.6", "市场监督管理局", 2025, 0, 0)])  # same unit, period and moment, a later id
    counting.refresh_summary(con)
    assert _eff(con, True)["value"].tolist() == [0.0]


def test_a_stale_summary_is_not_read(db_path):
    """Rows written past the summary (a writer that did not refresh it) are still counted: the evaluation
    groups the measurements instead."""
    con = bootstrap.connect(db_path)
    _insert(con, [("30.6", "市场监督管理局", 2025, 0, 0)])
    counting.refresh_summary(con)
    _insert(con, [("30.6", "市场监督管理局", 2025, 2, 1)])  # two incidents, not in the summary
    rows = metric_statuses(con, [AS_OF])
    assert rows.loc[rows["metric"] == "30.6", "status"].item() == "not_met"


def test_an_import_keeps_the_summary(db_path, tmp_path):
    con = bootstrap.connect(db_path)
    assert counting.summary_fresh(con)  # a new database: the migration built it (empty)
    f = tmp_path / "w.csv"
    f.write_text("单位,指标,期间,数值\n市场监督管理局,30.6,2025年,0\n", encoding="utf-8")
    assert import_file(con, f.name, f.read_bytes()).outcome == "committed"
    assert counting.summary_fresh(con)
    assert con.execute("SELECT count(*) FROM latest_by_unit").fetchone()[0] == 1


def test_uploads_merge_into_the_summary_as_a_rebuild_would(db_path):
    """An upload's rows are merged without ranking them (a file's repeats are refused): a re-sent figure replaces
    the older one, repeats within a file add nothing, and the summary equals one rebuilt from every row."""
    con = bootstrap.connect(db_path)
    first = "单位,指标,期间,数值\n市场监督管理局,30.6,2025年,0\n市场监督管理局,30.6,2024年,1\n卫健委,9.1,2024年,17\n"
    again = (
        "单位,指标,期间,数值\n市场监督管理局,30.6,2025年,2\n"  # re-sent, another figure
        "卫健委,9.1,2023年,15\n卫健委,9.1,2023年,16\n"  # twice in one file: both refused
        "创卫办,9.1,2024年,18\n"  # another unit's figure of the same period
    )
    for name, text in (("a.csv", first), ("b.csv", again)):
        assert import_file(con, name, text.encode()).outcome == "committed"
        assert counting.summary_fresh(con)
    merged = con.execute("SELECT * FROM latest_by_unit ORDER BY id").df()
    con.execute("DELETE FROM latest_by_unit_mark")
    counting.refresh_summary(con)  # rebuilt from every row
    pd.testing.assert_frame_equal(merged, con.execute("SELECT * FROM latest_by_unit ORDER BY id").df())
    assert merged["value"].tolist() == [1.0, 17.0, 2.0, 18.0]
    pd.testing.assert_frame_equal(_eff(con, True), _eff(con, False))


def test_demo_load_and_clear_keep_the_summary(demo_pristine, db_path):
    from tracker.demo import clear_demo

    shutil.copyfile(demo_pristine, db_path)  # the demo as loaded on AS_OF (the session's TODAY)
    con = bootstrap.connect(db_path)
    assert counting.summary_fresh(con)
    pd.testing.assert_frame_equal(_statuses(con, True), _statuses(con, False))
    clear_demo(con)
    assert counting.summary_fresh(con)
    assert con.execute("SELECT count(*) FROM latest_by_unit").fetchone()[0] == 0


def test_incidents_of_periods_starting_alike_are_listed_in_one_order(db_path):
    """A month and a quarter that start on the same day (found by the property above): the reason lists the shorter
    period first, every time, on either path."""
    con = bootstrap.connect(db_path)
    _insert(
        con,
        [
            ("30.6", "市场监督管理局", 2025, 76, 0, "quarter", 1),
            ("30.6", "市场监督管理局", 2025, 22, 1, "month", 3),
        ],
    )
    counting.refresh_summary(con)
    for summary in (True, False, True, False):
        rows = _statuses(con, summary)
        labels = rows.loc[
            (rows["metric"] == "30.6") & (rows["as_of"] == pd.Timestamp(AS_OF)), "labels"
        ].item()
        assert list(labels) == ["2025-month-3 22起", "2025-quarter-1 76起"]
