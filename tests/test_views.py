"""Data shaping for the pages: dates, items and categories, phases, changes, units and timeliness."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.conftest import TODAY
from tracker.catalogue import catalogue
from tracker.engine import views
from tracker.engine.evaluate import evaluate, readiness_history
from tracker.office import completeness

CAT = catalogue()


@pytest.fixture(scope="module")
def ev(demo_con):
    return evaluate(demo_con, TODAY)


# ---------------------------------------------------------------- dates


def test_month_ends_run_to_the_as_of_date():
    assert views.month_ends(dt.date(2022, 3, 1), dt.date(2022, 6, 15)) == [
        dt.date(2022, 3, 31),
        dt.date(2022, 4, 30),
        dt.date(2022, 5, 31),
        dt.date(2022, 6, 15),
    ]
    assert views.month_ends(dt.date(2022, 3, 1), dt.date(2022, 4, 30))[-2:] == [
        dt.date(2022, 3, 31),
        dt.date(2022, 4, 30),
    ]


@pytest.mark.parametrize(
    ("day", "before"),
    [
        (dt.date(2026, 11, 28), dt.date(2026, 10, 31)),
        (dt.date(2026, 3, 31), dt.date(2026, 2, 28)),
        (dt.date(2024, 3, 30), dt.date(2024, 2, 29)),
        (dt.date(2026, 1, 15), dt.date(2025, 12, 31)),
        (dt.date(2026, 12, 1), dt.date(2026, 11, 30)),
    ],
)
def test_last_month_end(day, before):
    """The overview's 较上月 compares with the end of last month (issue 21), no longer the same day a month back."""
    assert views.last_month_end(day) == before


def test_current_phase_prefers_the_sub_phase_then_the_next_one():
    assert views.current_phase(CAT, dt.date(2023, 3, 1)).code == "P3.1"
    assert views.current_phase(CAT, dt.date(2023, 12, 31)).code == "P3.2"
    assert views.current_phase(CAT, TODAY).code == "P5"
    assert views.current_phase(CAT, dt.date(2021, 6, 1)).code == "P1"  # before the campaign: the next
    assert views.current_phase(CAT, dt.date(2030, 1, 1)) is None


def test_trend_dates_hold_every_passed_phase_end_and_the_as_of_date():
    dates = views.trend_dates(CAT, TODAY)
    assert dates[0] == dt.date(2022, 3, 31) and dates[-1] == TODAY
    assert {p.end for p in CAT.phases if p.end <= TODAY} <= set(dates)


# ---------------------------------------------------------------- items and categories


def test_item_table_puts_veto_risks_first_and_agrees_with_the_summary(ev):
    table = views.item_table(ev, CAT)
    assert len(table) == 45 and sorted(table["item"]) == list(range(1, 46))
    assert table.iloc[0]["item"] == 30 and table.iloc[0]["veto_risk"]
    assert (table["status"] == "met").sum() == ev.summary["met"]
    ten = table.set_index("item").loc[10]
    assert (ten["metrics_met"], ten["metrics_total"]) == (7, 8)
    assert ten["reasons"] == ["2025年 道路机械化清扫率 76.0% < 80%（城管执法局）"]


def test_veto_risks(ev):
    vetoes = views.veto_risks(ev, CAT)
    assert vetoes[["item", "metric"]].values.tolist() == [[30, "30.6"]]


def test_category_counts_cover_every_item_once(ev):
    counts = views.category_counts(ev, CAT)
    assert counts["items"].sum() == 45
    per_status = counts.groupby("status")["items"].sum()
    for status in ("met", "not_met", "stale", "no_data", "pending"):
        assert per_status[status] == ev.summary[status]
    assert (
        counts.loc[(counts["category"] == 3) & (counts["status"] == "not_met"), "items"].item() == 3
    )  # 10, 14, 20


# ---------------------------------------------------------------- phases


def test_phase_matrix_is_one_evaluation_over_all_phase_dates(demo_con, monkeypatch):
    calls = []
    real = views.item_statuses

    def counting(con, dates, cat=None, **known):
        calls.append(list(dates))
        return real(con, dates, cat, **known)

    monkeypatch.setattr(views, "item_statuses", counting)
    matrix = views.phase_matrix(demo_con, CAT, TODAY)
    assert len(calls) == 1
    assert len(matrix) == 45 * len(CAT.phases)
    assert (matrix.loc[matrix["phase"] == "P6", "status"] == "future").all()
    assert set(matrix.loc[matrix["phase"] == "P5", "evaluated_at"]) == {TODAY}


def test_phase_readiness_equals_the_readiness_history(demo_con):
    readiness = views.phase_readiness(views.phase_matrix(demo_con, CAT, TODAY), CAT).set_index("phase")
    # distinct dates: P3 and P3.2 end on the same day, and the engine miscounts a date passed twice
    dates = sorted({views.phase_eval_date(p, TODAY) for p in CAT.phases} - {None})
    history = readiness_history(demo_con, dates)
    history["as_of"] = pd.to_datetime(history["as_of"]).dt.date
    met = dict(zip(history["as_of"], history["met"], strict=True))
    for p in CAT.phases:
        when = views.phase_eval_date(p, TODAY)
        if when is None:
            assert pd.isna(readiness.loc[p.code, "met"])
        else:
            assert readiness.loc[p.code, "met"] == met[when]


