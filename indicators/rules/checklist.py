"""checklist: a yes/no fact, confirmed by the office with evidence (爱卫会组织健全; 无烟草广告).

「是」 reported by a unit awaits the office's check (pending) until verified; 「是」 entered by the
office itself counts at once; 「否」 is not met."""

from indicators.rules.common import RuleKind

SQL = """
SELECT r.as_of, c.metric, r.area,
       CASE WHEN r.value < 0.5 THEN 'not_met'
            WHEN r.unit = '创卫办' OR EXISTS (SELECT 1 FROM verification v WHERE v.measurement_id = r.id)
                 THEN 'met'
            ELSE 'pending' END AS status,
       r.value, NULL::DOUBLE AS ref_value, r.period_label, r.period_start AS latest_start, [r.value] AS series
FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k = 1
WHERE c.kind = 'checklist'
"""

KIND = RuleKind(name="checklist", label="核查项", value_type="yesno", sql=SQL)
