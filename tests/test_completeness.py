"""Reporting completeness and timeliness on a hand-built scenario, as of 2024-03-15.

The window holds the deadlines from 2023-03-16 (a year back) to the as-of date: the 2023 annual figures
(deadline 2024-02-29, 60 days after 2023-12-31) and the four quarters of 2023 (deadline 15 days after each);
2022's annual figures (deadline 2023-03-01) fall before it, 2024's first quarter has not ended.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest

from tests.scenario import add
from tracker import bootstrap
from tracker.catalogue import catalogue
from tracker.office import completeness

AS_OF = dt.date(2024, 3, 15)


@pytest.fixture(scope="module")
def con():
    con = bootstrap.connect(":memory:")
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
    # 24 and 22: 18.1 is 城管执法局's since issue 21 (创卫办 is not among item 18's 责任单位)
    assert (city["due"], city["on_time"], city["late"], city["missing"]) == (24, 1, 1, 22)


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


def test_an_area_metric_area_by_area(con):
    """Per area each area is judged by its own arrival: 柴河镇 five days late, every other area on time; per
    unit the metric still counts once (one late figure), not once per area."""
    rows = completeness.obligations(con, AS_OF, per_area=True)
    vaccination = rows[(rows["metric"] == "40.5") & (rows["period_label"] == "2023年")].set_index("area")
    areas = catalogue().metric("40.5").areas
    assert sorted(vaccination.index) == sorted(areas)
    assert vaccination.loc["柴河镇", "state"] == "late" and vaccination.loc["柴河镇", "days_late"] == 5
    assert (vaccination.drop(index="柴河镇")["state"] == "on_time").all()
    # city-wide metrics keep one row with no area
    assert rows.loc[(rows["metric"] == "30.4") & (rows["period_label"] == "2023年"), "area"].isna().all()
    health = completeness.by_unit(con, AS_OF).set_index("unit").loc["卫健委"]
    assert health["late"] == 1
    # on 2024-03-01 柴河镇 has not reported: that area is missing (a day past the deadline), the others on time
    early = completeness.obligations(con, dt.date(2024, 3, 1), per_area=True)
    early = early[(early["metric"] == "40.5") & (early["period_label"] == "2023年")].set_index("area")
    assert early.loc["柴河镇", "state"] == "missing" and early.loc["柴河镇", "days_late"] == 1
    assert (early.drop(index="柴河镇")["state"] == "on_time").all()


def test_the_period_under_way_and_what_is_due_next(con):
    """As of 2024-03-15 with the period under way: 2024Q1 of 10.1 (ends 03-31, due 04-15) is not due, 31 days
    left, and is what 城管执法局 sends next for 10.1; 29.1's 2023 figure is missing, its 2024 figure (due
    2025-03-01) is next. Without `current` neither 2024 period is listed."""
    rows = completeness.obligations(con, AS_OF, current=True).set_index(["metric", "period_label"])
    q1 = rows.loc[("10.1", "2024年第一季度")]
    assert (q1["state"], q1["deadline"], q1["days_left"], q1["next_due"]) == (
        "not_due", dt.date(2024, 4, 15), 31, True,
    )  # fmt: skip
    assert rows.loc[("29.1", "2023年"), "state"] == "missing" and not rows.loc[("29.1", "2023年"), "next_due"]
    assert rows.loc[("29.1", "2024年"), "next_due"] and rows.loc[("29.1", "2024年"), "days_left"] == 351
    assert rows.loc[("29.1", "2023年"), "days_left"] == -15
    plain = completeness.obligations(con, AS_OF)
    assert not plain["period_start"].ge(dt.date(2024, 1, 1)).any()


def test_a_figure_sent_before_its_deadline_is_early_not_yet_due(con):
    """On 2024-01-25 教育局's 2023 figures are due 2024-02-29: 9.4 came on 01-20 (on time, early), nine are not
    due. Its ten 2022 figures (due 2023-03-01, inside the year back) never came. Rates are over the ten due."""
    detail = completeness.obligations(con, dt.date(2024, 1, 25), current=True).set_index(
        ["metric", "period_label"]
    )
    assert (
        detail.loc[("9.4", "2023年"), "state"] == "on_time" and not detail.loc[("9.4", "2023年"), "next_due"]
    )
    assert detail.loc[("9.4", "2024年"), "next_due"]  # the 2023 figure is in: next is 2024's
    assert detail.loc[("29.1", "2023年"), "next_due"] and not detail.loc[("29.1", "2024年"), "next_due"]
    edu = completeness.by_unit(con, dt.date(2024, 1, 25)).set_index("unit").loc["教育局"]
    assert (edu["expected"], edu["due"], edu["early"], edu["not_due"]) == (20, 10, 1, 9)
    assert (edu["received"], edu["on_time"], edu["late"], edu["missing"]) == (0, 0, 0, 10)
    assert edu["on_time_rate"] == 0.0 and edu["reporting_rate"] == 0.0
    # the same period seen per period: one of ten received, on time
    year = completeness.by_unit_period(con, dt.date(2024, 1, 25)).set_index(["unit", "period_label"])
    assert (year.loc[("教育局", "2023年"), "received"], year.loc[("教育局", "2023年"), "not_due"]) == (1, 9)


def test_timeliness_compares_submission_time_with_the_deadline(tmp_path):
    """Hand-made: 10.3 (annual, 60 days) for 2024 sent on day 60 (on time), 2025 sent on day 61 (late);
    10.4's 2025 figure never sent (missing). The submission's time counts, not the row's recorded_at."""
    con = bootstrap.connect(tmp_path / "t.duckdb")
    for sid, sent, period in ((1, "2025-03-01 17:00", 2024), (2, "2026-03-02 09:00", 2025)):
        con.execute(
            "INSERT INTO submission (id, submitted_at, submitted_by, unit, file_name, sha256, outcome) "
            "VALUES (?, ?, 'test', '城管执法局', 'f.csv', ?, 'committed')",
            [sid, sent, str(sid)],
        )
        con.execute(
            "INSERT INTO measurement (submission_id, metric, unit, period_start, period_end, period_label, value, recorded_at) "
            "VALUES (?, '10.3', '城管执法局', ?, ?, ?, 80, ?)",
            [sid, dt.date(period, 1, 1), dt.date(period, 12, 31), f"{period}年", "2020-01-01 00:00"],
        )
    as_of = dt.date(2026, 11, 28)
    out = completeness.obligations(con, as_of, since=as_of - dt.timedelta(days=700))
    mine = out[out["metric"].isin(["10.3", "10.4"]) & out["period_label"].isin(["2024年", "2025年"])]
    states = {(r.metric, r.period_label): r.state for r in mine.itertuples()}
    assert states[("10.3", "2024年")] == "on_time"
    assert states[("10.3", "2025年")] == "late"
    assert states[("10.4", "2025年")] == "missing"
    con.close()


def test_ranking_best_first():
    """Share of metrics met first, then on-time rate, a unit with nothing due counting as all on time."""
    ev = SimpleNamespace(
        metrics=pd.DataFrame(
            {"metric": ["9.4", "30.4", "6.2", "2.2"], "status": ["met", "not_met", "met", "met"]}
        )
    )
    units = pd.DataFrame(
        {
            "unit": ["教育局", "融媒体中心", "市委编办"],
            "due": [4, 0, 2],
            "on_time": [2, 0, 1],
            "late": [1, 0, 1],
            "missing": [1, 0, 0],
            "on_time_rate": [0.5, None, 0.5],
        }
    )
    out = completeness.ranking(ev, units, catalogue())
    assert list(out["unit"]) == ["融媒体中心", "市委编办", "教育局"]
    edu = out.set_index("unit").loc["教育局"]
    assert (edu["metrics"], edu["met"], edu["share_met"], edu["due"], edu["missing"]) == (2, 1, 0.5, 4, 1)
    assert pd.isna(out.set_index("unit").loc["融媒体中心", "on_time_rate"])
