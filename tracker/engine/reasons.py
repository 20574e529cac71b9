"""One line a person can read for each metric's status: 「2023年 道路机械化清扫率 76.0% < 80%（城管执法局）」.

Each rule kind writes the reasons of its own verdicts (indicators/rules); the engine's own statuses — no
figure, a figure overdue, an answer awaiting the office's check — are said here when the kind leaves them.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from indicators.rules import REGISTRY, Why
from indicators.value_types import figure
from tracker.catalogue import Metric
from tracker.periods import label
from tracker.strings import REASON


def fmt_value(value, metric: Metric) -> str:
    """A figure as people write it: 76.0%, 16小时, 18.5/10万, C级, 是."""
    return figure(value, metric.unit, metric.value_type)


def reason(metric: Metric, row: dict, area_rows: pd.DataFrame, as_of: dt.date, lang: str = "zh") -> str:
    """Why this metric has its status, in one line."""
    why = Why(metric, row, area_rows, as_of, lang)
    said = REGISTRY[metric.kind].reason(why)
    if said:
        return said
    status, text = row["status"], REASON[lang]
    if status == "stale" and not pd.isna(row.get("due_start")):
        return text["stale"].format(due=why.period(label(metric.period, row["due_start"])), **why.parts)
    if status == "pending":
        return text["pending"].format(**why.parts)
    return text["no_data"].format(**why.parts)
