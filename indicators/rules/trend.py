"""trend: the last three annual values strictly improve (近视率逐年下降, 人均预期寿命持续提升).

The three most recent values, latest first, are v1, v2, v3; direction down needs v1 < v2 < v3.
Fewer than three values cannot show a trend: no_data, with the count in the series.
"""

from indicators.rules.common import RuleKind, check_direction

# Shared with threshold_or_trend: per metric/area, the latest three values and whether they improve.
TREND_CTE = """
SELECT r.as_of, c.metric, r.area,
       max(r.value) FILTER (WHERE r.k = 1) AS v1,
       max(r.value) FILTER (WHERE r.k = 2) AS v2,
       max(r.value) FILTER (WHERE r.k = 3) AS v3,
       count(*) AS n,
       max(r.period_label) FILTER (WHERE r.k = 1) AS period_label,
       max(r.period_start) AS latest_start,
       list(r.value ORDER BY r.period_start) AS series
FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k <= 3
WHERE c.kind = '{kind}'
GROUP BY r.as_of, c.metric, r.area
"""

IMPROVES = """(t.n = 3 AND CASE c.direction WHEN 'down' THEN t.v1 < t.v2 AND t.v2 < t.v3
                                  ELSE t.v1 > t.v2 AND t.v2 > t.v3 END)"""

SQL = f"""
SELECT t.as_of, t.metric, t.area,
       CASE WHEN t.n < 3 THEN 'no_data' WHEN {IMPROVES} THEN 'met' ELSE 'not_met' END AS status,
       t.v1 AS value, NULL::DOUBLE AS ref_value, t.period_label, t.latest_start, t.series
FROM ({TREND_CTE.format(kind="trend")}) t JOIN cat_metric c ON c.metric = t.metric
"""

KIND = RuleKind(
    name="trend",
    label="趋势",
    value_type="number",
    sql=SQL,
    params=("direction",),
    check=check_direction,
)
