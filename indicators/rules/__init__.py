"""Rule kinds, registered by name. Each module is the whole kind (see RuleKind in common): its SQL, its
parameter check, its label, reason and target (a Target: the comparison, the figure, its words in both
languages), the check of one history point and an example value. Everything else loops over REGISTRY; adding a kind is adding one module (and registering it).

A kind's SQL is set-based: one query for every metric of that kind and every date asked, reading
  dates       as_of (the evaluation date) and known_at (values recorded by then count)
  ranked      per as_of, the value that counts per metric/area for the four latest periods ended by as_of,
              k = 1 for the latest (columns: as_of, known_at, id, metric, unit, area, period_start,
              period_end, period_label, value, recorded_at, k); older periods: eff (every period, per known_at)
  current     the same for every period started by as_of, ended or not (events kinds: incidents count at once)
  cat_metric  the catalogue's metrics with each rule's common parameters as columns and the whole rule as
              JSON (`c.rule->>'name'` for a parameter of the kind's own); cat_metric_area: areas of area metrics
  measurement, verification   the stored tables
and returning the columns of RESULT_COLUMNS (and of OPTIONAL_COLUMNS it uses), one row per as_of/metric/area.
"""

from __future__ import annotations

from importlib import import_module

from indicators.rules.common import OPTIONAL_COLUMNS, RESULT_COLUMNS, RuleKind, Target, Why

KIND_NAMES = (
    "threshold",
    "threshold_or_trend",
    "trend",
    "zero_incident",
    "each_area",
    "compare",
    "grade",
    "checklist",
    "reported",
)

REGISTRY: dict[str, RuleKind] = {name: import_module(f"indicators.rules.{name}").KIND for name in KIND_NAMES}


def register(kind: RuleKind) -> RuleKind:
    """Add (or replace) a kind: the catalogue, evaluation, reasons, templates and pages pick it up."""
    REGISTRY[kind.name] = kind
    return kind


__all__ = ["OPTIONAL_COLUMNS", "REGISTRY", "RESULT_COLUMNS", "RuleKind", "Target", "Why", "register"]
