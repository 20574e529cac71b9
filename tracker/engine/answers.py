"""The answer that counts on a checklist metric, with the office's check that still holds for it: the SQL the
item page's series (tracker.engine.views) and the office's 核实 (tracker.office.verification) share, here in the
engine so that the engine never reads the office's modules (issue 25)."""

from __future__ import annotations

from collections.abc import Sequence

from indicators.rules.checklist import check_holds
from tracker.catalogue import Metric
from tracker.engine import counting

# One answer differs from another when their values do (yes/no are stored as 1/0).
_DIFFERENT = "abs({a}.value - {b}.value) > 1e-9"


def answers_sql(metrics: str) -> str:
    """Per metric/area/period of `metrics` (a relation with a column metric), the answer that counts now
    (tracker.engine.counting: the designated reporter's, the office's or the area's own unit's latest, unless the office
    chose another unit's figure), with the office's check that still holds for it (verified_by, verified_at,
    verification_note; NULL when none holds): a verification of the same metric/area/period and value that still
    holds (indicators.rules.checklist.check_holds, the evaluation's own definition).
    Needs cat_metric on the connection (tracker.engine.catalogue_tables.use_catalogue)."""
    return f"""
    WITH {counting.ctes(where=f"m.metric IN (SELECT metric FROM {metrics})", known="CAST($v_known AS TIMESTAMP)")},
    current AS (
        SELECT e.* EXCLUDE (known_at), m.evidence, m.note FROM eff e JOIN measurement m ON m.id = e.id
    ),
    holding AS (   -- the one definition of a check that still holds (indicators.rules.checklist)
        SELECT v.* FROM verification v
        WHERE v.metric IN (SELECT metric FROM {metrics}) AND {check_holds("v", "CAST($v_known AS TIMESTAMP)")}
    )
    SELECT c.id, c.metric, c.unit, c.area, c.period_start, c.period_end, c.period_label, c.value,
           c.recorded_at, c.evidence, c.note,
           h.verified_by, h.verified_at, h.note AS verification_note
    FROM current c
    LEFT JOIN holding h ON h.metric = c.metric AND h.area IS NOT DISTINCT FROM c.area
                       AND h.period_start = c.period_start AND NOT ({_DIFFERENT.format(a="h", b="c")})
    QUALIFY row_number() OVER (PARTITION BY c.id ORDER BY h.verified_at DESC NULLS LAST) = 1"""


REP = "(SELECT unnest($v_codes) AS metric)"


def rep_params(metrics: Sequence[Metric]) -> dict:
    """Bound parameters for answers_sql(REP): the metrics' codes, and everything known now."""
    return {"v_codes": [m.code for m in metrics], "v_known": counting.FAR_FUTURE}
