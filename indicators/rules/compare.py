"""compare: one measured value against another measured value (千人口床位数 ≥ 区域卫生规划要求).

The latest value of the metric is compared with the latest value of the metric named in `against`."""

from indicators.rules.common import RuleKind, check_op, op_holds

SQL = f"""
SELECT a.as_of, c.metric, a.area,
       CASE WHEN b.value IS NULL THEN 'no_data'
            WHEN {op_holds("a.value", "c.op", "b.value")} THEN 'met' ELSE 'not_met' END AS status,
       a.value, b.value AS ref_value, a.period_label, a.period_start AS latest_start, [a.value] AS series
FROM cat_metric c
JOIN ranked a ON a.metric = c.metric AND a.k = 1
LEFT JOIN ranked b ON b.as_of = a.as_of AND b.metric = c.against AND b.k = 1
WHERE c.kind = 'compare'
"""


def _check(rule: dict) -> list[str]:
    problems = check_op(rule)
    if not rule.get("against"):
        problems.append("rule.against: 缺少对照指标编码")
    return problems


KIND = RuleKind(
    name="compare",
    label="与对照值比较",
    value_type="number",
    sql=SQL,
    params=("op", "against"),
    check=_check,
)
