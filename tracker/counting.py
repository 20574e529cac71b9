"""The value that counts — one definition, used by the evaluation, the views, the national form and uploads.

For a metric, area and period, the value that counts is the most recently recorded one (ties: the later id)
among the units whose figure counts, as known at a moment (values recorded, and the office's choices made, by
then; the default is everything known now):
  - the metric's designated reporter, the office (创卫办), and for an area metric the area's own unit;
  - unless the office chose another listed unit's figure for that metric/area/period (figure_choice): then
    that unit's, until a later choice returns it to the reporter.
Figures from other listed units are kept and shown beside it (tracker.figures), never counted silently.
"""

from __future__ import annotations

import datetime as dt

from indicators.rules.common import OFFICE

FAR_FUTURE = dt.datetime(9999, 12, 31)

# Whether measurement m's unit is one whose figure counts by default (c: its cat_metric row).
DEFAULT_UNITS = f"(m.unit = c.reporter OR m.unit = '{OFFICE}' OR m.unit = m.area)"


def ctes(max_start: str = "DATE '9999-12-31'") -> str:
    """CTEs `choice`, `latest` and `eff` over a CTE `knowns(known_at)` that the caller defines: eff holds, per
    known_at, the value that counts per metric/area/period (columns known_at, id, metric, unit, area,
    period_start, period_end, period_label, value, recorded_at), for periods starting by `max_start`."""
    return f"""
choice AS (   -- the office's latest choice per metric/area/period, as known then
    SELECT k.known_at, f.metric, coalesce(f.area, '') AS area_k, f.period_start, f.unit
    FROM figure_choice f JOIN knowns k ON f.chosen_at <= k.known_at
    QUALIFY row_number() OVER (PARTITION BY k.known_at, f.metric, f.area, f.period_start
                               ORDER BY f.chosen_at DESC) = 1
),
latest AS MATERIALIZED (
    SELECT k.known_at, m.metric, m.area, m.period_start, m.period_end,
           max_by(struct_pack(id := m.id, unit := m.unit, period_label := m.period_label, value := m.value,
                              recorded_at := m.recorded_at),
                  epoch_us(m.recorded_at)::HUGEINT * 1099511627776 + m.id) AS s
    FROM measurement m
    JOIN knowns k ON m.recorded_at <= k.known_at
    JOIN cat_metric c ON c.metric = m.metric
    LEFT JOIN choice ch ON ch.known_at = k.known_at AND ch.metric = m.metric
                       AND ch.area_k = coalesce(m.area, '') AND ch.period_start = m.period_start
    WHERE m.period_start <= {max_start}
      AND CASE WHEN ch.unit IS NOT NULL THEN m.unit = ch.unit ELSE {DEFAULT_UNITS} END
    GROUP BY k.known_at, m.metric, m.area, m.period_start, m.period_end
),
eff AS (
    SELECT known_at, s.id AS id, metric, s.unit AS unit, area, period_start, period_end,
           s.period_label AS period_label, s.value AS value, s.recorded_at AS recorded_at
    FROM latest
)"""


def latest_sql(known_at: dt.datetime | None = None) -> tuple[str, dict]:
    """A query for the value that counts of every metric/area/period as known at `known_at`, with its params."""
    sql = f"""WITH knowns AS (SELECT CAST($known_at AS TIMESTAMP) AS known_at),
    {ctes()}
    SELECT * EXCLUDE (known_at) FROM eff"""
    return sql, {"known_at": known_at or FAR_FUTURE}
