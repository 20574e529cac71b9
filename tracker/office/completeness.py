"""Reporting completeness and timeliness: for every reporting unit and period, the figures expected, received,
on time, late and missing, as they stood on an as-of date.

Everything is generated in SQL from cat_metric (what each unit must report, per period type, with the office's
deadline in days after the period ends) and measurement/submission (when a figure first arrived):

- expected: one figure per metric and period ended by the as-of date whose deadline falls on or after `since`
  (a metric reported per street/township counts as received when every listed area has arrived);
- on time: first received on or before period end + deadline_days;
- late: first received after the deadline; missing: not received and the deadline has passed (also late);
- not due: not received yet, deadline still ahead.

A figure counts as received when it arrived by the end of the as-of day (submission time, or the measurement's
recorded_at where no submission row exists). Rates are over figures whose deadline has passed.

This is the one place that computes timeliness: the late page, the briefing, the `late` command and the unit and
overview pages (through tracker.engine.views) all read it. obligations() can also list an area metric area by area and
include the period under way, for what a unit still has to send.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from tracker.catalogue import Catalogue, catalogue
from tracker.engine.catalogue_tables import use_catalogue
from tracker.engine.due import deadline_sql, due_sql, period_step_sql
from tracker.engine.evaluate import Evaluation
from tracker.periods import label as period_label

_STEP = period_step_sql("c.period")
# A figure is due once its deadline has passed (tracker.engine.due).
_DUE = due_sql("deadline", "CAST($as_of AS DATE)")

_STATE = f"""
    CASE WHEN {{at}} IS NOT NULL AND CAST({{at}} AS DATE) <= deadline THEN 'on_time'
         WHEN {{at}} IS NOT NULL THEN 'late'
         WHEN {_DUE} THEN 'missing'
         ELSE 'not_due' END AS state,
    CASE WHEN {{at}} IS NOT NULL AND CAST({{at}} AS DATE) > deadline
         THEN date_diff('day', deadline, CAST({{at}} AS DATE))
         WHEN {{at}} IS NULL AND {_DUE}
         THEN date_diff('day', deadline, CAST($as_of AS DATE)) END AS days_late,
    date_diff('day', CAST($as_of AS DATE), deadline) AS days_left
"""

_PARTS_SQL = f"""
WITH periods AS (
    SELECT c.metric, c.item, c.reporter AS unit, c.period, c.scope, c.deadline_days,
           CAST(g.s AS DATE) AS period_start,
           CAST(g.s + {_STEP} - INTERVAL 1 DAY AS DATE) AS period_end
    FROM cat_metric c
    CROSS JOIN LATERAL (
        SELECT unnest(generate_series(date_trunc(c.period, CAST($since AS DATE)) - INTERVAL 1 YEAR,
                                      CAST($as_of AS DATE), {_STEP})) AS s
    ) g
),
owed AS (   -- periods ended by the as-of date (with $current, also the one under way) due on or after since
    SELECT *, {deadline_sql("period_end", "deadline_days")} AS deadline
    FROM periods
    WHERE (period_end <= CAST($as_of AS DATE) OR $current)
      AND {deadline_sql("period_end", "deadline_days")} >= CAST($since AS DATE)
),
arrivals AS (   -- first arrival per metric / area / period, by the end of the as-of day
    SELECT m.metric, m.area, m.period_start, min(coalesce(s.submitted_at, m.recorded_at)) AS first_at
    FROM measurement m LEFT JOIN submission s ON s.id = m.submission_id
    WHERE coalesce(s.submitted_at, m.recorded_at) < CAST($as_of AS DATE) + INTERVAL 1 DAY
      AND m.period_start <= CAST($as_of AS DATE)
    GROUP BY ALL
),
parts AS (   -- what has to arrive: the city-wide figure, or a value for each listed area of an area metric
    SELECT o.unit, o.metric, o.item, ca.area, o.period, o.period_start, o.period_end, o.deadline,
           a.first_at AS received_at
    FROM owed o
    LEFT JOIN cat_metric_area ca ON o.scope = 'area' AND ca.metric = o.metric
    LEFT JOIN arrivals a ON a.metric = o.metric AND a.period_start = o.period_start
                        AND (a.area = ca.area OR (o.scope <> 'area' AND a.area IS NULL))
)"""

# One row per metric and period; an area metric is received when its last listed area arrives.
OBLIGATIONS_SQL = f"""{_PARTS_SQL},
figures AS (
    SELECT unit, metric, item, period, period_start, any_value(period_end) AS period_end,
           any_value(deadline) AS deadline,
           CASE WHEN count(received_at) = count(*) THEN max(received_at) END AS received_at
    FROM parts
    GROUP BY unit, metric, item, period, period_start
),
obligations AS (
    SELECT unit, metric, item, period, period_start, period_end, deadline, received_at,
           {_STATE.format(at="received_at")}
    FROM figures
)
"""

# One row per metric, area (null for a city-wide figure) and period.
AREA_OBLIGATIONS_SQL = f"""{_PARTS_SQL},
obligations AS (
    SELECT unit, metric, item, area, period, period_start, period_end, deadline, received_at,
           {_STATE.format(at="received_at")}
    FROM parts
)
"""

_COUNTS = """
    count(*) AS expected,
    count(*) FILTER (state IN ('on_time', 'late')) AS received,
    count(*) FILTER (state = 'on_time') AS on_time,
    count(*) FILTER (state = 'late') AS late,
    count(*) FILTER (state = 'missing') AS missing,
    count(*) FILTER (state = 'not_due') AS not_due
