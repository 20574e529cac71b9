"""Each rule kind at its boundaries: exactly at the figure and one step either side, missing values,
trends with two and three values, windows across year ends, superseded values, stale data."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.scenario import add, verify
from tracker import bootstrap
from tracker.engine.evaluate import evaluate

D = dt.date.fromisoformat


@pytest.fixture
def con():
    connection = bootstrap.connect(":memory:")
    yield connection
    connection.close()


def status(con, metric: str, as_of: str = "2024-02-01") -> str:
    return evaluate(con, D(as_of)).metrics.set_index("metric").loc[metric, "status"]


# ------------------------------------------------------------------ threshold


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("10.3", 80.0, "met"),  # 道路机械化清扫率 ≥ 80: exactly at the figure
        ("10.3", 79.9, "not_met"),
        ("10.3", 80.1, "met"),
        ("9.1", 20.0, "not_met"),  # 吸烟率 < 20: the figure itself fails
        ("9.1", 19.9, "met"),
        ("8.2", 2.2, "not_met"),  # 人均体育场地面积 > 2.2 as the plan writes it
        ("8.2", 2.21, "met"),
        ("8.1", 100.0, "met"),  # 建有全民健身场地设施的社区比例 100%
        ("8.1", 99.9, "not_met"),
    ],
)
def test_threshold_boundaries(con, metric, value, expected):
    add(con, metric, "2023年", value)
    assert status(con, metric) == expected


def test_no_value_is_no_data(con):
    assert status(con, "10.3") == "no_data"


def test_only_periods_ended_by_the_date_count(con):
    add(con, "10.3", "2024年", 85)
    assert status(con, "10.3", "2024-12-30") == "no_data"
    assert status(con, "10.3", "2024-12-31") == "met"


def test_newer_submission_supersedes_and_both_are_kept(con):
    add(con, "10.3", "2023年", 85, recorded_at="2024-01-10 09:00:00")
    add(con, "10.3", "2023年", 76, recorded_at="2024-01-20 09:00:00")
    ev = evaluate(con, D("2024-02-01"))
    row = ev.metrics.set_index("metric").loc["10.3"]
    assert (row["status"], row["value"]) == ("not_met", 76.0)
    assert row["reason"] == "2023年 道路机械化清扫率 76.0% < 80%（城管执法局）"
    assert con.execute("SELECT count(*) FROM measurement WHERE metric = '10.3'").fetchone()[0] == 2


def test_latest_period_wins_over_older_periods(con):
    add(con, "10.3", "2022年", 90, recorded_at="2023-01-10 00:00:00")
    add(
        con, "10.3", "2023年", 70, recorded_at="2023-01-05 00:00:00"
    )  # recorded earlier, still the later period
    assert status(con, "10.3") == "not_met"


def test_stale_after_the_deadline_passes(con):
    # 2024's annual figure is due 60 days after 2024-12-31, i.e. by 2025-03-01 (the office's setting).
    add(con, "10.3", "2023年", 85)
    assert status(con, "10.3", "2025-03-01") == "met"
    assert status(con, "10.3", "2025-03-02") == "stale"


def test_quarterly_metric_goes_stale_fifteen_days_after_the_quarter(con):
    add(con, "5.1", "2024Q1", 93)  # 满意率 quarterly; Q2 ends 06-30, due by 07-15
    assert status(con, "5.1", "2024-07-15") == "met"
    assert status(con, "5.1", "2024-07-16") == "stale"


def test_a_failure_stays_not_met_even_when_stale(con):
    add(con, "10.3", "2022年", 70)
    assert status(con, "10.3", "2025-06-01") == "not_met"


# ------------------------------------------------------------------ trend and threshold_or_trend


def test_trend_needs_three_values(con):
    add(con, "38.1", "2021年", 30)
    add(con, "38.1", "2022年", 29)
    assert status(con, "38.1", "2023-02-01") == "no_data"
    ev = evaluate(con, D("2023-02-01"))
    assert "缺2020年数据" in ev.metrics.set_index("metric").loc["38.1", "reason"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((30, 29, 28), "met"),  # 个人卫生支出占比 strictly falling
        ((30, 29, 29), "met"),  # never up, and lower overall: 「持续降低」 as the plan reads it
        ((29, 29, 29), "not_met"),  # flat above the floor is no fall
        ((30, 31, 28), "not_met"),
        ((28, 29, 30), "not_met"),
    ],
)
def test_trend_down(con, values, expected):
    for year, value in zip((2021, 2022, 2023), values, strict=True):
        add(con, "38.1", f"{year}年", value)
    assert status(con, "38.1") == expected


def test_trend_uses_only_the_last_three_values(con):
    for year, value in zip((2019, 2020, 2021, 2022, 2023), (90, 91, 77.0, 77.2, 77.4), strict=True):
        add(con, "40.4", f"{year}年", value)  # 人均预期寿命 up: 2021–2023 rise, the older values do not count
    assert status(con, "40.4") == "met"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((20, 21, 22), "met"),  # below 23 but rising three years running
        ((20, 22, 22), "met"),  # never down and higher overall: 「持续提升」
        ((20, 22, 21), "not_met"),
        ((None, None, 23), "met"),  # at the figure with a single value
        ((None, 20, 22.9), "not_met"),  # below, and two values cannot show a trend
    ],
)
def test_threshold_or_trend(con, values, expected):
    for year, value in zip((2021, 2022, 2023), values, strict=True):
        if value is not None:
            add(con, "6.1", f"{year}年", value)
    assert status(con, "6.1") == expected


# ------------------------------------------------------------------ zero_incident


def test_zero_incident_window_across_year_end(con):
    # 重大环境污染事故: one in 2021. On 2024-12-30 the three-year window (2021-12-30, 2024-12-30] still
    # holds 2021 (it ends 2021-12-31); on 2024-12-31 it starts after 2021-12-31 and holds 2022–2024.
    add(con, "21.1", "2021年", 1)
    for year in (2022, 2023, 2024):
        add(con, "21.1", f"{year}年", 0)
    assert status(con, "21.1", "2024-12-30") == "not_met"
    assert status(con, "21.1", "2024-12-31") == "met"


def test_zero_incident_failure_is_a_veto_risk(con):
    add(con, "30.6", "2023年", 2)
    ev = evaluate(con, D("2024-02-01"))
    assert ev.summary["veto_risks"] == [30]
    assert (
        ev.metrics.set_index("metric").loc["30.6", "reason"]
        == "近36个月（2021年2月2日至2024年2月1日）重大学校食物中毒事件 共2起：2023年 2起（市场监督管理局）"
    )


def test_zero_incident_with_no_report_is_no_data(con):
    assert status(con, "21.1") == "no_data"


# ------------------------------------------------------------------ each_area


def _areas(con):
    from tracker.catalogue import catalogue

    return catalogue().metric("40.5").areas


def test_each_area_all_at_the_figure(con):
    for area in _areas(con):
        add(con, "40.5", "2023年", 90, area=area)
    assert status(con, "40.5") == "met"


def test_each_area_one_below(con):
    areas = _areas(con)
    assert len(areas) == 19  # 7 street offices and 12 towns and townships
    for area in areas:
        add(con, "40.5", "2023年", 89.9 if area == "柴河镇" else 95, area=area)
    assert status(con, "40.5") == "not_met"
    reason = evaluate(con, D("2024-02-01")).metrics.set_index("metric").loc["40.5", "reason"]
    assert "18/19" in reason and "柴河镇" in reason


def test_each_area_one_missing(con):
    for area in _areas(con)[1:]:
        add(con, "40.5", "2023年", 95, area=area)
    assert status(con, "40.5") == "no_data"


# ------------------------------------------------------------------ compare, grade, checklist, reported


@pytest.mark.parametrize(("actual", "expected"), [(6.0, "met"), (5.99, "not_met"), (6.5, "met")])
def test_compare_with_the_regional_plan(con, actual, expected):
    add(con, "42.1", "2023年", actual)
    add(con, "42.1b", "2023年", 6.0)
    assert status(con, "42.1") == expected


def test_compare_without_the_reference_is_no_data(con):
    add(con, "42.1", "2023年", 6.5)
    assert status(con, "42.1") == "no_data"


@pytest.mark.parametrize(("grade", "expected"), [("B", "met"), ("C", "met"), ("D", "not_met")])
def test_grade_c_or_better(con, grade, expected):
    add(con, "45.1", "2023年", grade)
    assert status(con, "45.1") == expected


def test_checklist_pending_until_the_office_verifies(con):
    mid = add(con, "2.1", "2023年", 1)  # 卫健委 says 「是」
    assert status(con, "2.1") == "pending"
    verify(con, mid)
    assert status(con, "2.1") == "met"


def test_checklist_entered_by_the_office_counts_at_once(con):
    add(con, "2.1", "2023年", 1, unit="创卫办")
    assert status(con, "2.1") == "met"


def test_checklist_no_is_not_met(con):
    add(con, "2.1", "2023年", 0)
    assert status(con, "2.1") == "not_met"


def test_reported_figure_is_met_once_reported(con):
    add(con, "22.1", "2023年", 331)
    assert status(con, "22.1") == "met"
