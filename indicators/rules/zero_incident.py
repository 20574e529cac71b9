"""zero_incident: no incident reported in a rolling window back from the evaluation date
(近3年未发生重大环境污染事故). A failure is a veto risk.

Periods count when they end inside (as_of − years, as_of]; value is the incident total in the window.
"""

from indicators.rules.common import RuleKind

SQL = """
SELECT r.as_of, c.metric, r.area,
       CASE WHEN sum(r.value) > 0 THEN 'not_met' ELSE 'met' END AS status,
       sum(r.value) AS value, NULL::DOUBLE AS ref_value,
       max(r.period_label) FILTER (WHERE r.k = 1) AS period_label,
       max(r.period_start) AS latest_start,
       list(r.value ORDER BY r.period_start) AS series
FROM cat_metric c JOIN ranked r ON r.metric = c.metric
WHERE c.kind = 'zero_incident'
  AND r.period_end > r.as_of - to_years(CAST(c.years AS INTEGER))
GROUP BY r.as_of, c.metric, r.area
"""


def _check(rule: dict) -> list[str]:
    years = rule.get("years", 3)
    if not isinstance(years, int) or isinstance(years, bool) or years < 1:
        return [f"rule.years: 「{years}」应为正整数（年数）"]
    return []


KIND = RuleKind(
    name="zero_incident",
    label="零事故",
    value_type="count",
    sql=SQL,
    params=("years",),
    check=_check,
    veto=True,
)
