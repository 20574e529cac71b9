"""reported: a figure the national form asks for, or the reference of a compare rule; the plan sets
no figure for it, so it is met once reported for the period that is due."""

import random

from indicators.rules.common import RuleKind, Target, Why, words

SQL = """
SELECT r.as_of, c.metric, r.area, 'met' AS status,
       r.value, NULL::DOUBLE AS ref_value, r.period_label, r.period_start AS latest_start, [r.value] AS series
FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k = 1
WHERE c.kind = 'reported'
"""

TEXT = {
    "zh": {"reason": "{period} {name} 已填报 {value}（{reporter}）", "target": "按期填报"},
    "en": {"reason": "{period} {name} reported: {value} ({reporter})", "target": "reported on time"},
}


def _reason(why: Why) -> str | None:
    return TEXT[why.lang]["reason"].format(**why.parts) if why.row["status"] == "met" else None


def _example(metric, progress: float, rng: random.Random | None = None) -> float:
    """Rates that climb into the high nineties (wobbling by the demo's rng), hours of PE around one."""
    if metric.unit == "%":
        return round(min(100.0, 88 + 11 * progress + (rng.uniform(-1, 1) if rng else 0)), 1)
    return round(0.8 + 0.3 * progress, 2)


KIND = RuleKind(
    name="reported",
    label={"zh": "填报", "en": "reported"},
    value_type="number",
    sql=SQL,
    reason=_reason,
    target=lambda metric: Target(words=words(lambda lang: TEXT[lang]["target"]), unit=metric.unit),
    example=_example,
)
