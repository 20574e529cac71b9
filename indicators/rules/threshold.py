"""threshold: the latest value compared with a fixed figure (满意率 ≥90%, 吸烟率 <20%)."""

from indicators.rules.common import RuleKind, check_op, check_value, op_holds

SQL = f"""
SELECT r.as_of, c.metric, r.area,
       CASE WHEN {op_holds("r.value", "c.op", "c.threshold")} THEN 'met' ELSE 'not_met' END AS status,
       r.value, NULL::DOUBLE AS ref_value, r.period_label, r.period_start AS latest_start, [r.value] AS series
FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k = 1
WHERE c.kind = 'threshold'
"""

KIND = RuleKind(
    name="threshold",
    label="阈值",
    value_type="number",
    sql=SQL,
    params=("op", "value"),
    check=lambda rule: check_op(rule) + check_value(rule),
)
