"""threshold: the latest value compared with a fixed figure (满意率 ≥90%, 吸烟率 <20%)."""

from indicators.figures import english_figure
from indicators.rules.common import (
    RuleKind,
    Why,
    check_op,
    check_value,
    figure_target,
    op_holds,
    shown_op,
    toward,
)

SQL = f"""
SELECT r.as_of, c.metric, r.area,
       CASE WHEN {op_holds("r.value", "c.op", "c.threshold")} THEN 'met' ELSE 'not_met' END AS status,
       r.value, NULL::DOUBLE AS ref_value, r.period_label, r.period_start AS latest_start, [r.value] AS series
FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k = 1
WHERE c.kind = 'threshold'
"""

TEXT = {
    "zh": {"reason": "{period} {name} {value} {op} {threshold}（{reporter}）"},
    "en": {"reason": "{period} {name} {value} {op} {threshold} ({reporter})"},
}


def comparison(why: Why) -> dict:
    """The parts of 「76.0% < 80%」 for the latest value against the rule's figure."""
    goal = why.metric.target
    shown = english_figure(goal.shown) if why.lang == "en" else goal.shown
    return {"op": shown_op(why.row["value"], goal.op, goal.figure), "threshold": shown}


def _reason(why: Why) -> str | None:
    if why.row["status"] not in ("met", "not_met"):
        return None
    return TEXT[why.lang]["reason"].format(**why.parts, **comparison(why))


KIND = RuleKind(
    name="threshold",
    label={"zh": "阈值", "en": "threshold"},
    value_type="number",
    sql=SQL,
    params=("op", "value"),
    check=lambda rule: check_op(rule) + check_value(rule),
    reason=_reason,
    target=figure_target,
    example=toward,
)
