"""Issue 21 (判定可信·二): the trend and zero-incident kinds at their boundaries, each with a hand-worked expectation.

Dates: annual figures are due 60 days after the year ends (2025's on 2026-03-01, the deadline day itself still
on time). On 2026-11-28 (TODAY) 2025 is the latest year ended and due; 2026 is under way and never judged.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.scenario import add
from tracker import bootstrap
from tracker.engine.evaluate import evaluate

TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def con():
    c = bootstrap.connect(":memory:")
    yield c
    c.close()


def _row(con, code, as_of=TODAY, **kw):
    return evaluate(con, as_of, **kw).metrics.set_index("metric").loc[code]


def _series(con, metric, values, first=2023, unit=None):
    """Annual values from `first` on; None leaves that year out. Each recorded in January after its year."""
    for i, v in enumerate(values):
        if v is not None:
            add(con, metric, f"{first + i}年", v, unit=unit, recorded_at=f"{first + i + 1}-01-20 09:00:00")


# ---------------------------------------------------------------- 2 「降低」 over the form's three years (40.1–40.3)


@pytest.mark.parametrize("metric", ["40.1", "40.2", "40.3"])
@pytest.mark.parametrize(
    ("values", "status"),
    [
        ((0, 0, 0), "met"),  # all three at the best: 0 deaths is the floor
        ((6, 5, 4), "met"),  # 2025 (4) below 2023 (6)
        ((6, 7, 5.9), "met"),  # one step below 2023; 2024 between is not asked to fall
        ((6, 5, 6), "not_met"),  # exactly at 2023's figure is no decrease
        ((6, 5, 6.1), "not_met"),  # one step above
        ((4, 4, 8), "not_met"),  # 9, 4, 4, 8 over 2022–2025: 2022's 9 is outside the form's years
        ((0, 0, 0.1), "not_met"),
        ((0.1, 0, 0), "met"),  # lower than 2023, and at the floor
    ],
)
def test_lower_is_judged_over_the_forms_three_years(con, metric, values, status):
    _series(con, metric, values)
    row = _row(con, metric)
    assert row["status"] == status, row["reason"]
    assert "2023年" in row["reason"] and "2025年" in row["reason"]
    assert "2022年" not in row["reason"]


def test_lower_ignores_the_year_before_the_form(con):
    _series(con, "40.1", (9, 4, 4, 8), first=2022)
    row = _row(con, "40.1")
    assert row["status"] == "not_met", row["reason"]  # 2025's 8 is above 2023's 4


@pytest.mark.parametrize(
    ("values", "missing"),
    [
        ((8, None, None, 6), "2023年、2024年"),  # 2022 = 8 and 2025 = 6 show nothing about the form's years
        ((None, 6, None, 4), "2024年"),  # the middle year too: a gap is never read as a trend
        ((None, None, 5, 4), "2023年"),
    ],
)
def test_lower_with_a_year_missing_is_no_data_naming_it(con, values, missing):
    _series(con, "40.1", values, first=2022)
    row = _row(con, "40.1")
    assert row["status"] == "no_data"
    assert f"缺{missing}数据" in row["reason"], row["reason"]
    assert "应由" not in row["reason"]


def test_lower_leaves_the_current_year_out(con):
    _series(con, "40.1", (6, 5, 4, 9))  # 2026 (9) is under way on TODAY: 2023–2025 are judged
    assert _row(con, "40.1")["status"] == "met"


def test_lower_reads_values_as_known_then(con):
    _series(con, "40.1", (6, 5))
    add(con, "40.1", "2025年", 4, recorded_at="2026-12-01 09:00:00")  # recorded after the date asked about
    then = _row(con, "40.1", known_at=dt.datetime(2026, 11, 28, 23, 59))
    assert then["status"] == "no_data"  # known then: 2024 the latest, and the form's years for it need 2022
    assert "缺2022年数据" in then["reason"]
    assert _row(con, "40.1")["status"] == "met"


# ---------------------------------------------------------------- 3 a flat rise without a best level


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ((78, 78, 78), "not_met"),  # flat: no rise, and 岁 has no best level
        ((78, 78, 78.1), "met"),  # one step up, never down: 「持续提升」
        ((78, 78.1, 78), "not_met"),
        ((77.9, 78, 78.1), "met"),
    ],
)
def test_life_expectancy_flat_is_not_met_saying_it_did_not_rise(con, values, status):
    _series(con, "40.4", values)
    row = _row(con, "40.4")
    assert row["status"] == status, row["reason"]
    assert "应由" not in row["reason"]  # 卫健委 did report: no reason may say otherwise
    if status == "not_met":
        assert "未持续上升" in row["reason"]
        assert row["reason"].endswith("（卫健委）")


# ---------------------------------------------------------------- 11 「逐年下降」 means each year lower


@pytest.mark.parametrize("metric", ["30.4", "30.5"])
@pytest.mark.parametrize(
    ("values", "status"),
    [
        ((52, 52, 51), "not_met"),  # 2024 no lower than 2023
        ((52, 51, 51), "not_met"),
        ((52, 51, 50), "met"),
        ((52, 51.9, 51.8), "met"),  # one step lower each year
        ((52, 53, 51), "not_met"),
        ((0, 0, 0), "met"),  # sits at its best
        ((2, 0, 0), "met"),  # fell to the best and holds there
        ((52, 52, 52), "not_met"),
    ],
)
def test_yearly_decrease_means_each_year_lower(con, metric, values, status):
    _series(con, metric, values)
    row = _row(con, metric)
    assert row["status"] == status, row["reason"]


def test_yearly_decrease_with_a_gap_is_no_data(con):
    _series(con, "30.4", (52, None, 50))
    row = _row(con, "30.4")
    assert row["status"] == "no_data"
    assert "缺2024年数据" in row["reason"]


def test_steady_keeps_its_reading_for_38_1(con):
    # 「持续降低」 (38.1) is not 逐年: never up and lower overall still passes.
    _series(con, "38.1", (30, 29, 29))
    assert _row(con, "38.1")["status"] == "met"


# ---------------------------------------------------------------- 5 an incident from any listed unit counts


def _declare(con, metric, years, value=0, unit=None):
    for year in years:
        add(con, metric, f"{year}年", value, unit=unit, recorded_at=f"{year + 1}-01-20 09:00:00")


def test_an_incident_from_a_listed_unit_other_than_the_reporter_counts(con):
    _declare(con, "44.1", (2023, 2024, 2025))  # 公安局, the reporter: none
    add(con, "44.1", "2025年", 1, unit="卫健委", recorded_at="2026-04-02 09:00:00")  # listed on item 44
    ev = evaluate(con, TODAY)
    row = ev.metrics.set_index("metric").loc["44.1"]
    assert row["status"] == "not_met", row["reason"]
    assert row["value"] == 1
    assert 44 in ev.summary["veto_risks"]


def test_the_worst_wins_whichever_unit_reported_last(con):
    add(con, "44.1", "2025年", 1, unit="卫健委", recorded_at="2026-01-10 09:00:00")
    _declare(con, "44.1", (2023, 2024, 2025))  # 公安局's 0 for 2025 recorded later does not hide it
    assert _row(con, "44.1")["status"] == "not_met"


def test_the_office_reports_an_incident(con):
    _declare(con, "44.1", (2023, 2024, 2025))
    add(con, "44.1", "2026年5月", 1, unit="创卫办", recorded_at="2026-06-01 09:00:00")
    assert _row(con, "44.1")["status"] == "not_met"


def test_figures_keep_the_designated_reporter_rule(con):
    add(con, "14.1", "2025年", 36, recorded_at="2026-01-20 09:00:00")  # 住建局
    add(con, "14.1", "2025年", 30, unit="城管执法局", recorded_at="2026-02-01 09:00:00")
    assert _row(con, "14.1")["value"] == 36


# ---------------------------------------------------------------- 11 zero-incident deadlines as every kind's


def test_zero_incident_turns_stale_the_day_after_the_deadline(con):
    _declare(con, "21.1", (2023, 2024))  # 2025's declaration is due by 2026-03-01
    on_deadline = _row(con, "21.1", dt.date(2026, 3, 1))
    assert on_deadline["status"] == "met", on_deadline["reason"]
    assert "2025年的申报尚未到期" in on_deadline["reason"]
    after = _row(con, "21.1", dt.date(2026, 3, 2))
    assert after["status"] == "stale"
    assert "2025年" in after["reason"]


def test_a_year_not_yet_due_is_said_in_the_reason(con):
    _declare(con, "21.1", (2023, 2024))
    row = _row(con, "21.1", dt.date(2026, 2, 28))
    assert row["status"] == "met"
    assert "2025年的申报尚未到期（截止2026年3月1日）" in row["reason"], row["reason"]
    _declare(con, "21.1", (2025,))
    assert "尚未到期" not in _row(con, "21.1", dt.date(2026, 2, 28))["reason"]


def test_zero_incident_deadline_day_matches_other_kinds(con):
    add(con, "10.3", "2024年", 85, recorded_at="2025-01-20 09:00:00")  # a threshold kind, same deadline
    assert _row(con, "10.3", dt.date(2026, 3, 1))["status"] == "met"
    assert _row(con, "10.3", dt.date(2026, 3, 2))["status"] == "stale"
