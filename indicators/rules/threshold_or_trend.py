"""threshold_or_trend: met when the latest value reaches the figure, or the last three values improve
(健康素养水平 ≥23% 或持续提升)."""

from indicators.rules.common import RuleKind, check_direction, check_op, check_value, op_holds
from indicators.rules.trend import IMPROVES, TREND_CTE

SQL = f"""
SELECT t.as_of, t.metric, t.area,
       CASE WHEN {op_holds("t.v1", "c.op", "c.threshold")} OR {IMPROVES} THEN 'met' ELSE 'not_met' END AS status,
       t.v1 AS value, NULL::DOUBLE AS ref_value, t.period_label, t.latest_start, t.series
FROM ({TREND_CTE.format(kind="threshold_or_trend")}) t JOIN cat_metric c ON c.metric = t.metric
"""

KIND = RuleKind(
    name="threshold_or_trend",
    label="阈值或持续改善",
    value_type="number",
    sql=SQL,
    params=("op", "value", "direction"),
    check=lambda rule: check_op(rule) + check_value(rule) + check_direction(rule),
)
