"""grade: an ordinal grade at least as good as the required one (鼠、蚊、蝇、蟑螂密度 C级).

Grades are stored as ordinals, A = 1 … D = 4, so 'at least C' is value <= 3."""

from indicators.rules.common import RuleKind, Target, Why, words
from indicators.value_types.grade import GRADES, letter, ordinal

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


def _reason(why: Why) -> str | None:
    if why.row["status"] not in ("met", "not_met"):
        return None
    grade = letter(why.row["value"])
    return TEXT[why.lang]["reason"].format(grade=grade, at_least=why.metric.rule["at_least"], **why.parts)


def _check(rule: dict) -> list[str]:
    if rule.get("at_least") not in GRADES:
        return [f"rule.at_least: 「{rule.get('at_least')}」应为 A、B、C 或 D"]
    return []


def _target(metric) -> Target:
    """At least the grade: at most its ordinal (A = 1); progress is not judged toward a grade."""
    grade = metric.rule["at_least"]
    return Target(
        words=words(lambda lang: TEXT[lang]["target"].format(grade=grade)),
        op="<=",
        figure=ordinal(grade),
        shown=grade,
        unit=metric.unit,
    )


KIND = RuleKind(
    name="grade",
    label={"zh": "等级", "en": "grade"},
    value_type="grade",
    sql=SQL,
    params=("at_least",),
    check=_check,
    reason=_reason,
    target=_target,
    # D at the start, the required grade at the end.
    example=lambda metric, progress, rng=None: min(4.0, metric.target.figure + round(1 - progress)),
)
