"""trend: the annual values improve, the way the plan's words read (direction per metric).

mode steady (「持续降低」「逐年下降」「持续提升」, the default): the last three consecutive years, each not worse than
  the one before, and better overall — unless the series sits at its best (`best`: 0 for a falling figure,
  100 for a rising percentage), since 0 deaths three years running is the best there is.
mode three_years_ago (「降低」 with no 逐年, 孕产妇死亡率): the latest value better than the value three years
  earlier, or both at the best.
A year missing inside the span is 无数据 naming it: a gap is never read as a trend.
"""

from indicators.rules.common import RuleKind, Why, check_direction

# Per metric/area: the four latest annual values and their years, and the verdict of the rule's mode:
# improves is NULL when the years it needs are not all there (missing names them).
TREND_CTE = """
WITH t AS (
    SELECT r.as_of, c.metric, r.area,
           max(r.value) FILTER (WHERE r.k = 1) AS v1, max(year(r.period_start)) FILTER (WHERE r.k = 1) AS y1,
           max(r.value) FILTER (WHERE r.k = 2) AS v2, max(year(r.period_start)) FILTER (WHERE r.k = 2) AS y2,
           max(r.value) FILTER (WHERE r.k = 3) AS v3, max(year(r.period_start)) FILTER (WHERE r.k = 3) AS y3,
           max(r.value) FILTER (WHERE r.k = 4) AS v4, max(year(r.period_start)) FILTER (WHERE r.k = 4) AS y4,
           max(r.period_label) FILTER (WHERE r.k = 1) AS period_label,
           max(r.period_start) AS latest_start
    FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k <= 4
    WHERE c.kind = '{kind}'
    GROUP BY r.as_of, c.metric, r.area
),
p AS (
    SELECT t.*, c.direction, c.op, c.threshold,
           coalesce(c.rule->>'mode', 'steady') AS mode,
           coalesce(TRY_CAST(c.rule->>'best' AS DOUBLE),
                    CASE WHEN c.direction = 'down' THEN 0 WHEN c.uom = '%' THEN 100 END) AS best,
           CASE WHEN t.y2 = t.y1 - 3 THEN t.v2 WHEN t.y3 = t.y1 - 3 THEN t.v3 WHEN t.y4 = t.y1 - 3 THEN t.v4
           END AS v0
    FROM t JOIN cat_metric c ON c.metric = t.metric
)
SELECT p.*,
       CASE WHEN p.mode = 'three_years_ago'
            THEN CASE WHEN p.v0 IS NULL THEN [p.y1 - 3] ELSE [] END
            ELSE list_filter([p.y1 - 2, p.y1 - 1], lambda y: NOT list_contains([p.y2, p.y3], y)) END
            AS missing_years,
       CASE WHEN p.mode = 'three_years_ago' THEN
                CASE WHEN p.v0 IS NULL THEN NULL
                     WHEN p.direction = 'down' THEN p.v1 < p.v0 OR (p.v1 <= p.best AND p.v0 <= p.best)
                     ELSE p.v1 > p.v0 OR (p.v1 >= p.best AND p.v0 >= p.best) END
            WHEN p.y2 IS DISTINCT FROM p.y1 - 1 OR p.y3 IS DISTINCT FROM p.y1 - 2 THEN NULL
            WHEN p.direction = 'down'
                THEN p.v1 <= p.v2 AND p.v2 <= p.v3 AND (p.v1 < p.v3 OR p.v1 <= p.best)
            ELSE p.v1 >= p.v2 AND p.v2 >= p.v3 AND (p.v1 > p.v3 OR p.v1 >= p.best) END AS improves,
       CASE WHEN p.mode = 'three_years_ago' THEN [p.v0, p.v1] ELSE [p.v3, p.v2, p.v1] END AS series,
       CASE WHEN p.mode = 'three_years_ago' THEN [format('{{}}年', p.y1 - 3), p.period_label]
            ELSE [format('{{}}年', p.y1 - 2), format('{{}}年', p.y1 - 1), p.period_label] END AS labels
FROM p
"""

SQL = f"""
SELECT t.as_of, t.metric, t.area,
       CASE WHEN t.improves IS NULL THEN 'no_data' WHEN t.improves THEN 'met' ELSE 'not_met' END AS status,
       t.v1 AS value, NULL::DOUBLE AS ref_value, t.period_label, t.latest_start, t.series, t.labels,
       list_transform(t.missing_years, lambda y: format('{{}}年', y)) AS missing
FROM ({TREND_CTE.format(kind="trend")}) t
"""

