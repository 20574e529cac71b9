"""Rule kinds, registered by name. Each kind checks its parameters and compiles its metrics to SQL.

A kind's SQL is set-based: one query for every metric of that kind, reading
  ranked  — per evaluation date (as_of), the value that counts per metric/area/period,
            k = 1 for the latest period ended by that date (see tracker.evaluate)
  cat_metric, cat_metric_area — the catalogue's metrics and their areas, with each rule's parameters
and returning the columns in RESULT_COLUMNS, one row per as_of/metric/area.
"""

from __future__ import annotations

from importlib import import_module

from indicators.rules.common import RESULT_COLUMNS, RuleKind

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

__all__ = ["REGISTRY", "RESULT_COLUMNS", "RuleKind"]
