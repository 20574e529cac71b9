"""threshold_or_trend: met when the latest value reaches the figure, or the annual values improve steadily
(健康素养水平 ≥23% 或持续提升; 污水集中收集率 ≥75% 或持续提高) — the trend as the trend kind reads 「持续」."""

from indicators.rules.common import (
    RuleKind,
    Why,
    check_direction,
    check_op,
    check_value,
    figure_target,
    op_holds,
    toward,
)
from indicators.rules.threshold import comparison
from indicators.rules.trend import TREND_CTE, verdict

SQL = f"""
SELECT t.as_of, t.metric, t.area,
       CASE WHEN {op_holds("t.v1", "t.op", "t.threshold")} OR t.improves THEN 'met' ELSE 'not_met' END AS status,
       t.v1 AS value, NULL::DOUBLE AS ref_value, t.period_label, t.latest_start, t.series, t.labels,
       list_transform(t.missing_years, lambda y: format('{{}}年', y)) AS missing
FROM ({TREND_CTE.format(kind="threshold_or_trend")}) t
"""

TEXT = {
    "zh": {
        "reason": "{period} {name} {value} {op} {threshold}，{trend}（{reporter}）",
        "figure_met": "{period} {name} {value} {op} {threshold}（{reporter}）",
        "gap": "缺{missing}数据，无法判断是否持续{dir}",
        "up": "提升",
        "down": "降低",
        "target": "{figure}，或持续{dir}",
    },
    "en": {
        "reason": "{period} {name} {value} {op} {threshold}, {trend} ({reporter})",
        "figure_met": "{period} {name} {value} {op} {threshold} ({reporter})",
        "gap": "no figure for {missing} to judge a steady {dir}",
        "up": "rise",
        "down": "fall",
        "target": "{figure}, or a steady {dir}",
    },
}


def _reason(why: Why) -> str | None:
    if why.row["status"] not in ("met", "not_met"):
        return None
    m, text = why.metric, TEXT[why.lang]
    parts = {**why.parts, **comparison(why)}
    if m.target.met_by(why.row["value"]):
        return text["figure_met"].format(**parts)
    missing = why.seq("missing")
    if missing:
        trend = text["gap"].format(missing="、".join(missing), dir=text[m.target.direction])
    else:
        trend = verdict(why, why.row["status"] == "met")
    return text["reason"].format(trend=trend, **parts)


def _target(metric):
    direction = metric.rule.get("direction", "up")
    return figure_target(
        metric,
        lambda figure, lang: TEXT[lang]["target"].format(figure=figure, dir=TEXT[lang][direction]),
        direction=direction,
    )


KIND = RuleKind(
    name="threshold_or_trend",
    label={"zh": "阈值或持续改善", "en": "threshold or trend"},
    value_type="number",
    sql=SQL,
    params=("op", "value", "direction"),
    check=lambda rule: check_op(rule) + check_value(rule) + check_direction(rule),
    reason=_reason,
    target=_target,
    example=toward,
)