def test_phase_table_judges_each_phase_at_its_end(demo_con):
    history = readiness_history(demo_con, views.trend_dates(CAT, TODAY))
    table = views.phase_table(CAT, history, TODAY).set_index("phase")
    assert table.loc["P2", "evaluated_at"] == dt.date(2022, 12, 31) and table.loc["P2", "state"] == "done"
    assert table.loc["P5", "evaluated_at"] == TODAY and table.loc["P5", "state"] == "current"
    assert table.loc["P6", "state"] == "future" and pd.isna(table.loc["P6", "actual"])
    assert table.loc["P5", "met"] == evaluate(demo_con, TODAY).summary["met"]


# ---------------------------------------------------------------- changes


def test_changes_since_a_month_before(demo_con):
    # The 2024 school food poisoning (a yearly count, its month unknown) counts from the day 2024 starts, as
    # known now: item 30 turns to a veto risk between the end of 2023 and the end of January 2024.
    now, before = evaluate(demo_con, dt.date(2024, 1, 31)), evaluate(demo_con, dt.date(2023, 12, 31))
    changed = views.changes(now, before, CAT)
    merged = now.items.merge(before.items, on="item", suffixes=("", "_b"))
    assert set(changed["item"]) == set(merged.loc[merged["status"] != merged["status_b"], "item"])
    assert 30 in set(changed["item"])
    assert changed.set_index("item").loc[30, "after"] == "not_met"
    assert views.changes(now, now, CAT).empty


# ---------------------------------------------------------------- units


@pytest.fixture(scope="module")
def obligations(demo_con):
    return completeness.obligations(demo_con, TODAY, cat=CAT, per_area=True, current=True)


@pytest.fixture(scope="module")
def ranking(demo_con, ev):
    return completeness.ranking(ev, completeness.by_unit(demo_con, TODAY, cat=CAT), CAT)


def test_the_late_unit(ranking, obligations):
    edu = ranking.set_index("unit").loc["教育局"]
    assert edu["metrics"] == len([m for m in CAT.metrics if m.reporter == "教育局"])
    assert edu["met"] == 0 and edu["on_time"] == 0 and edu["on_time_rate"] == 0
    assert edu["missing"] == edu["metrics"]  # every 2025 annual figure, due 2026-03-01, never came
    assert views.lagging_units(ranking).iloc[0]["unit"] == "教育局"
    due, late = views.unit_due_and_late(obligations, CAT, "教育局")
    assert set(late["period_label"]) == {"2025年"} and set(late["state"]) == {"missing"}
    assert set(due["period_label"]) == {"2026年"} and (due["deadline"] == dt.date(2027, 3, 1)).all()


def test_ranking_counts_figures_not_areas(ranking, obligations):
    """卫健委's figures due in the year to 2026-11-28: each annual metric's 2025 figure (due 2026-03-01), four
    quarters (2025Q4..2026Q3) and twelve months (2025-11..2026-10) per sub-annual metric; its vaccination
    rate per street and township (40.5) is one figure however many areas it has. The due list, by contrast,
    names 40.5 area by area."""
    mine = [m for m in CAT.metrics if m.reporter == "卫健委"]
    per_period = {"year": 1, "quarter": 4, "month": 12}
    health = ranking.set_index("unit").loc["卫健委"]
    assert health["due"] == sum(per_period[m.period] for m in mine)
    assert health["due"] == health["on_time"] + health["late"] + health["missing"]
    due, _ = views.unit_due_and_late(obligations, CAT, "卫健委")
    assert sorted(due.loc[due["metric"] == "40.5", "area"]) == sorted(CAT.metric("40.5").areas)
    assert (due["days_left"] > 0).all() and due["state"].eq("not_due").all()


def test_ranking_orders_by_share_met_then_timeliness(ev, ranking):
    keys = list(zip(-ranking["share_met"], -ranking["on_time_rate"].fillna(1), strict=True))
    assert keys == sorted(keys)
    reporter = {m.code: m.reporter for m in CAT.metrics}
    met = ev.metrics[ev.metrics["status"] == "met"]["metric"].map(reporter).value_counts()
    for row in ranking.itertuples():
        assert row.met == met.get(row.unit, 0)


def test_unit_items_as_lead_and_co_responsible(ev):
    lead, co = views.unit_items(ev, CAT, "教育局")
    assert set(lead["item"]) == {i.code for i in CAT.items if i.lead == "教育局"}
    assert set(co["item"]) == {i.code for i in CAT.items if "教育局" in i.units[1:]}
    assert not set(lead["item"]) & set(co["item"])


def test_unit_options_start_with_the_reporting_units():
    options = views.unit_options(CAT)
    reporters = {m.reporter for m in CAT.metrics}
    assert set(options[: len(reporters)]) == reporters
    assert len(options) == len(set(options))


def test_unit_submissions_stop_at_the_as_of_date(demo_con):
    all_of_them = views.unit_submissions(demo_con, "教育局", TODAY)
    earlier = views.unit_submissions(demo_con, "教育局", dt.date(2024, 1, 1))
    assert len(earlier) < len(all_of_them)
    assert (earlier["submitted_at"] < pd.Timestamp(2024, 1, 2)).all()
    assert "file_bytes" not in all_of_them.columns


# ---------------------------------------------------------------- one metric's history


def test_metric_history_keeps_the_value_that_counts(demo_con):
    history = views.metric_history(demo_con, ["10.3", "40.5"], TODAY)
    city = history[history["metric"] == "10.3"]
    assert city["period_label"].tolist() == [f"{y}年" for y in range(2020, 2026)]
    assert city["value"].tolist()[-1] == 76.0
    areas = history[(history["metric"] == "40.5") & (history["period_label"] == "2025年")]
    assert len(areas) == len(CAT.metric("40.5").areas)
    assert areas.set_index("area").loc["柴河镇", "value"] == 88.5
