"""grade: an ordinal grade at least as good as the required one (鼠、蚊、蝇、蟑螂密度 C级).

Grades are stored as ordinals, A = 1 … D = 4, so 'at least C' is value <= 3."""

from indicators.rules.common import RuleKind

GRADES = ("A", "B", "C", "D")

SQL = """
SELECT r.as_of, c.metric, r.area,
       CASE WHEN r.value <= c.threshold THEN 'met' ELSE 'not_met' END AS status,
       r.value, NULL::DOUBLE AS ref_value, r.period_label, r.period_start AS latest_start, [r.value] AS series
FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k = 1
WHERE c.kind = 'grade'
"""


def _check(rule: dict) -> list[str]:
    if rule.get("at_least") not in GRADES:
        return [f"rule.at_least: 「{rule.get('at_least')}」应为 A、B、C 或 D"]
    return []


KIND = RuleKind(
    name="grade",
    label="等级",
    value_type="grade",
    sql=SQL,
    params=("at_least",),
    check=_check,
)
