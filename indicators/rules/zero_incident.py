"""zero_incident: no incident within the rolling window back from the evaluation date (近3年未发生重大环境污染
事故; item 44's 伤医案件 is read the same way). A failure is a veto risk (一票否决).

The window is the `years` × 12 months up to and including the as-of date. Incidents are events: a count may
be reported for a month, a quarter or a year, and counts from the day its period starts (an incident reported
in November for 「2026年10月」 is a veto risk at once, not when 2026 ends). A month's or quarter's count is
placed: it counts while its period touches the window. A year's total minus what its months and quarters
already placed is not: it counts while any day of that year lies in the window.

Every year of the window whose declaration is due (the year's deadline day has passed, as for every kind) needs
its yearly figure, 0 included: a year missing is 无数据 naming it (数据过期 when it is only the latest year due).
A met window whose last ended year is not yet due and not yet declared says so: `missing` then names that year
and `ref_label` holds its deadline (YYYY-MM-DD).
"""

import calendar
import datetime as dt

from indicators.rules.common import RuleKind, Target, Why, words

SQL = """
WITH z AS (
    SELECT d.as_of, c.metric, c.deadline_days, c.uom,
           CAST(d.as_of - to_months(12 * c.years) AS DATE) AS ws      -- the window is (ws, as_of]
    FROM dates d JOIN cat_metric c ON c.kind = 'zero_incident'
),
yrs AS (SELECT z.*, unnest(range(year(z.ws + 1), year(z.as_of) + 1)) AS y FROM z),
cnt AS (
    SELECT z.as_of, z.metric, year(r.period_start) AS y, r.period_label, r.period_start, r.period_end, r.value,
           (month(r.period_start) = 1 AND day(r.period_start) = 1
            AND r.period_end = CAST(r.period_start + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE)) AS whole_year,
           r.period_end > z.ws AS in_window
    FROM z JOIN current r ON r.as_of = z.as_of AND r.metric = z.metric
),
per_year AS (
    SELECT y.as_of, y.metric, y.y, y.uom,
           -- due once the deadline day has passed, as for every kind (tracker.engine.evaluate's due_start)
           make_date(CAST(y.y AS INTEGER), 12, 31) + CAST(y.deadline_days AS INTEGER) < y.as_of AS due,
           make_date(CAST(y.y AS INTEGER), 12, 31) + CAST(y.deadline_days AS INTEGER) AS deadline,
           max(c.value) FILTER (WHERE c.whole_year) AS annual,
           coalesce(sum(c.value) FILTER (WHERE NOT c.whole_year), 0) AS placed_all,
           coalesce(sum(c.value) FILTER (WHERE NOT c.whole_year AND c.in_window), 0) AS placed_in,
           coalesce(list(format('{} {}{}', c.period_label, CAST(c.value AS BIGINT), y.uom)
                        ORDER BY c.period_start, c.period_end, c.period_label)  -- a month and a quarter may start alike
                        FILTER (WHERE NOT c.whole_year AND c.in_window AND c.value > 0), []) AS placed_labels,
           max(c.period_start) AS latest_start
    FROM yrs y LEFT JOIN cnt c ON c.as_of = y.as_of AND c.metric = y.metric AND c.y = y.y
    GROUP BY ALL
),
totals AS (
    SELECT as_of, metric,
           sum(placed_in + greatest(coalesce(annual, 0) - placed_all, 0)) AS value,
           flatten(list(CASE WHEN coalesce(annual, 0) - placed_all > 0
                             THEN [format('{}年 {}{}', y, CAST(annual - placed_all AS BIGINT), uom)] ELSE [] END
                        || placed_labels ORDER BY y)) AS labels,
           coalesce(list(format('{}年', y) ORDER BY y) FILTER (WHERE due AND annual IS NULL), []) AS missing,
           -- a finished year whose declaration is not yet due and not yet sent: the reason says so
           coalesce(list(format('{}年', y) ORDER BY y)
                    FILTER (WHERE NOT due AND annual IS NULL AND make_date(CAST(y AS INTEGER), 12, 31) < as_of), []) AS not_due,
           max(deadline) FILTER (WHERE NOT due AND annual IS NULL AND make_date(CAST(y AS INTEGER), 12, 31) < as_of) AS not_due_by,
           max(y) FILTER (WHERE due) AS last_due,
           count(*) FILTER (WHERE due AND annual IS NOT NULL) AS declared,
           max(latest_start) AS latest_start,
           max(format('{}年', y)) FILTER (WHERE annual IS NOT NULL) AS period_label
    FROM per_year GROUP BY as_of, metric
)
SELECT as_of, metric, NULL::VARCHAR AS area,
       CASE WHEN value > 0 THEN 'not_met'
            WHEN len(missing) = 0 THEN 'met'
            WHEN declared > 0 AND missing = [format('{}年', last_due)] THEN 'stale'
            ELSE 'no_data' END AS status,
       value, NULL::DOUBLE AS ref_value, period_label, latest_start, [value] AS series, labels,
       CASE WHEN value = 0 AND len(missing) = 0 THEN not_due ELSE missing END AS missing,
       CASE WHEN value = 0 AND len(missing) = 0 THEN strftime(not_due_by, '%Y-%m-%d') END AS ref_label
FROM totals
"""

