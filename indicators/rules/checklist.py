"""checklist: a yes/no fact, confirmed by the office with evidence (爱卫会组织健全; 无烟草广告).

A unit's 「是」 awaits the office's check (pending) until verified; 「是」 entered by the office itself counts at
once; 「否」 is not met. A check (核实) is of an answer, not of a row: it holds for the answer that counts when
the office verified that same answer for that metric/area/period, by the date the evaluation knows of, and no
different answer that counts was recorded after the check. So the same 「是」 sent again keeps its check, and
是 → 否 → 是 needs a new one.
"""

from indicators.rules.common import OFFICE, RuleKind, Why

SQL = f"""
WITH answers AS (
    SELECT r.as_of, r.known_at, c.metric, c.reporter, r.area, r.period_start, r.unit, r.value,
           r.period_label
    FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k = 1
    WHERE c.kind = 'checklist'
),
checks AS (   -- the office's checks of the answer that counts, known by then
    SELECT a.as_of, a.metric, a.area, v.verified_at
    FROM answers a JOIN verification v
      ON v.metric = a.metric AND v.area IS NOT DISTINCT FROM a.area AND v.period_start = a.period_start
     AND v.value = a.value AND v.verified_at <= a.known_at
    WHERE a.value >= 0.5 AND a.unit <> '{OFFICE}'
),
voided AS (   -- checks followed by a different answer from a unit whose figure counts
    SELECT k.as_of, k.metric, k.area, k.verified_at
    FROM checks k JOIN answers a USING (as_of, metric, area)
    JOIN measurement m ON m.metric = k.metric AND m.area IS NOT DISTINCT FROM k.area
     AND m.period_start = a.period_start AND m.value <> a.value
     AND m.recorded_at > k.verified_at AND m.recorded_at <= a.known_at
     AND (m.unit = a.reporter OR m.unit = '{OFFICE}' OR m.unit = m.area)
)
SELECT a.as_of, a.metric, a.area,
       CASE WHEN a.value < 0.5 THEN 'not_met'
            WHEN a.unit = '{OFFICE}' OR EXISTS (
                SELECT 1 FROM checks k WHERE k.as_of = a.as_of AND k.metric = a.metric
                  AND k.area IS NOT DISTINCT FROM a.area
                  AND NOT EXISTS (SELECT 1 FROM voided x WHERE x.as_of = k.as_of AND x.metric = k.metric
                                    AND x.area IS NOT DISTINCT FROM k.area AND x.verified_at = k.verified_at))
                 THEN 'met'
            ELSE 'pending' END AS status,
       a.value, NULL::DOUBLE AS ref_value, a.period_label, a.period_start AS latest_start, [a.value] AS series
FROM answers a
"""

TEXT = {
    "zh": {
        "met": "{period} {name} 已核实（{reporter}）",
        "office": "{period} {name} 由创卫办确认「是」（{reporter}）",
        "not_met": "{period} {name} 报「否」（{reporter}）",
        "target": "是（创卫办核实）",
    },
    "en": {
        "met": "{period} {name}: verified ({reporter})",
        "office": "{period} {name}: confirmed by the office ({reporter})",
        "not_met": "{period} {name}: answered no ({reporter})",
        "target": "yes (verified by the office)",
    },
}


def _reason(why: Why) -> str | None:
    status = why.row["status"]
    if status not in ("met", "not_met"):
        return None
    return TEXT[why.lang][status].format(**why.parts)


KIND = RuleKind(
    name="checklist",
    label="核查项",
    value_type="yesno",
    sql=SQL,
    reason=_reason,
    target=lambda metric, lang="zh": TEXT[lang]["target"],
    point=lambda metric, value: value >= 0.5,
    example=lambda metric, progress: 1.0 if progress >= 0.5 else 0.0,
)
