"""checklist: a yes/no fact, confirmed by the office with evidence (爱卫会组织健全; 无烟草广告).

A unit's 「是」 awaits the office's check (pending) until verified; 「是」 entered by the office itself counts at
once; 「否」 is not met. A check (核实) is of an answer, not of a row: it holds for the answer that counts when
the office verified that same answer for that metric/area/period, by the date the evaluation knows of, and no
different answer that counts was recorded after the check. So the same 「是」 sent again keeps its check, and
是 → 否 → 是 needs a new one.
"""

from indicators.rules.common import OFFICE, RuleKind, Target, Why, counts_by_default, words


def check_holds(v: str, known: str) -> str:
    """SQL: the office's check `v` (a row of verification) still holds as known at `known` (a TIMESTAMP
    expression): made by then, and no answer of a different value for its metric, area and period recorded after
    it and by then by a unit whose figure counts by default (the reporter, the office, an area's own unit).
    The one definition: the evaluation below and the office's pending list (tracker.office.verification) use it."""
    return f"""({v}.verified_at <= {known} AND NOT EXISTS (
        SELECT 1 FROM measurement d JOIN cat_metric dc ON dc.metric = d.metric
        WHERE d.metric = {v}.metric AND d.area IS NOT DISTINCT FROM {v}.area AND d.period_start = {v}.period_start
          AND d.recorded_at > {v}.verified_at AND d.recorded_at <= {known} AND abs(d.value - {v}.value) > 1e-9
          AND {counts_by_default("d.unit", "dc.reporter", "d.area")}))"""


SQL = f"""
WITH answers AS (
    SELECT r.as_of, r.known_at, c.metric, c.reporter, r.area, r.period_start, r.unit, r.value,
           r.period_label
    FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k = 1
    WHERE c.kind = 'checklist'
),
checks AS (   -- per answer that counts, the latest of the office's checks of that same answer still holding then
    SELECT a.as_of, a.metric, a.area, arg_max(v.verified_by, v.verified_at) AS verified_by
    FROM answers a JOIN verification v
      ON v.metric = a.metric AND v.area IS NOT DISTINCT FROM a.area AND v.period_start = a.period_start
     AND abs(v.value - a.value) <= 1e-9
    WHERE a.value >= 0.5 AND a.unit <> '{OFFICE}' AND {check_holds("v", "a.known_at")}
    GROUP BY ALL
)
SELECT a.as_of, a.metric, a.area,
       CASE WHEN a.value < 0.5 THEN 'not_met'
            WHEN a.unit = '{OFFICE}' OR k.verified_by IS NOT NULL THEN 'met'
            ELSE 'pending' END AS status,
       a.value, NULL::DOUBLE AS ref_value, a.period_label, a.period_start AS latest_start, [a.value] AS series,
       [a.unit, k.verified_by] AS labels   -- who answered, and who checked it (NULL: nobody, or the office's own)
FROM answers a LEFT JOIN checks k ON k.as_of = a.as_of AND k.metric = a.metric AND k.area IS NOT DISTINCT FROM a.area
"""

TEXT = {
    "zh": {
        "met": "{period} {name} 已核实（{unit}报「是」，{by}核实）",
        "office": "{period} {name} 由创卫办录入「是」，无需核实",
        "not_met": "{period} {name} 报「否」（{unit}）",
        "target": "是（创卫办核实）",
    },
    "en": {
        "met": "{period} {name}: verified ({unit} answered yes, checked by {by})",
        "office": "{period} {name}: yes entered by the office itself, no check needed",
        "not_met": "{period} {name}: answered no ({unit})",
        "target": "yes (verified by the office)",
    },
}


def _reason(why: Why) -> str | None:
    status = why.row["status"]
    if status not in ("met", "not_met"):
        return None
    # Who answered and who checked (the SQL's labels): the reporter named in the catalogue may be neither.
    unit, by = (why.seq("labels", keep_missing=True) + [None, None])[:2]
    unit = unit or why.metric.reporter
    key = "office" if status == "met" and unit == OFFICE else status
    return TEXT[why.lang][key].format(**why.parts, unit=unit, by=by or OFFICE)


KIND = RuleKind(
    name="checklist",
    label={"zh": "核查项", "en": "checklist"},
    value_type="yesno",
    sql=SQL,
    reason=_reason,
    target=lambda metric: Target(words=words(lambda lang: TEXT[lang]["target"]), unit=metric.unit),
    point=lambda metric, value: value >= 0.5,
    example=lambda metric, progress, rng=None: metric.vtype.example(progress),
)
