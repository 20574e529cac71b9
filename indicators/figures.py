"""How a number and its unit are written for people; a stored value of each type is written by its value type
(indicators.value_types.figure).

One place so that a number and its unit never run together: the catalogue's 「1/10万」 means "per
100,000", so 18.5 of it reads 「18.5/10万」, not 「18.51/10万」.
"""

from __future__ import annotations

import math
import re

# Units whose catalogue spelling starts with a figure of its own: shown without it after a number.
_SHOWN_AFTER_NUMBER = {"1/10万": "/10万"}


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float) -> str:
    """90, 98.5, 0.25: at most two decimals, no trailing zeros."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def unit_after_number(unit: str) -> str:
    """The unit as written right after a number (never starting with a digit)."""
    return _SHOWN_AFTER_NUMBER.get(unit, unit)


def target(value: float, unit: str) -> str:
    """A rule's figure: 80%, 2.2平方米, 18/10万."""
    return f"{number(value)}{unit_after_number(unit)}"


# ---------------------------------------------------------------- the same, as SQL (set-based messages)


def number_sql(col: str) -> str:
    """`number` in DuckDB SQL: printf rounds as Python's format does (tests/test_upload_truth.py compares)."""
    return f"regexp_replace(regexp_replace(printf('%.2f', CAST({col} AS DOUBLE)), '0+$', ''), '\\.$', '')"


def unit_sql(unit: str) -> str:
    """`unit_after_number` in DuckDB SQL; `unit` is an SQL expression."""
    after = " ".join(f"WHEN '{u}' THEN '{shown}'" for u, shown in _SHOWN_AFTER_NUMBER.items())
    return f"CASE {unit} {after} ELSE {unit} END"


# ---------------------------------------------------------------- the same, in English (the reasons' en side)

# Units of measure as the English screen writes them after a number (the catalogue spells them in Chinese).
UNIT_EN = {
    "人/千人": " per 1,000 people",
    "人/万人": " per 10,000 people",
    "张/千人": " beds per 1,000 people",
    "/10万": " per 100,000",
    "起": " incident(s)",
    "微克/立方米": " µg/m³",
    "平方米": " m²",
    "小时": " h",
    "天": " days",
    "岁": " years",
    "分贝": " dB",
}
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4}
_FIGURE = re.compile(r"^([−+-]?\d[\d,.]*)(.*)$")


def english_figure(text: str) -> str:
    """A figure written by `figure` in English: 「1起」 → 1 incident(s), 「C级」 → grade C, 「是」 → yes."""
    if not isinstance(text, str):
        return text
    if text in ("是", "否"):
        return "yes" if text == "是" else "no"
    if grade := re.fullmatch(r"([A-D])级(及以上)?", text):
        return f"grade {grade[1]}" + (" or better" if grade[2] else "")
    found = _FIGURE.match(text)
    if found and found[2] in UNIT_EN:
        return found[1] + UNIT_EN[found[2]]
    return text


def english_period(label: str) -> str:
    """A period label in English: 「2025年」 → 2025, 「2025年第一季度」 → 2025 Q1, 「2025年3月」 → 2025-03."""
    if not isinstance(label, str):
        return label
    if year := re.fullmatch(r"(\d{4})年", label):
        return year[1]
    if quarter := re.fullmatch(r"(\d{4})年第([一二三四])季度", label):
        return f"{quarter[1]} Q{_QUARTERS[quarter[2]]}"
    if month := re.fullmatch(r"(\d{4})年(\d{1,2})月", label):
        return f"{month[1]}-{int(month[2]):02d}"
    return label