TEXT = {
    "zh": {
        "reason": "{name} {span} {series}，{verdict}（{reporter}）",
        "gap": "{name} 缺{missing}数据，无法判断趋势（{reporter}）",
        "span_steady": "近3年",
        "span_three_years_ago": "与3年前相比",
        ("steady", "down", True): "持续下降",
        ("steady", "down", False): "未持续下降",
        ("steady", "up", True): "持续上升",
        ("steady", "up", False): "未持续上升",
        ("three_years_ago", "down", True): "已下降",
        ("three_years_ago", "down", False): "未下降",
        ("three_years_ago", "up", True): "已上升",
        ("three_years_ago", "up", False): "未上升",
        "at_best": "保持在最好水平",
        "target_steady_down": "逐年下降（持平于0亦可）",
        "target_steady_up": "逐年上升",
        "target_three_years_ago_down": "低于3年前（均为0亦可）",
        "target_three_years_ago_up": "高于3年前",
    },
    "en": {
        "reason": "{name} {span} {series}: {verdict} ({reporter})",
        "gap": "{name}: no figure for {missing}, no trend can be judged ({reporter})",
        "span_steady": "last 3 years",
        "span_three_years_ago": "against 3 years earlier",
        ("steady", "down", True): "steadily falling",
        ("steady", "down", False): "not steadily falling",
        ("steady", "up", True): "steadily rising",
        ("steady", "up", False): "not steadily rising",
        ("three_years_ago", "down", True): "lower",
        ("three_years_ago", "down", False): "not lower",
        ("three_years_ago", "up", True): "higher",
        ("three_years_ago", "up", False): "not higher",
        "at_best": "holding at the best level",
        "target_steady_down": "falling year on year (flat at 0 counts)",
        "target_steady_up": "rising year on year",
        "target_three_years_ago_down": "lower than 3 years earlier (0 both times counts)",
        "target_three_years_ago_up": "higher than 3 years earlier",
    },
}


def mode(metric) -> str:
    return metric.rule.get("mode", "steady")


def verdict(why: Why, met: bool) -> str:
    """The words for how the series moved: 「持续下降」「未持续下降」, 「保持在最好水平」 for a flat series at its best."""
    text, m = TEXT[why.lang], why.metric
    values = why.seq("series")
    if met and len(values) > 1 and max(values) == min(values):
        return text["at_best"]
    return text[(mode(m), m.rule.get("direction", "up"), met)]


def shown_series(why: Why) -> str:
    labels, values = why.seq("labels", keep_missing=True), why.seq("series", keep_missing=True)
    return " → ".join(f"{label} {why.fig(v)}" for label, v in zip(labels, values, strict=False))


def gap_reason(why: Why) -> str | None:
    missing = why.seq("missing")
    if not missing:
        return None
    return TEXT[why.lang]["gap"].format(missing="、".join(missing), **why.parts)


def _reason(why: Why) -> str | None:
    status, text = why.row["status"], TEXT[why.lang]
    if status == "no_data":
        return gap_reason(why)
    if status not in ("met", "not_met"):
        return None
    return text["reason"].format(
        span=text[f"span_{mode(why.metric)}"],
        series=shown_series(why),
        verdict=verdict(why, status == "met"),
        **why.parts,
    )


def trend_target(metric, lang: str = "zh") -> str:
    return TEXT[lang][f"target_{mode(metric)}_{metric.rule.get('direction', 'up')}"]


def _check(rule: dict) -> list[str]:
    problems = check_direction(rule)
    if rule.get("mode", "steady") not in ("steady", "three_years_ago"):
        problems.append(
            f"rule.mode: 「{rule.get('mode')}」应为 steady（持续）或 three_years_ago（与3年前比）"
        )
    best = rule.get("best")
    if best is not None and (isinstance(best, bool) or not isinstance(best, int | float)):
        problems.append(f"rule.best: 「{best}」不是数值")
    return problems


def improving(metric, progress: float) -> float:
    """A value that improves with progress, from a base the metric's unit makes plausible."""
    base = {"%": 30.0, "岁": 76.0}.get(metric.unit, 10.0)
    step = 0.1 * base * progress
    return round(base + step if metric.rule.get("direction") == "up" else base - step, 2)


KIND = RuleKind(
    name="trend",
    label="趋势",
    value_type="number",
    sql=SQL,
    params=("direction", "mode", "best"),
    check=_check,
    reason=_reason,
    target=trend_target,
    example=improving,
)