"""

BY_PERIOD_SQL = f"""{OBLIGATIONS_SQL}
SELECT unit, period, period_start, any_value(period_end) AS period_end, any_value(deadline) AS deadline, {_COUNTS}
FROM obligations
GROUP BY unit, period, period_start
ORDER BY unit, period_start, period
"""

# Per unit the counts are over the figures due (deadline passed): due = on_time + late + missing. A figure sent
# before a deadline still ahead counts as early, not yet as due: expected = due + early + not_due.
BY_UNIT_SQL = f"""{OBLIGATIONS_SQL},
counted AS (SELECT *, {_DUE} AS is_due FROM obligations)
SELECT unit,
       count(*) AS expected,
       count(*) FILTER (is_due AND state IN ('on_time', 'late')) AS received,
       count(*) FILTER (is_due AND state = 'on_time') AS on_time,
       count(*) FILTER (state = 'late') AS late,
       count(*) FILTER (state = 'missing') AS missing,
       count(*) FILTER (state = 'not_due') AS not_due,
       count(*) FILTER (NOT is_due AND state = 'on_time') AS early,
       count(*) FILTER (is_due) AS due,
       CAST(count(*) FILTER (is_due AND state IN ('on_time', 'late')) AS DOUBLE)
           / nullif(count(*) FILTER (is_due), 0) AS reporting_rate,
       CAST(count(*) FILTER (is_due AND state = 'on_time') AS DOUBLE)
           / nullif(count(*) FILTER (is_due), 0) AS on_time_rate
FROM counted
GROUP BY unit
ORDER BY on_time_rate NULLS LAST, unit
"""

# next_due: per metric (and area), the earliest obligation not yet received whose deadline is still ahead.
_DETAIL = """
SELECT *, state = 'not_due' AND row_number() OVER (
           PARTITION BY {keys}, state = 'not_due' ORDER BY period_start) = 1 AS next_due
FROM obligations
ORDER BY unit, period_start, {keys}
"""
DETAIL_SQL = OBLIGATIONS_SQL + _DETAIL.format(keys="metric")
AREA_DETAIL_SQL = AREA_OBLIGATIONS_SQL + _DETAIL.format(keys="metric, area")


def default_since(as_of: dt.date) -> dt.date:
    """The window's start: deadlines within the year up to the as-of date."""
    return as_of - dt.timedelta(days=365)


def _run(
    con, sql: str, as_of: dt.date, since: dt.date | None, cat: Catalogue | None, current: bool = False
) -> pd.DataFrame:
    use_catalogue(con, cat or catalogue())
    params = {"as_of": as_of, "since": since or default_since(as_of), "current": current}
    return con.execute(sql, params).df()


