"""Progress towards the figure, in the Open SDG manner, for every metric of every item not yet met.

Open SDG (after Statistics Canada and Eurostat) compares the growth observed so far with the growth
needed to reach the target on time, and names the ratio's band. Here:

* target date — the end of the current phase (the innermost phase containing the as-of date; before the
  campaign, the next phase to start). When no phase is left, progress is not assessed.
* observed annual change — from the last values that count as of that date (the latest recorded value
  per period, periods ended by then, as the engine reads them): from the earliest value within two years
  before the latest one to the latest one, divided by the years between the two periods' ends. For annual
  metrics that is the last three values. Two values at least are needed.
* needed annual change — (figure − latest value) ÷ years from the latest value's period end to the target
  date (at least one month). For ≥ and > the figure must be climbed to; for ≤ and < it must be come down
  to, so both changes are negative and the ratio stays positive when moving the right way. At the figure
  itself under a strict rule (value 35 for > 35) any move the right way is enough.
* ratio R = observed ÷ needed, and the band, as Open SDG's defaults:

      R ≥ 0.95          on_track       按期可达
      0.6 ≤ R < 0.95    moderate       有进展需加快（progress made but acceleration needed）
      0 ≤ R < 0.6       limited        进展有限
      R < 0             deteriorating  倒退（moving away from the figure）

Rule kinds without a figure:
* trend (逐年下降/上升) — Open SDG's rule for indicators without a target: the compound annual growth
  rate between the same two values, signed by the desired direction: ≥ 1.5% on_track, 0.5%–1.5%
  moderate, 0–0.5% limited, < 0 deteriorating (values must be positive).
* compare — the figure is the latest reference value (区域卫生规划要求).
* each_area — one row per area not met, against the common figure.
* zero_incident, checklist, grade, reported — not assessable (no figure to approach): note `no_target`.
Metrics not met because their data is stale, missing or awaiting the office's check are not assessable
either (note `stale` / `no_data` / `pending`): the remedy is to report, not to improve.

Absolute changes (percentage points a year) are used for figures rather than Open SDG's compound growth
rates: the plan's figures are levels such as 80%, and a leader reads 「每年 +0.9 个百分点，需 +4.0」 at once.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from tracker.catalogue import Catalogue
from tracker.engine.evaluate import Evaluation
from tracker.engine.views import current_phase, metric_history

ON_TRACK = 0.95
MODERATE = 0.6
TREND_ON_TRACK = 0.015
TREND_MODERATE = 0.005
BASE_SPAN_YEARS = 2
MIN_YEARS_LEFT = 1 / 12
CATEGORIES = ("deteriorating", "limited", "moderate", "on_track", "not_assessable")  # worst first

COLUMNS = [
    "item",
    "metric",
    "area",
    "kind",
    "method",
    "op",
    "target",
    "latest",
    "latest_period",
    "latest_end",
    "base",
    "base_period",
    "base_end",
    "observed",
    "needed",
    "deadline",
    "phase",
    "ratio",
    "category",
    "note",
]


def classify_ratio(ratio: float) -> str:
    """The Open SDG band of observed ÷ needed change."""
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= MODERATE:
        return "moderate"
    if ratio >= 0:
        return "limited"
    return "deteriorating"


def classify_growth(growth: float) -> str:
    """The Open SDG band of a compound annual growth rate in the desired direction (no target)."""
    if growth >= TREND_ON_TRACK:
        return "on_track"
    if growth >= TREND_MODERATE:
        return "moderate"
    if growth >= 0:
        return "limited"
    return "deteriorating"


def _years(later: dt.date, earlier: dt.date) -> float:
    return (later - earlier).days / 365.25


def direction(op: str, target: float, latest: float) -> int:
    """+1 when the figure must be climbed to, -1 when it must be come down to."""
    if op in (">=", ">"):
        return 1
    if op in ("<=", "<"):
        return -1
    return 1 if target >= latest else -1


def assess_target(series: pd.DataFrame, op: str, target: float, deadline: dt.date) -> dict:
    """Observed vs needed annual change for one series (rows: period_start, period_end, period_label, value,
    oldest first) towards `target` under `op` by `deadline`."""
    out = _base_and_latest(series)
    if out.get("note"):
        return out
    d = direction(op, target, out["latest"])
    years_left = max(_years(deadline, out["latest_end"]), MIN_YEARS_LEFT)
    needed = (target - out["latest"]) / years_left
    if needed * d <= 0:  # at the figure under a strict rule: any move the right way will do
        needed = d * 1e-9
    ratio = out["observed"] / needed
    return {**out, "needed": needed, "ratio": ratio, "category": classify_ratio(ratio), "method": "target"}


def assess_trend(series: pd.DataFrame, direction_word: str) -> dict:
    """Compound annual growth in the desired direction, for metrics with no figure to reach."""
    out = _base_and_latest(series)
    if out.get("note"):
        return out
    if out["base"] <= 0 or out["latest"] <= 0:
        return {**out, "note": "not_positive", "category": "not_assessable"}
    years = _years(out["latest_end"], out["base_end"])
    growth = (out["latest"] / out["base"]) ** (1 / years) - 1
    signed = growth if direction_word == "up" else -growth
    return {**out, "ratio": signed, "category": classify_growth(signed), "method": "trend"}


def _base_and_latest(series: pd.DataFrame) -> dict:
    values = series.dropna(subset=["value"]).sort_values("period_start")
    if len(values) < 2:
        latest = values.iloc[-1] if len(values) else None
        return {
            "latest": None if latest is None else float(latest["value"]),
            "latest_period": None if latest is None else latest["period_label"],
            "latest_end": None if latest is None else latest["period_end"],
            "note": "too_few",
            "category": "not_assessable",
        }
    latest = values.iloc[-1]
    start = latest["period_start"]
    floor = start.replace(year=start.year - BASE_SPAN_YEARS)
    base = values[values["period_start"] >= floor].iloc[0]
    if base["period_start"] == latest["period_start"]:
        base = values.iloc[-2]
    years = _years(latest["period_end"], base["period_end"])
    return {
        "latest": float(latest["value"]),
        "latest_period": latest["period_label"],
        "latest_end": latest["period_end"],
        "base": float(base["value"]),
        "base_period": base["period_label"],
        "base_end": base["period_end"],
        "observed": (float(latest["value"]) - float(base["value"])) / years,
    }


def progress_table(con: duckdb.DuckDBPyConnection, ev: Evaluation, cat: Catalogue) -> pd.DataFrame:
    """One row per metric not met (per area for area metrics) of every item not yet met, with its inputs,
    observed and needed annual change, ratio and category; items in code order."""
    phase = current_phase(cat, ev.as_of)
    open_items = set(ev.items.loc[ev.items["status"] != "met", "item"].astype(int))
    metrics = ev.metrics.set_index("metric")
    todo = [
        m
        for i in cat.items
        if i.code in open_items
        for m in i.metrics
        if metrics.loc[m.code, "status"] != "met"
    ]
    wanted = [m.code for m in todo if m.target.approach]
    history = metric_history(con, wanted, ev.as_of) if wanted else pd.DataFrame(columns=["metric", "area"])
    rows: list[dict] = []
    for m in todo:
        row = metrics.loc[m.code]
        base = {
            "item": m.item,
            "metric": m.code,
            "area": None,
            "kind": m.kind,
            "op": m.target.op,
            "deadline": phase.end if phase else None,
            "phase": phase.code if phase else None,
        }
        if row["status"] != "not_met":
            rows.append({**base, "category": "not_assessable", "note": row["status"]})
            continue
        goal = m.target
        how = goal.approach  # toward a figure, as a trend, or not at all (indicators.rules.common.Target)
        if how is None:
            rows.append({**base, "category": "not_assessable", "note": "no_target"})
            continue
        if phase is None and how == "target":
            rows.append({**base, "category": "not_assessable", "note": "no_phase"})
            continue
        series = history[history["metric"] == m.code]
        if how == "trend":
            rows.append({**base, **assess_trend(series, goal.direction)})
        elif m.scope == "area":
            failing = ev.areas[(ev.areas["metric"] == m.code) & (ev.areas["status"] == "not_met")]
            for area in failing["area"]:
                one = series[series["area"] == area]
                rows.append(
                    {
                        **base,
                        "area": area,
                        "target": goal.figure,
                        **assess_target(one, goal.op, goal.figure, phase.end),
                    }
                )
        else:
            # A figure measured against (区域卫生规划要求) is the latest reference value.
            target = float(row["ref_value"]) if goal.against else goal.figure
            rows.append(
                {
                    **base,
                    "target": target,
                    **assess_target(series[series["area"].isna()], goal.op, target, phase.end),
                }
            )
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["note"] = out["note"].astype("object").where(out["note"].notna(), None)
    return out


def item_progress(table: pd.DataFrame) -> pd.DataFrame:
    """Per item, the worst assessed category of its rows (not_assessable only when none was assessed)."""
    rank = {c: i for i, c in enumerate(CATEGORIES)}
    worst = table.groupby("item")["category"].agg(lambda s: min(s, key=rank.__getitem__))
    return worst.rename("progress").reset_index()
