"""Figures from units other than the designated reporter (「与报送单位数据不一致」); the office's choice among them
is an office action (tracker.office.figures).

A listed unit may send a figure for a metric another unit reports (城管执法局 sending 住建局's 14.1). It is kept
and shown beside the reporter's, and counts only when the office chooses it for that metric/area/period
(audited); choosing the reporter again returns to the default. What counts is defined in tracker.engine.counting.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from tracker.catalogue import Catalogue, catalogue
from tracker.engine import counting
from tracker.engine.catalogue_tables import use_catalogue


def other_figures(
    con: duckdb.DuckDBPyConnection,
    metrics: list[str],
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    cat: Catalogue | None = None,
) -> pd.DataFrame:
    """Per metric/area/period ended by as_of, each other unit's latest figure beside the one that counts:
    metric, area, period_start, period_label, unit, value, evidence (of that figure: an inspection round's says
    so), counting_unit, counting_value, differs."""
    use_catalogue(con, cat or catalogue())
    known = known_at or counting.FAR_FUTURE
    return con.execute(
        f"""WITH {counting.ctes(known="CAST($known AS TIMESTAMP)")},
        sent AS (
            SELECT m.metric, m.area, m.period_start, m.unit,
                   max_by(struct_pack(v := m.value, label := m.period_label, ev := m.evidence),
                          (m.recorded_at, m.id)) AS s
            FROM measurement m
            WHERE m.metric IN (SELECT unnest($metrics)) AND m.period_end <= $as_of AND m.recorded_at <= $known
            GROUP BY ALL)
        SELECT p.metric, p.area, p.period_start, p.s.label AS period_label, p.unit, p.s.v AS value,
               p.s.ev AS evidence,
               e.unit AS counting_unit, e.value AS counting_value,
               e.value IS NULL OR abs(p.s.v - e.value) > 1e-9 AS differs
        FROM sent p
        LEFT JOIN eff e ON e.metric = p.metric AND e.area IS NOT DISTINCT FROM p.area
                       AND e.period_start = p.period_start
        WHERE p.unit IS DISTINCT FROM e.unit
        ORDER BY p.metric, p.period_start DESC, p.area, p.unit""",
        {"known": known, "metrics": list(metrics), "as_of": as_of},
    ).df()
