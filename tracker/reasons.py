"""One line a person can read for each metric's status: 「2023年 道路机械化清扫率 76.0% < 80%（城管执法局）」."""

from __future__ import annotations

import math

import pandas as pd

from indicators.rules.common import holds
from tracker.catalogue import Metric
from tracker.periods import label
from tracker.strings import (
    EACH_AREA_FAIL,
    EACH_AREA_MISSING,
    FAILED_OP,
    GRADE_LETTERS,
    REASON,
    SHOWN_OP,
    TREND_WORDS,
)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def fmt_value(value, metric: Metric) -> str:
    """A figure as people write it: 76.0%, 16小时, C级, 是."""
    if _missing(value):
        return "—"
    if metric.value_type == "grade":
        return f"{GRADE_LETTERS[int(value) - 1]}级"
    if metric.value_type == "yesno":
        return "是" if value >= 0.5 else "否"
    if metric.is_percent:
        return f"{value:.1f}%"
    return f"{fmt_number(value)}{metric.unit}"


def _comparison(value: float, op: str, reference: float) -> str:
    return SHOWN_OP[op] if holds(value, op, reference) else FAILED_OP[op]


def _trend_words(metric: Metric, status: str) -> str:
    return TREND_WORDS[(metric.rule.get("direction", "up"), status == "met")]


def reason(metric: Metric, row: dict, area_rows: pd.DataFrame) -> str:
    """Why this metric has its status, in one Chinese line."""
    status, kind, rule = row["status"], metric.kind, metric.rule
    parts = {
        "name": metric.name,
        "reporter": metric.reporter,
        "period": row.get("period_label") or "",
        "value": fmt_value(row.get("value"), metric),
    }
    series = [v for v in (row.get("series") if row.get("series") is not None else []) if not _missing(v)]
    if status == "no_data":
        if kind == "trend" and series:
            return REASON["trend_short"].format(n=len(series), **parts)
        if kind == "compare" and not _missing(row.get("value")):
            return REASON["compare_no_ref"].format(**parts)
        if kind != "each_area" or area_rows["status"].eq("no_data").all():
            return REASON["no_data"].format(**parts)
    if status == "stale":
        return REASON["stale"].format(due=label(metric.period, row["due_start"]), **parts)
    if status == "pending":
        return REASON["pending"].format(**parts)
    if kind == "checklist":
        return REASON["checklist_met" if status == "met" else "checklist_not_met"].format(**parts)
    if kind == "reported":
        return REASON["reported"].format(**parts)
    if kind == "grade":
        return REASON["grade"].format(grade=parts["value"].rstrip("级"), at_least=rule["at_least"], **parts)
    if kind == "zero_incident":
        return REASON["zero_incident"].format(
            years=rule.get("years", 3), **{**parts, "value": fmt_number(row["value"])}
        )
    if kind == "trend":
        if len(series) < 3:
            return REASON["trend_short"].format(n=len(series), **parts)
        shown = " → ".join(fmt_value(v, metric) for v in series)
        return REASON["trend"].format(series=shown, verdict=_trend_words(metric, status), **parts)
    if kind == "compare":
        op = _comparison(row["value"], rule["op"], row["ref_value"])
        return REASON["compare"].format(op=op, ref=fmt_value(row["ref_value"], metric), **parts)
    threshold = f"{fmt_number(float(rule['value']))}{metric.unit}"
    if kind == "each_area":
        failing = area_rows.loc[area_rows["status"] == "not_met", "area"].tolist()
        missing = area_rows.loc[area_rows["status"].isin(["no_data", "stale"]), "area"].tolist()
        detail = (EACH_AREA_FAIL.format(areas="、".join(failing)) if failing else "") + (
            EACH_AREA_MISSING.format(areas="、".join(missing)) if missing else ""
        )
        met = int((area_rows["status"] == "met").sum())
        period = area_rows["period_label"].dropna().max() if len(area_rows) else ""
        return REASON["each_area"].format(
            met=met, total=len(area_rows), detail=detail, **{**parts, "period": period or ""}
        )
    op = _comparison(row["value"], rule["op"], float(rule["value"]))
    if kind == "threshold_or_trend" and not holds(row["value"], rule["op"], float(rule["value"])):
        trend = _trend_words(metric, status) if len(series) >= 3 else f"仅{len(series)}年数据"
        return REASON["threshold_or_trend"].format(op=op, threshold=threshold, trend=trend, **parts)
    return REASON["threshold"].format(op=op, threshold=threshold, **parts)
