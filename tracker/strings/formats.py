"""Numbers and dates as a person reads them, one formatter each, for pages and documents alike."""

from __future__ import annotations

import datetime as dt


def pct(value: float | None) -> str:
    """A share as a percentage with one decimal: 0.756 → 「75.6%」; none (or NaN) → 「—」."""
    return "—" if value is None or value != value else f"{value * 100:.1f}%"


def cn_date(day: dt.date) -> str:
    """A date as Chinese documents write it: 「2023年6月30日」."""
    return f"{day.year}年{day.month}月{day.day}日"
