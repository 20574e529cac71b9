"""Numbers and dates as a person reads them, one formatter each, for pages and documents alike."""

from __future__ import annotations

import datetime as dt
import string


def pct(value: float | None) -> str:
    """A share as a percentage with one decimal: 0.756 → 「75.6%」; none (or NaN) → 「—」."""
    return "—" if value is None or value != value else f"{value * 100:.1f}%"


def cn_date(day: dt.date) -> str:
    """A date as Chinese documents write it: 「2023年6月30日」."""
    return f"{day.year}年{day.month}月{day.day}日"


class _Words(string.Formatter):
    """str.format, plus English counts: 「{n:row|rows}」 gives 「1 row」 and 「2 rows」 (Chinese needs no plural)."""

    def format_field(self, value, format_spec: str) -> str:
        if "|" not in format_spec:
            return super().format_field(value, format_spec)
        one, many = format_spec.split("|", 1)
        return f"{value} {one if str(value).strip() in ('1', '1.0') else many}"


_WORDS = _Words()


def fill(template: str, /, **fields) -> str:
    """A word table's template with its fields filled in, English counts in the right number."""
    return _WORDS.format(template, **fields)
