"""Reporting completeness and timeliness on a hand-built scenario, as of 2024-03-15.

The window holds the deadlines from 2023-03-16 (a year back) to the as-of date: the 2023 annual figures
(deadline 2024-02-29, 60 days after 2023-12-31) and the four quarters of 2023 (deadline 15 days after each);
2022's annual figures (deadline 2023-03-01) fall before it, 2024's first quarter has not ended.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.scenario import add
from tracker import completeness, db
from tracker.catalogue import catalogue

AS_OF = dt.date(2024, 3, 15)


@pytest.fixture(scope="module")
def con():
    con = db.connect(":memory:")
    # 教育局 reports 10 annual metrics: one on time, one late, eight missing.
    add(con, "9.4", "2023年", 95, recorded_at="2024-01-20 09:00:00")
    add(con, "30.4", "2023年", 50, recorded_at="2024-03-10 09:00:00")  # 10 days after the deadline
    # 融媒体中心 reports one metric, on the deadline day itself: on time.
    add(con, "6.2", "2023年", 1, recorded_at="2024-02-29 23:00:00")
    add(
        con, "6.2", "2023年", 1, recorded_at="2024-03-05 09:00:00"
    )  # a correction later: the first arrival counts
    # 市委编办's one metric, a day late.
    add(con, "2.2", "2023年", 1, recorded_at="2024-03-01 08:00:00")
    # 城管执法局: 15 annual metrics and two quarterly ones (8 quarters due): Q4 on time, Q3 late.
    add(con, "10.1", "2023Q4", 16, recorded_at="2024-01-10 09:00:00")
    add(con, "10.1", "2023Q3", 16, recorded_at="2023-10-20 09:00:00")  # deadline 2023-10-15
    # 卫健委's vaccination rate per area: every area on time but 柴河镇, which comes on 2024-03-05.
    for area in catalogue().metric("40.5").areas:
        add(
            con,
            "40.5",
            "2023年",
            95,
            area=area,
            recorded_at="2024-03-05 10:00:00" if area == "柴河镇" else "2024-02-01 10:00:00",
        )
    yield con
    con.close()


def test_unit_counts(con):
    units = completeness.by_unit(con, AS_OF).set_index("unit")
    edu = units.loc["教育局"]
    assert (edu["expected"], edu["received"], edu["on_time"], edu["late"], edu["missing"], edu["due"]) == (
        10, 2, 1, 1, 8, 10,
    )  # fmt: skip
    assert edu["reporting_rate"] == pytest.approx(0.2) and edu["on_time_rate"] == pytest.approx(0.1)
    media = units.loc["融媒体中心"]
    assert (media["due"], media["on_time"], media["late"], media["missing"]) == (1, 1, 0, 0)
    assert media["on_time_rate"] == 1.0
    office = units.loc["市委编办"]
    assert (office["on_time"], office["late"], office["missing"]) == (0, 1, 0)
    city = units.loc["城管执法局"]
    assert (city["due"], city["on_time"], city["late"], city["missing"]) == (23, 1, 1, 21)


def test_per_period(con):
    rows = completeness.by_unit_period(con, AS_OF)
    q = rows[(rows["unit"] == "城管执法局") & (rows["period"] == "quarter")].set_index("period_label")
    assert list(q.index) == ["2023年第一季度", "2023年第二季度", "2023年第三季度", "2023年第四季度"]
    assert (q.loc["2023年第四季度", "expected"], q.loc["2023年第四季度", "on_time"], q.loc["2023年第四季度", "missing"]) == (
        2, 1, 1,
    )  # fmt: skip
    assert q.loc["2023年第三季度", "late"] == 1
    assert q.loc["2023年第一季度", "missing"] == 2
    year = rows[(rows["unit"] == "教育局")]
    assert list(year["period_label"]) == ["2023年"]


def test_detail_late_days_and_area_metric(con):
    detail = completeness.obligations(con, AS_OF).set_index(["metric", "period_label"])
    assert detail.loc[("30.4", "2023年"), "state"] == "late"
    assert detail.loc[("30.4", "2023年"), "days_late"] == 10
    assert detail.loc[("2.2", "2023年"), "days_late"] == 1
    assert detail.loc[("10.1", "2023年第三季度"), "days_late"] == 5
    assert detail.loc[("6.2", "2023年"), "state"] == "on_time"
    # an area metric is received when its last area arrives: 柴河镇 on 2024-03-05, 5 days late
    assert detail.loc[("40.5", "2023年"), "state"] == "late"
    assert detail.loc[("40.5", "2023年"), "days_late"] == 5
    # missing for 15 days on the as-of date
    assert detail.loc[("29.1", "2023年"), "state"] == "missing"
    assert detail.loc[("29.1", "2023年"), "days_late"] == 15


def test_as_of_before_arrival(con):
    """On 2024-03-01 柴河镇 has not reported: the area metric is missing, not late; what came after is unseen."""
    detail = completeness.obligations(con, dt.date(2024, 3, 1)).set_index(["metric", "period_label"])
    assert detail.loc[("40.5", "2023年"), "state"] == "missing"
    assert detail.loc[("30.4", "2023年"), "state"] == "missing"
    assert detail.loc[("2.2", "2023年"), "state"] == "late"  # arrived that morning, a day late


def test_not_due_yet(con):
    """Before the deadline a figure not yet sent is not late, and one sent is on time."""
    detail = completeness.obligations(con, dt.date(2024, 1, 25)).set_index(["metric", "period_label"])
    assert detail.loc[("29.1", "2023年"), "state"] == "not_due"
    assert detail.loc[("9.4", "2023年"), "state"] == "on_time"
    # that day's window reaches back to 2023-01-25: 2022's figure (due 2023-03-01) is owed, 2023's not yet due
    media = completeness.by_unit(con, dt.date(2024, 1, 25)).set_index("unit").loc["融媒体中心"]
    assert (media["expected"], media["due"], media["missing"], media["not_due"]) == (2, 1, 1, 1)
    # with nothing due in the window there is no rate
    media = completeness.by_unit(con, dt.date(2024, 1, 25), since=dt.date(2023, 6, 1)).set_index("unit")
    assert media.loc["融媒体中心", "due"] == 0 and media.loc["融媒体中心", "on_time_rate"] is None


def test_late_board(con):
    board = completeness.late_board(con, AS_OF).set_index("unit")
    assert "融媒体中心" not in board.index
    assert {"教育局", "市委编办", "城管执法局"} <= set(board.index)
    edu = board.loc["教育局"]
    assert len(edu["owed"]) == 8 and "学校校医或专（兼）职保健教师配备比率（29.1） 2023年" in edu["owed"]
    assert edu["late_list"] == ["中小学生近视率（30.4） 2023年"]
    assert board.loc["市委编办", "owed"] == [] and board.loc["市委编办", "late"] == 1
    # worst first: most missing, then most late
    assert list(board["missing"]) == sorted(board["missing"], reverse=True)
