"""Reporting periods: labels people read, and parsing what they type (「2023年第四季度」「2023-06」)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
QUARTER_LABELS = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


@dataclass(frozen=True)
class Period:
    type: str  # year | quarter | month
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return label(self.type, self.start)


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def make(period_type: str, year: int, number: int = 1) -> Period:
    """The period of a type containing the given year and quarter/month number."""
    if period_type == "year":
        return Period("year", dt.date(year, 1, 1), dt.date(year, 12, 31))
    if period_type == "quarter":
        first = 3 * (number - 1) + 1
        return Period("quarter", dt.date(year, first, 1), _month_end(year, first + 2))
    return Period("month", dt.date(year, number, 1), _month_end(year, number))


def label(period_type: str, start: dt.date) -> str:
    if period_type == "year":
        return f"{start.year}年"
    if period_type == "quarter":
        return f"{start.year}年{QUARTER_LABELS[(start.month - 1) // 3 + 1]}"
    return f"{start.year}年{start.month}月"


_PATTERNS = (
    (re.compile(r"^(\d{4})(?:年度?)?$"), "year"),
    (re.compile(r"^(\d{4})[-/.]?Q([1-4])$", re.I), "quarter"),
    (re.compile(r"^(\d{4})年?第?([一二三四1-4])季度?$"), "quarter"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?$"), "month"),
    (re.compile(r"^(\d{4})年(\d{1,2})月(?:份)?$"), "month"),
)


def parse(text: object) -> Period | None:
    """A period from what people type in Excel or WPS; None when it cannot be read.

    「2023」「2023年」「2023年度」→ year; 「2023Q4」「2023年第四季度」「2023年4季度」→ quarter;
    「2023-06」「2023年6月」→ month. Excel dates (2023-06-01 00:00:00) read as their month.
    """
    if isinstance(text, dt.datetime | dt.date):
        return make("month", text.year, text.month)
    if isinstance(text, int | float) and not isinstance(text, bool):
        text = str(int(text)) if float(text).is_integer() else str(text)
    s = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", unicodedata.normalize("NFKC", str(text or "")).strip())
    s = "".join(s.split())
    for pattern, kind in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        year = int(m.group(1))
        if not 1900 <= year <= 2100:
            return None
        if kind == "year":
            return make("year", year)
        number = QUARTER_WORDS.get(m.group(2)) if kind == "quarter" else int(m.group(2))
        if kind == "month" and not 1 <= number <= 12:
            return None
        return make(kind, year, number)
    return None