def _dates(frame: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for col in cols:
        if col in frame:
            frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


def obligations(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    since: dt.date | None = None,
    cat: Catalogue | None = None,
    *,
    per_area: bool = False,
    current: bool = False,
) -> pd.DataFrame:
    """One row per metric and period: unit, item, deadline, received_at (the first arrival; for an area metric
    the last listed area's), state (on_time / late / missing / not_due), days_late, days_left (negative once
    the deadline has passed), next_due (the metric's earliest figure not received whose deadline is ahead),
    period_label.

    per_area: one row per listed area of an area metric (area null for city-wide figures), each judged by its
    own first arrival. current: also the period under way (not_due until it arrives, on_time once it has)."""
    sql = AREA_DETAIL_SQL if per_area else DETAIL_SQL
    out = _dates(_run(con, sql, as_of, since, cat, current), "period_start", "period_end", "deadline")
    out["period_label"] = [
        period_label(p, s) for p, s in zip(out["period"], out["period_start"], strict=True)
    ]
    return out


def by_unit_period(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, since: dt.date | None = None, cat: Catalogue | None = None
) -> pd.DataFrame:
    """Per unit × period: expected, received, on_time, late, missing, not_due."""
    out = _dates(_run(con, BY_PERIOD_SQL, as_of, since, cat), "period_start", "period_end", "deadline")
    out["period_label"] = [
        period_label(p, s) for p, s in zip(out["period"], out["period_start"], strict=True)
    ]
    return out


def by_unit(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, since: dt.date | None = None, cat: Catalogue | None = None
) -> pd.DataFrame:
    """Per unit: due (figures whose deadline has passed), and among them received, on_time, late and missing
    (due = on_time + late + missing); not_due (not received, deadline ahead), early (received, deadline still
    ahead), expected (= due + early + not_due); reporting_rate and on_time_rate over the figures due (None when
    nothing was due). Worst on-time rate first."""
    out = _run(con, BY_UNIT_SQL, as_of, since, cat)
    for col in ("reporting_rate", "on_time_rate"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def late_board(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, since: dt.date | None = None, cat: Catalogue | None = None
) -> pd.DataFrame:
    """Units with figures late or missing, worst first (most missing, then most late): unit, due, late,
    missing, on_time_rate, and what is owed (the missing figures as 「指标名 期间」, at most a few named)."""
    cat = cat or catalogue()
    units = by_unit(con, as_of, since, cat)
    board = units[(units["late"] + units["missing"]) > 0].copy()
    if board.empty:
        return board.assign(owed=pd.Series(dtype=str), late_list=pd.Series(dtype=str))
    detail = obligations(con, as_of, since, cat)
    detail = detail[detail["state"].isin(["missing", "late"])]
    names = detail["metric"].map(lambda c: f"{cat.metric(c).name}（{c}）")
    detail = detail.assign(what=names + " " + detail["period_label"])
    owed = detail[detail["state"] == "missing"].groupby("unit")["what"].agg(list)
    sent_late = detail[detail["state"] == "late"].groupby("unit")["what"].agg(list)
    board["owed"] = board["unit"].map(lambda u: owed.get(u, []))
    board["late_list"] = board["unit"].map(lambda u: sent_late.get(u, []))
    return board.sort_values(["missing", "late", "unit"], ascending=[False, False, True]).reset_index(
        drop=True
    )


def ranking(ev: Evaluation, units: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Per reporting unit: the metrics it reports, how many are met (share_met) and how many wait for the office's
    核实 (pending: the office's backlog, not the unit's) as of the evaluation, and its timeliness from by_unit (due, on_time, late, missing, on_time_rate; NaN when nothing was due). Best first:
    share met, then on-time rate (nothing due counts as all on time), then the unit's name."""
    reporter = {m.code: m.reporter for m in cat.metrics}
    metrics = ev.metrics.assign(
        unit=ev.metrics["metric"].map(reporter),
        met=ev.metrics["status"].eq("met"),
        pending=ev.metrics["status"].eq("pending"),
    )
    per = (
        metrics.groupby("unit")
        .agg(metrics=("met", "size"), met=("met", "sum"), pending=("pending", "sum"))
        .reset_index()
    )
    per["share_met"] = per["met"] / per["metrics"]
    out = per.merge(
        units[["unit", "due", "on_time", "late", "missing", "on_time_rate"]], on="unit", how="left"
    )
    for col in ("due", "on_time", "late", "missing"):
        out[col] = out[col].fillna(0).astype(int)
    out["on_time_rate"] = pd.to_numeric(out["on_time_rate"], errors="coerce").astype(float)
    return (
        out.assign(_t=out["on_time_rate"].fillna(1.0))
        .sort_values(["share_met", "_t", "unit"], ascending=[False, False, True])
        .drop(columns="_t")
        .reset_index(drop=True)
    )


def pending_checks(ev: Evaluation, cat: Catalogue) -> pd.DataFrame:
    """The office's own backlog: the metrics whose unit answered 「是」 and that wait for the office's 核实 (metric,
    item, unit, name), in the catalogue's order. A unit is never late for these (views.lagging_units)."""
    pending = ev.metrics[ev.metrics["status"].eq("pending")]
    return pd.DataFrame(
        {
            "metric": pending["metric"].tolist(),
            "item": [cat.metric(c).item for c in pending["metric"]],
            "unit": [cat.metric(c).reporter for c in pending["metric"]],
            "name": [cat.metric(c).name for c in pending["metric"]],
        },
        columns=["metric", "item", "unit", "name"],
    )
