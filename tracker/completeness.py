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
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from tracker.catalogue import Catalogue, catalogue
from tracker.evaluate import ensure_catalogue
from tracker.periods import label as period_label

_STEP = "CASE c.period WHEN 'year' THEN INTERVAL 1 YEAR WHEN 'quarter' THEN INTERVAL 3 MONTH ELSE INTERVAL 1 MONTH END"

OBLIGATIONS_SQL = f"""
WITH expected AS (
    SELECT c.metric, c.item, c.reporter AS unit, c.period, c.scope, c.deadline_days,
           CAST(g.s AS DATE) AS period_start,
           CAST(g.s + {_STEP} - INTERVAL 1 DAY AS DATE) AS period_end
    FROM cat_metric c
    CROSS JOIN LATERAL (
        SELECT unnest(generate_series(date_trunc(c.period, CAST($since AS DATE)) - INTERVAL 1 YEAR,
                                      CAST($as_of AS DATE), {_STEP})) AS s
    ) g
),
due AS (
    SELECT *, CAST(period_end + deadline_days AS DATE) AS deadline
    FROM expected
    WHERE period_end <= CAST($as_of AS DATE) AND period_end + deadline_days >= CAST($since AS DATE)
),
arrivals AS (   -- first arrival per metric / area / period, by the end of the as-of day
    SELECT m.metric, m.area, m.period_start, min(coalesce(s.submitted_at, m.recorded_at)) AS first_at
    FROM measurement m LEFT JOIN submission s ON s.id = m.submission_id
    WHERE coalesce(s.submitted_at, m.recorded_at) < CAST($as_of AS DATE) + INTERVAL 1 DAY
      AND m.period_end <= CAST($as_of AS DATE)
    GROUP BY ALL
),
area_count AS (SELECT metric, count(*) AS n FROM cat_metric_area GROUP BY metric),
received AS (   -- per metric and period: when it was complete (every listed area for area metrics)
    SELECT c.metric, a.period_start,
           CASE WHEN c.scope = 'area'
                THEN CASE WHEN count(DISTINCT a.area) = any_value(ac.n) THEN max(a.first_at) END
                ELSE min(a.first_at) END AS received_at
    FROM cat_metric c
    JOIN arrivals a ON a.metric = c.metric
    LEFT JOIN area_count ac ON ac.metric = c.metric
    LEFT JOIN cat_metric_area ca ON ca.metric = c.metric AND ca.area = a.area
    WHERE (c.scope = 'area' AND ca.area IS NOT NULL) OR (c.scope <> 'area' AND a.area IS NULL)
    GROUP BY c.metric, c.scope, a.period_start
),
obligations AS (
    SELECT d.unit, d.metric, d.item, d.period, d.period_start, d.period_end, d.deadline, r.received_at,
           CASE WHEN r.received_at IS NOT NULL AND CAST(r.received_at AS DATE) <= d.deadline THEN 'on_time'
                WHEN r.received_at IS NOT NULL THEN 'late'
                WHEN d.deadline < CAST($as_of AS DATE) THEN 'missing'
                ELSE 'not_due' END AS state,
           CASE WHEN r.received_at IS NOT NULL AND CAST(r.received_at AS DATE) > d.deadline
                THEN date_diff('day', d.deadline, CAST(r.received_at AS DATE))
                WHEN r.received_at IS NULL AND d.deadline < CAST($as_of AS DATE)
                THEN date_diff('day', d.deadline, CAST($as_of AS DATE)) END AS days_late
    FROM due d
    LEFT JOIN received r ON r.metric = d.metric AND r.period_start = d.period_start
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

BY_UNIT_SQL = f"""{OBLIGATIONS_SQL}
SELECT unit, {_COUNTS},
       count(*) FILTER (state <> 'not_due') AS due,
       CAST(count(*) FILTER (state IN ('on_time', 'late')) AS DOUBLE)
           / nullif(count(*) FILTER (state <> 'not_due'), 0) AS reporting_rate,
       CAST(count(*) FILTER (state = 'on_time') AS DOUBLE)
           / nullif(count(*) FILTER (state <> 'not_due'), 0) AS on_time_rate
FROM obligations
GROUP BY unit
ORDER BY on_time_rate NULLS LAST, unit
"""

DETAIL_SQL = f"""{OBLIGATIONS_SQL}
SELECT * FROM obligations ORDER BY unit, period_start, metric
"""


def default_since(as_of: dt.date) -> dt.date:
    """The window's start: deadlines within the year up to the as-of date."""
    return as_of - dt.timedelta(days=365)


def _run(con, sql: str, as_of: dt.date, since: dt.date | None, cat: Catalogue | None) -> pd.DataFrame:
    ensure_catalogue(con, cat or catalogue())
    return con.execute(sql, {"as_of": as_of, "since": since or default_since(as_of)}).df()


def _dates(frame: pd.DataFrame, *cols: str) -> pd.DataFrame:
    for col in cols:
        if col in frame:
            frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


def obligations(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, since: dt.date | None = None, cat: Catalogue | None = None
) -> pd.DataFrame:
    """One row per metric and period: unit, deadline, received_at, state (on_time / late / missing / not_due),
    days_late, period_label."""
    out = _dates(_run(con, DETAIL_SQL, as_of, since, cat), "period_start", "period_end", "deadline")
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
    """Per unit: expected, received, on_time, late, missing, not_due, due (deadline passed), reporting_rate and
    on_time_rate over the figures due (None when nothing was due). Worst on-time rate first."""
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
