"""trend: the annual values improve, the way the plan's words read (direction per metric), always over the three
years the national form asks for: the latest year ended (y) and the two before it (y−2, y−1).

mode steady (「持续降低」「持续提升」「呈下降趋势」, the default): each year not worse than the one before, and y better
  than y−2.
mode yearly (「逐年下降」, 30.4 and 30.5): each year better than the one before.
mode lower (「降低」 with no 逐年 or 持续, 40.1–40.3): y better than y−2, whatever y−1 did.
In every mode a series sitting at its best passes (`best`: 0 for a falling figure, 100 for a rising percentage;
none for 人均预期寿命): 0 deaths three years running is the best there is. A flat series with no best is no
improvement. A year missing among the three is 无数据 naming it: a gap is never read as a trend.
"""

import random

from indicators.rules.common import RuleKind, Target, Why, check_direction, words

MODES = ("steady", "yearly", "lower")

# Per metric/area: the three latest annual values and their years, and the verdict of the rule's mode:
# improves is NULL when the years it needs are not all there (missing names them).
TREND_CTE = """
WITH t AS (
    SELECT r.as_of, c.metric, r.area,
           max(r.value) FILTER (WHERE r.k = 1) AS v1, max(year(r.period_start)) FILTER (WHERE r.k = 1) AS y1,
           max(r.value) FILTER (WHERE r.k = 2) AS v2, max(year(r.period_start)) FILTER (WHERE r.k = 2) AS y2,
           max(r.value) FILTER (WHERE r.k = 3) AS v3, max(year(r.period_start)) FILTER (WHERE r.k = 3) AS y3,
           max(r.period_label) FILTER (WHERE r.k = 1) AS period_label,
           max(r.period_start) AS latest_start
    FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k <= 3
    WHERE c.kind = '{kind}'
    GROUP BY r.as_of, c.metric, r.area
),
p AS (
    SELECT t.*, c.direction, c.op, c.threshold, coalesce(c.rule->>'mode', 'steady') AS mode,
           CASE WHEN t.y2 = t.y1 - 1 THEN t.v2 WHEN t.y3 = t.y1 - 1 THEN t.v3 END AS m1,   -- y−1
           CASE WHEN t.y2 = t.y1 - 2 THEN t.v2 WHEN t.y3 = t.y1 - 2 THEN t.v3 END AS m2,   -- y−2
           coalesce(TRY_CAST(c.rule->>'best' AS DOUBLE),
                    CASE WHEN c.direction = 'down' THEN 0 WHEN c.uom = '%' THEN 100 END) AS best
    FROM t JOIN cat_metric c ON c.metric = t.metric
),
q AS (   -- s = +1 for a rising figure, -1 for a falling one: "better" is s * (a - b) > 0
    SELECT p.*, CASE WHEN p.direction = 'down' THEN -1 ELSE 1 END AS s FROM p
),
b AS (   -- each year at the best (false when the metric has none)
    SELECT q.*, coalesce(q.s * (q.v1 - q.best) >= 0, false) AS b1, coalesce(q.s * (q.m1 - q.best) >= 0, false) AS b1_,
           coalesce(q.s * (q.m2 - q.best) >= 0, false) AS b2
    FROM q
)
SELECT b.*,
       list_filter([b.y1 - 2, b.y1 - 1], lambda y: NOT list_contains([b.y2, b.y3], y)) AS missing_years,
       CASE WHEN b.m1 IS NULL OR b.m2 IS NULL THEN NULL
            WHEN b.b1 AND b.b1_ AND b.b2 THEN true
            WHEN b.mode = 'lower' THEN b.s * (b.v1 - b.m2) > 0
            WHEN b.mode = 'yearly'
                THEN (b.s * (b.m1 - b.m2) > 0 OR (b.b1_ AND b.b2)) AND (b.s * (b.v1 - b.m1) > 0 OR (b.b1 AND b.b1_))
            ELSE b.s * (b.v1 - b.m1) >= 0 AND b.s * (b.m1 - b.m2) >= 0 AND b.s * (b.v1 - b.m2) > 0 END AS improves,
       [b.m2, b.m1, b.v1] AS series,
       [format('{{}}年', b.y1 - 2), format('{{}}年', b.y1 - 1), b.period_label] AS labels
FROM b
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
        "span": "近3年",
        ("steady", "down", True): "持续下降",
        ("steady", "down", False): "未持续下降",
        ("steady", "up", True): "持续上升",
        ("steady", "up", False): "未持续上升",
        ("yearly", "down", True): "逐年下降",
        ("yearly", "down", False): "未逐年下降",
        ("yearly", "up", True): "逐年上升",
        ("yearly", "up", False): "未逐年上升",
        ("lower", "down", True): "已下降",
        ("lower", "down", False): "未下降",
        ("lower", "up", True): "已上升",
        ("lower", "up", False): "未上升",
        "at_best": "保持在最好水平",
        "target_steady_down": "近3年持续下降（持平于0亦可）",
        "target_steady_up": "近3年持续上升",
        "target_yearly_down": "近3年逐年下降（持平于0亦可）",
        "target_yearly_up": "近3年逐年上升",
        "target_lower_down": "最近一年低于两年前（3年均为0亦可）",
        "target_lower_up": "最近一年高于两年前",
    },
    "en": {
        "reason": "{name} {span} {series}: {verdict} ({reporter})",
        "gap": "{name}: no figure for {missing}, no trend can be judged ({reporter})",
        "span": "last 3 years",
        ("steady", "down", True): "steadily falling",
        ("steady", "down", False): "not steadily falling",
        ("steady", "up", True): "steadily rising",
        ("steady", "up", False): "not steadily rising",
        ("yearly", "down", True): "lower every year",
        ("yearly", "down", False): "not lower every year",
        ("yearly", "up", True): "higher every year",
        ("yearly", "up", False): "not higher every year",
        ("lower", "down", True): "lower",
        ("lower", "down", False): "not lower",
        ("lower", "up", True): "higher",
        ("lower", "up", False): "not higher",
        "at_best": "holding at the best level",
        "target_steady_down": "falling over the last 3 years (flat at 0 counts)",
        "target_steady_up": "rising over the last 3 years",
        "target_yearly_down": "lower every year of the last 3 (flat at 0 counts)",
        "target_yearly_up": "higher every year of the last 3",
        "target_lower_down": "the latest year lower than two years before (0 all 3 years counts)",
        "target_lower_up": "the latest year higher than two years before",
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
    return " → ".join(f"{why.period(label)} {why.fig(v)}" for label, v in zip(labels, values, strict=False))


def gap_reason(why: Why) -> str | None:
    missing = why.seq("missing")
    if not missing:
        return None
    return TEXT[why.lang]["gap"].format(missing=why.listed("missing"), **why.parts)


def _reason(why: Why) -> str | None:
    status, text = why.row["status"], TEXT[why.lang]
    if status == "no_data":
        return gap_reason(why)
    if status not in ("met", "not_met"):
        return None
    return text["reason"].format(
        span=text["span"],
        series=shown_series(why),
        verdict=verdict(why, status == "met"),
        **why.parts,
    )


def trend_target(metric) -> Target:
    direction = metric.rule.get("direction", "up")
    return Target(
        words=words(lambda lang: TEXT[lang][f"target_{mode(metric)}_{direction}"]),
        unit=metric.unit,
        direction=direction,
        approach="trend",
    )


def _check(rule: dict) -> list[str]:
    problems = check_direction(rule)
    if rule.get("mode", "steady") not in MODES:
        problems.append(
            f"rule.mode: 「{rule.get('mode')}」应为 steady（持续）、yearly（逐年）或 lower（降低：最近一年比两年前）"
        )
    best = rule.get("best")
    if best is not None and (isinstance(best, bool) or not isinstance(best, int | float)):
        problems.append(f"rule.best: 「{best}」不是数值")
    return problems


def improving(metric, progress: float, rng: random.Random | None = None) -> float:
    """A value that improves with progress, from a base the metric's unit makes plausible."""
    base = {"%": 30.0, "岁": 76.0}.get(metric.unit, 10.0)
    step = 0.1 * base * progress
    return round(base + step if metric.target.direction == "up" else base - step, 2)


KIND = RuleKind(
    name="trend",
    label={"zh": "趋势", "en": "trend"},
    value_type="number",
    sql=SQL,
    params=("direction", "mode", "best"),
    check=_check,
    reason=_reason,
    target=trend_target,
    example=improving,
)
