"""Reporting periods: labels people read, and parsing what they type (「2023年第四季度」「2023-06」) — in Python
(`parse`, one text) and in SQL (`period_select`, every distinct text of an upload at once), side by side here
so the two readings cannot drift apart (tests/test_validate.py checks they agree on every sample)."""

from __future__ import annotations

import datetime as dt
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import duckdb
import numpy as np
import pandas as pd

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


# Whitespace as Python's str.split() sees it (periods.parse removes it the same way).
WS = (
    r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)


@lru_cache(maxsize=1)
def unicode_digits() -> tuple[str, str]:
    """Every decimal digit Python's re `\\d` and int() accept, and its ASCII twin (for SQL translate)."""
    # Every code point from U+0080 as one string, made from their UTF-32 codes (a chr() and a category()
    # per code point cost 0.3-0.8 s at the first import of each process).
    everything = (
        np.arange(0x80, sys.maxunicode + 1, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
    )
    src = "".join(re.findall(r"\d", everything))
    return src, "".join(str(unicodedata.decimal(ch)) for ch in src)


# ---------------------------------------------------------------- the same reading in SQL (agrees with parse)


def period_select(source: str, col: str, bind: Callable[[str, object], str]) -> str:
    """SELECT text, period_type, period_start, period_end, period_label for each distinct text of `col`.

    The same steps as tracker.periods.parse, on text already NFKC-normalised: other scripts' digits to
    ASCII, strip, drop a trailing time of day, drop all whitespace, then the five patterns in order."""
    src, dst = unicode_digits()
    d_src, d_dst = bind("digits_src", src), bind("digits_dst", dst)
    return f"""
    WITH t0 AS (SELECT DISTINCT {col} AS txt FROM {source} WHERE {col} IS NOT NULL),
    t1 AS (
        SELECT txt, CASE WHEN regexp_matches(txt, '[^\\x00-\\x7f]') THEN translate(txt, {d_src}, {d_dst})
                         ELSE txt END AS s0
        FROM t0),
    t2 AS (
        SELECT txt, regexp_replace(
                 regexp_replace(regexp_replace(s0, '^{WS}+|{WS}+$', '', 'g'),
                                '{WS}+[0-9]{{1,2}}:[0-9]{{2}}(:[0-9]{{2}})?$', ''),
                 '{WS}+', '', 'g') AS s
        FROM t1),
    t3 AS (
        SELECT txt,
            CASE WHEN regexp_matches(s, '^[0-9]{{4}}(年度?)?$') THEN 'year'
                 WHEN regexp_matches(s, '^[0-9]{{4}}[-/.]?[Qq][1-4]$') THEN 'quarter'
                 WHEN regexp_matches(s, '^[0-9]{{4}}年?第?[一二三四1-4]季度?$') THEN 'quarter'
                 WHEN regexp_matches(s, '^[0-9]{{4}}[-/.][0-9]{{1,2}}([-/.][0-9]{{1,2}})?$') THEN 'month'
                 WHEN regexp_matches(s, '^[0-9]{{4}}年[0-9]{{1,2}}月(份)?$') THEN 'month'
            END AS kind,
            TRY_CAST(substr(s, 1, 4) AS INTEGER) AS y,
            CASE WHEN regexp_matches(s, '^[0-9]{{4}}[-/.]?[Qq][1-4]$') THEN CAST(right(s, 1) AS INTEGER)
                 ELSE CASE regexp_extract(s, '^[0-9]{{4}}年?第?([一二三四1-4])季度?$', 1)
                      WHEN '一' THEN 1 WHEN '二' THEN 2 WHEN '三' THEN 3 WHEN '四' THEN 4
                      WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '3' THEN 3 WHEN '4' THEN 4 END
            END AS q,
            TRY_CAST(coalesce(nullif(regexp_extract(s, '^[0-9]{{4}}[-/.]([0-9]{{1,2}})([-/.][0-9]{{1,2}})?$', 1), ''),
                              nullif(regexp_extract(s, '^[0-9]{{4}}年([0-9]{{1,2}})月(份)?$', 1), ''))
                     AS INTEGER) AS mo
        FROM t2),
    t4 AS (
        SELECT txt,
            CASE WHEN kind IS NULL OR y NOT BETWEEN 1900 AND 2100 THEN NULL
                 WHEN kind = 'month' AND mo NOT BETWEEN 1 AND 12 THEN NULL
                 ELSE kind END AS period_type,
            y, q, mo
        FROM t3),
    t5 AS (
        SELECT txt, period_type,
            CASE period_type WHEN 'year' THEN make_date(y, 1, 1)
                             WHEN 'quarter' THEN make_date(y, 3 * (q - 1) + 1, 1)
                             WHEN 'month' THEN make_date(y, mo, 1) END AS period_start
        FROM t4)
    SELECT txt, period_type, period_start,
        CAST(CASE period_type WHEN 'year' THEN period_start + INTERVAL 1 YEAR
                              WHEN 'quarter' THEN period_start + INTERVAL 3 MONTH
                              WHEN 'month' THEN period_start + INTERVAL 1 MONTH END - INTERVAL 1 DAY AS DATE)
            AS period_end,
        CASE period_type
            WHEN 'year' THEN format('{{}}年', year(period_start))
            WHEN 'quarter' THEN format('{{}}年第{{}}季度', year(period_start),
                                       ['一', '二', '三', '四'][quarter(period_start)])
            WHEN 'month' THEN format('{{}}年{{}}月', year(period_start), month(period_start)) END
            AS period_label
    FROM t5
    """


def parse_periods_sql(con: duckdb.DuckDBPyConnection, texts: list[str]) -> list[tuple]:
    """(type, start, end, label) or None for each text, parsed by the SQL above (for tests and callers)."""
    params: dict[str, object] = {}

    def bind(name: str, value: object) -> str:
        params[name] = value
        return f"${name}"

    frame = pd.DataFrame({"i": range(len(texts)), "p": pd.Series(texts, dtype="object")})
    con.register("_ing_ptest", frame)
    try:
        rows = con.execute(
            f"""WITH parsed AS ({period_select("_ing_ptest", "p", bind)})
                SELECT t.i, p.period_type, p.period_start, p.period_end, p.period_label
                FROM _ing_ptest t LEFT JOIN parsed p ON p.txt = t.p ORDER BY t.i""",
            params,
        ).fetchall()
    finally:
        con.unregister("_ing_ptest")
    return [None if r[1] is None else tuple(r[1:]) for r in rows]
