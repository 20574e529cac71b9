"""each_area: the threshold holds in every listed area (以乡镇街道为单位疫苗接种率 ≥90%).

One row per area with a value; areas with none are filled in as no_data by the engine."""

from indicators.rules.common import RuleKind, check_op, check_value, op_holds

SQL = f"""
SELECT r.as_of, c.metric, r.area,
       CASE WHEN {op_holds("r.value", "c.op", "c.threshold")} THEN 'met' ELSE 'not_met' END AS status,
       r.value, NULL::DOUBLE AS ref_value, r.period_label, r.period_start AS latest_start, [r.value] AS series
FROM cat_metric c
JOIN cat_metric_area a ON a.metric = c.metric
JOIN ranked r ON r.metric = c.metric AND r.area = a.area AND r.k = 1
WHERE c.kind = 'each_area'
"""


def _check(rule: dict) -> list[str]:
    problems = check_op(rule) + check_value(rule)
    if not rule.get("areas"):
        problems.append("rule.areas: 缺少区域（如 各街道办事处、各乡镇人民政府）")
    return problems


KIND = RuleKind(
    name="each_area",
    label="各区域均达标",
    value_type="number",
    sql=SQL,
    params=("op", "value", "areas"),
    check=_check,
)
