"""reported: a figure the national form asks for, or the reference of a compare rule; the plan sets
no figure for it, so it is met once reported for the period that is due."""

from indicators.rules.common import RuleKind

SQL = """
SELECT r.as_of, c.metric, r.area, 'met' AS status,
       r.value, NULL::DOUBLE AS ref_value, r.period_label, r.period_start AS latest_start, [r.value] AS series
FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k = 1
WHERE c.kind = 'reported'
"""

KIND = RuleKind(name="reported", label="填报", value_type="number", sql=SQL)
