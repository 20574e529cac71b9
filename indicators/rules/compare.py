"""compare: one measured value against another measured value (千人口床位数 ≥ 区域卫生规划要求).

The latest value of the metric is compared with the reference metric named in `against` for the same year,
or the latest reference at most `ref_years` years older (`against_label`: how reasons name the reference) (a five-year regional plan: ref_years 5; default 1,
the same year only). An older reference is 数据过期, naming its year; none at all is 无数据."""

from indicators.rules.common import SHOWN_OP, RuleKind, Target, Why, check_op, op_holds, shown_op, words

SQL = f"""
WITH a AS (
    SELECT r.as_of, r.known_at, c.metric, r.area, r.value, r.period_label, r.period_start, c.op, c.against,
           coalesce(TRY_CAST(c.rule->>'ref_years' AS INTEGER), 1) AS ref_years
    FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k = 1
    WHERE c.kind = 'compare'
),
b AS (   -- the latest reference not later than the figure's period
    SELECT a.as_of, a.metric, a.area,
           arg_max(struct_pack(v := r.value, label := r.period_label, start := r.period_start), r.period_start)
               AS ref
    FROM a JOIN eff r ON r.known_at = a.known_at AND r.metric = a.against AND r.area IS NOT DISTINCT FROM a.area
                     AND r.period_start <= a.period_start AND r.period_end <= a.as_of
    GROUP BY ALL
)
SELECT a.as_of, a.metric, a.area,
       CASE WHEN b.ref IS NULL THEN 'no_data'
            WHEN year(b.ref.start) <= year(a.period_start) - a.ref_years THEN 'stale'
            WHEN {op_holds("a.value", "a.op", "b.ref.v")} THEN 'met' ELSE 'not_met' END AS status,
       a.value, b.ref.v AS ref_value, a.period_label, a.period_start AS latest_start, [a.value] AS series,
       b.ref.label AS ref_label
FROM a LEFT JOIN b ON b.as_of = a.as_of AND b.metric = a.metric AND b.area IS NOT DISTINCT FROM a.area
"""

TEXT = {
    "zh": {
        "reason": "{period} {name} {value} {op} {against} {ref}（{reporter}）",
        "ref_period": "（{ref_period}）",
        "no_ref": "{period} {name} {value}，缺少{against}（{reporter}）",
        "old_ref": "{period} {name} {value}，{against}最新为{ref_period}，超过{years}年有效期，需更新（{reporter}）",
        "target": "{op}{against}",
    },
    "en": {
        "reason": "{period} {name} {value} {op} {against} {ref} ({reporter})",
        "ref_period": " ({ref_period})",
        "no_ref": "{period} {name} {value}; {against} missing ({reporter})",
        "old_ref": "{period} {name} {value}; the latest {against} is of {ref_period}, older than {years} years "
        "({reporter})",
        "target": "{op} {against}",
    },
}


def _reason(why: Why) -> str | None:
    m, status, text = why.metric, why.row["status"], TEXT[why.lang]
    if why.value() is None:
        return None
    against = m.rule.get("against_label") or m.against_name
    if status == "no_data":
        return text["no_ref"].format(against=against, **why.parts)
    ref_period = why.period(why.row.get("ref_label") or "")
    parts = {"against": against, "ref_period": ref_period, **why.parts}
    if status == "stale" and why.value("ref_value") is not None:
        return text["old_ref"].format(years=m.rule.get("ref_years", 1), **parts)
    if status not in ("met", "not_met"):
        return None
    op = shown_op(why.row["value"], m.rule["op"], why.row["ref_value"])
    # The reference's period is said only when it is not the figure's own.
    shown = "" if ref_period == why.parts["period"] else text["ref_period"].format(ref_period=ref_period)
    return text["reason"].format(op=op, ref=why.fig(why.row["ref_value"]) + shown, **parts)


def _check(rule: dict) -> list[str]:
    problems = check_op(rule)
    if not rule.get("against"):
        problems.append("rule.against: 缺少对照指标编码")
    years = rule.get("ref_years", 1)
    if not isinstance(years, int) or isinstance(years, bool) or years < 1:
        problems.append(f"rule.ref_years: 「{years}」应为正整数（对照值有效年数）")
    return problems


def _target(metric) -> Target:
    """Closing on the reference measured `against`: the comparison holds, the figure is the reference's value."""
    against = metric.rule.get("against_label") or metric.against_name
    op = metric.rule["op"]
    return Target(
        words=words(lambda lang: TEXT[lang]["target"].format(op=SHOWN_OP[op], against=against)),
        op=op,
        unit=metric.unit,
        against=metric.rule["against"],
        approach="target",
    )


KIND = RuleKind(
    name="compare",
    label={"zh": "对照规划", "en": "against the plan"},
    value_type="number",
    sql=SQL,
    params=("op", "against", "ref_years", "against_label"),
    check=_check,
    reason=_reason,
    target=_target,
    # A figure at 95% to 105% of a typical requirement of its unit.
    example=lambda metric, progress, rng=None: round(6.0 * (0.95 + 0.1 * progress), 2),
)
