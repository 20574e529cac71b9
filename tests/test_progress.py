"""Open SDG-style progress: the bands at their edges, direction for < and <=, the inputs, and the demo's
stories worked by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.conftest import TODAY
from tracker.catalogue import catalogue
from tracker.engine import progress
from tracker.engine.evaluate import evaluate
from tracker.periods import make


def annual(values: dict[int, float]) -> pd.DataFrame:
    rows = [(make("year", y).start, make("year", y).end, f"{y}年", v) for y, v in sorted(values.items())]
    return pd.DataFrame(rows, columns=["period_start", "period_end", "period_label", "value"])


END_2026 = dt.date(2026, 12, 31)


@pytest.mark.parametrize(
    ("ratio", "band"),
    [
        (2.0, "on_track"),
        (0.95, "on_track"),
        (0.9499, "moderate"),
        (0.6, "moderate"),
        (0.5999, "limited"),
        (0.0, "limited"),
        (-0.0001, "deteriorating"),
    ],
)
def test_ratio_bands_at_their_edges(ratio, band):
    assert progress.classify_ratio(ratio) == band


@pytest.mark.parametrize(
    ("growth", "band"),
    [
        (0.015, "on_track"),
        (0.0149, "moderate"),
        (0.005, "moderate"),
        (0.0049, "limited"),
        (0, "limited"),
        (-0.001, "deteriorating"),
    ],
)
def test_growth_bands_without_a_figure(growth, band):
    assert progress.classify_growth(growth) == band


def test_climbing_to_a_figure_by_hand():
    # 道路机械化清扫率: 74.2 (2023) → 76.0 (2025), figure ≥ 80 by 2026-12-31.
    out = progress.assess_target(annual({2023: 74.2, 2024: 75.1, 2025: 76.0}), ">=", 80.0, END_2026)
    years_observed = 731 / 365.25  # 2023-12-31 → 2025-12-31
    years_left = 365 / 365.25  # 2025-12-31 → 2026-12-31
    assert out["base"] == 74.2 and out["base_period"] == "2023年"
    assert out["latest"] == 76.0 and out["latest_period"] == "2025年"
    assert out["observed"] == pytest.approx(1.8 / years_observed)
    assert out["needed"] == pytest.approx(4.0 / years_left)
    assert out["ratio"] == pytest.approx((1.8 / years_observed) / (4.0 / years_left))
    assert out["category"] == "limited"


@pytest.mark.parametrize(
    ("values", "band"),
    [
        ({2023: 30.0, 2024: 26.0, 2025: 22.0}, "on_track"),  # falling 4 a year, 2 needed
        ({2023: 25.0, 2024: 24.0, 2025: 22.0}, "moderate"),  # falling 1.5 a year: R = 0.75
        ({2023: 22.0, 2024: 22.0, 2025: 22.0}, "limited"),  # flat
        ({2023: 20.0, 2024: 21.0, 2025: 22.0}, "deteriorating"),  # rising, away from the figure
    ],
)
def test_coming_down_to_a_figure_under_less_than(values, band):
    # 吸烟率 < 20%: from 22 the figure is 2 points below, one year left.
    out = progress.assess_target(annual(values), "<", 20.0, END_2026)
    assert out["needed"] < 0
    assert out["category"] == band


def test_less_or_equal_is_direction_aware_too():
    out = progress.assess_target(annual({2024: 12.0, 2025: 11.0}), "<=", 10.0, END_2026)
    assert out["ratio"] == pytest.approx(1.0, rel=0.01) and out["category"] == "on_track"


def test_at_the_figure_under_a_strict_rule_any_move_the_right_way_is_enough():
    rising = progress.assess_target(annual({2023: 34.0, 2025: 35.0}), ">", 35.0, END_2026)
    flat = progress.assess_target(annual({2023: 35.0, 2025: 35.0}), ">", 35.0, END_2026)
    assert rising["category"] == "on_track"
    assert flat["category"] == "limited"


def test_observed_change_starts_within_two_years_of_the_latest():
    out = progress.assess_target(
        annual({2019: 0.0, 2022: 50.0, 2023: 60.0, 2024: 70.0, 2025: 76.0}), ">=", 80, END_2026
    )
    assert out["base_period"] == "2023年"


def test_one_value_is_not_enough():
    out = progress.assess_target(annual({2025: 76.0}), ">=", 80.0, END_2026)
    assert out["category"] == "not_assessable" and out["note"] == "too_few"


def test_trend_without_a_figure_uses_compound_growth_in_the_desired_direction():
    # 中小学生肥胖率 should fall: 13.6 (2022) → 13.5 (2024) is a small fall.
    out = progress.assess_trend(annual({2022: 13.6, 2023: 13.2, 2024: 13.5}), "down")
    growth = (13.5 / 13.6) ** (1 / (731 / 365.25)) - 1
    assert out["ratio"] == pytest.approx(-growth)
    assert out["category"] == "limited"
    assert progress.assess_trend(annual({2022: 13.0, 2024: 14.0}), "down")["category"] == "deteriorating"


@pytest.fixture(scope="module")
def demo_progress(demo_con):
    ev = evaluate(demo_con, TODAY)
    return ev, progress.progress_table(demo_con, ev, catalogue())


def test_demo_stories(demo_progress):
    ev, table = demo_progress
    by = table.set_index(["metric", table["area"].fillna("")])
    assert by.loc[("10.3", ""), "category"] == "limited"
    assert by.loc[("14.1", ""), "category"] == "moderate"  # 33.0 → 34.2, needs > 35: R ≈ 0.75
    assert by.loc[("14.1", ""), "ratio"] == pytest.approx(0.75, abs=0.01)
    assert by.loc[("40.5", "柴河镇"), "category"] == "deteriorating"  # fell to 88.5 from the mid-90s
    assert by.loc[("42.6", ""), "target"] == 3.0  # the regional plan's figure, a measured reference
    assert by.loc[("42.6", ""), "category"] == "limited"
    assert by.loc[("30.1", ""), "note"] == "stale"  # 教育局's 2025 figures are missing: report first
    assert by.loc[("30.6", ""), "note"] == "no_target"  # a veto incident has no figure to approach
    assert (table["deadline"] == dt.date(2026, 12, 31)).all()  # the end of P5, the current phase


def test_only_items_not_met_are_assessed(demo_progress):
    ev, table = demo_progress
    open_items = set(ev.items.loc[ev.items["status"] != "met", "item"])
    assert set(table["item"]) == open_items


def test_item_progress_is_the_worst_assessed_band(demo_progress):
    _, table = demo_progress
    per_item = progress.item_progress(table).set_index("item")["progress"]
    assert per_item[40] == "deteriorating"
    assert per_item[30] == "limited"  # stale and veto rows are not assessed; obesity is limited
    assert per_item[2] == "not_assessable"