TEXT = {
    "zh": {
        "met": "近{months}个月（{start}至{end}）{name} 0{unit}（{reporter}）",
        "not_met": "近{months}个月（{start}至{end}）{name} 共{value}{unit}：{labels}（{reporter}）",
        "missing": "{name} 缺{missing}的申报（0{unit}也须申报），无法判断近{months}个月是否发生（{reporter}）",
        "target": "0{unit}（近{years}年，含当年）",
        "not_due": "；{missing}的申报尚未到期（截止{deadline}）",
    },
    "en": {
        "met": "{name}: none in the last {months} months ({start} to {end}) ({reporter})",
        "not_met": "{name}: {value} in the last {months} months ({start} to {end}): {labels} ({reporter})",
        "missing": "{name}: no declaration for {missing} (0 must be declared too) ({reporter})",
        "target": "none (within {years} years, this year included)",
        "not_due": "; the declaration for {missing} is not yet due (deadline {deadline})",
    },
}


def window_start(as_of: dt.date, years: int) -> dt.date:
    """The first day of the window: the day after as_of moved back `years` years (29 Feb → 28 Feb)."""
    year = as_of.year - years
    day = min(as_of.day, calendar.monthrange(year, as_of.month)[1])
    return dt.date(year, as_of.month, day) + dt.timedelta(days=1)


def _day(day: dt.date, lang: str) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def _reason(why: Why) -> str | None:
    m, status, text = why.metric, why.row["status"], TEXT[why.lang]
    years = int(m.rule.get("years", 3))
    months = 12 * years
    end = why.as_of
    first = window_start(end, years)
    parts = {
        **why.parts,
        "months": months,
        "unit": m.unit,
        "start": _day(first, why.lang),
        "end": _day(end, why.lang),
    }
    if status == "not_met":
        value = int(why.row["value"])
        return text["not_met"].format(labels=why.listed("labels"), **{**parts, "value": value})
    if status in ("no_data", "stale") and why.seq("missing"):
        return text["missing"].format(missing=why.listed("missing"), **parts)
    if status == "met":
        said = text["met"].format(**parts)
        if why.row.get("ref_label") and why.seq("missing"):  # met so far; the last year ended is not yet due
            deadline = _day(dt.date.fromisoformat(why.row["ref_label"]), why.lang)
            said += text["not_due"].format(missing=why.listed("missing"), deadline=deadline)
        return said
    return None


def _check(rule: dict) -> list[str]:
    years = rule.get("years", 3)
    if not isinstance(years, int) or isinstance(years, bool) or years < 1:
        return [f"rule.years: 「{years}」应为正整数（年数）"]
    return []


KIND = RuleKind(
    name="zero_incident",
    label={"zh": "零事故", "en": "zero incidents"},
    value_type="count",
    sql=SQL,
    params=("years",),
    check=_check,
    reason=_reason,
    target=lambda metric: Target(
        words=words(
            lambda lang: TEXT[lang]["target"].format(unit=metric.unit, years=metric.rule.get("years", 3))
        ),
        unit=metric.unit,
    ),
    point=lambda metric, value: value == 0,
    example=lambda metric, progress, rng=None: metric.vtype.example(progress),
    veto=True,
    events=True,
)
