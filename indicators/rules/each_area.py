"""each_area: the threshold holds in every listed area (以乡镇街道为单位疫苗接种率 ≥90%).

One row per area with a value; areas with none are filled in as no_data by the engine."""

from indicators.rules.common import RuleKind, Why, check_op, check_value, figure_target, op_holds, toward

SQL = f"""
SELECT r.as_of, c.metric, r.area,
       CASE WHEN {op_holds("r.value", "c.op", "c.threshold")} THEN 'met' ELSE 'not_met' END AS status,
       r.value, NULL::DOUBLE AS ref_value, r.period_label, r.period_start AS latest_start, [r.value] AS series
FROM cat_metric c
JOIN cat_metric_area a ON a.metric = c.metric
JOIN ranked r ON r.metric = c.metric AND r.area = a.area AND r.k = 1
WHERE c.kind = 'each_area'
"""

TEXT = {
    "zh": {
        "reason": "{period} {name}：{met}/{total} 个街道乡镇达标{detail}（{reporter}）",
        "failing": "，未达标：{areas}",
        "missing": "，缺数据：{areas}",
        "target": "{figure}（每个街道乡镇）",
    },
    "en": {
        "reason": "{period} {name}: {met}/{total} streets and townships met{detail} ({reporter})",
        "failing": "; not met: {areas}",
        "missing": "; no data: {areas}",
        "target": "{figure} (every street and township)",
    },
}


def _reason(why: Why) -> str | None:
    areas, text = why.areas, TEXT[why.lang]
    if why.row["status"] in ("no_data", "stale") and areas["status"].eq(why.row["status"]).all():
        return None
    failing = areas.loc[areas["status"] == "not_met", "area"].tolist()
    missing = areas.loc[areas["status"].isin(["no_data", "stale"]), "area"].tolist()
    detail = (text["failing"].format(areas="、".join(failing)) if failing else "") + (
        text["missing"].format(areas="、".join(missing)) if missing else ""
    )
    period = areas["period_label"].dropna().max() if len(areas) else ""
    return text["reason"].format(
        met=int((areas["status"] == "met").sum()),
        total=len(areas),
        detail=detail,
        **{**why.parts, "period": why.period(period or "")},
    )


def _check(rule: dict) -> list[str]:
    problems = check_op(rule) + check_value(rule)
    if not rule.get("areas"):
        problems.append("rule.areas: 缺少区域（如 各街道办事处、各乡镇人民政府）")
    return problems


KIND = RuleKind(
    name="each_area",
    label={"zh": "各区域均达标", "en": "every area"},
    value_type="number",
    sql=SQL,
    params=("op", "value", "areas"),
    check=_check,
    reason=_reason,
    target=lambda metric: figure_target(
        metric, lambda figure, lang: TEXT[lang]["target"].format(figure=figure)
    ),
    example=toward,
    per_area=True,
)
