"""How a number and its unit are written for people; a stored value of each type is written by its value type
(indicators.value_types.figure).

One place so that a number and its unit never run together: the catalogue's 「1/10万」 means "per
100,000", so 18.5 of it reads 「18.5/10万」, not 「18.51/10万」.
"""

from __future__ import annotations

import math

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
