"""grade: an ordinal grade at least as good as the required one (鼠、蚊、蝇、蟑螂密度 C级).

Grades are stored as ordinals, A = 1 … D = 4, so 'at least C' is value <= 3."""

from indicators.figures import GRADES
from indicators.rules.common import RuleKind, Why

SQL = """
SELECT r.as_of, c.metric, r.area,
       CASE WHEN r.value <= c.threshold THEN 'met' ELSE 'not_met' END AS status,
       r.value, NULL::DOUBLE AS ref_value, r.period_label, r.period_start AS latest_start, [r.value] AS series
FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k = 1
WHERE c.kind = 'grade'
"""

TEXT = {
    "zh": {
        "reason": "{period} {name} {grade}级，要求{at_least}级及以上（{reporter}）",
        "target": "{grade}级及以上",
    },
    "en": {
        "reason": "{period} {name} grade {grade}, {at_least} or better required ({reporter})",
        "target": "grade {grade} or better",
    },
}


def ordinal(letter: str) -> float:
    return float(GRADES.index(letter) + 1)


def _reason(why: Why) -> str | None:
    if why.row["status"] not in ("met", "not_met"):
        return None
    grade = GRADES[int(why.row["value"]) - 1]
    return TEXT[why.lang]["reason"].format(grade=grade, at_least=why.metric.rule["at_least"], **why.parts)


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
    reason=_reason,
    target=lambda metric, lang="zh": TEXT[lang]["target"].format(grade=metric.rule["at_least"]),
    point=lambda metric, value: value <= ordinal(metric.rule["at_least"]),
    # D at the start, the required grade at the end.
    example=lambda metric, progress: min(4.0, ordinal(metric.rule["at_least"]) + round(1 - progress)),
)
