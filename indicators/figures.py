"""How a figure is written for people, everywhere (reasons, pages, templates, exports, the briefing).

One function so that a number and its unit never run together: the catalogue's 「1/10万」 means "per
100,000", so 18.5 of it reads 「18.5/10万」, not 「18.51/10万」.
"""

from __future__ import annotations

import math

# The grade letters, best first (stored as ordinals A = 1 … D = 4): their one definition.
GRADES = ("A", "B", "C", "D")

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


def figure(value, unit: str, value_type: str = "number") -> str:
    """A measured figure: 76.0%, 16小时, 18.5/10万, C级, 是; 「—」 when there is none."""
    if missing(value):
        return "—"
    if value_type == "grade":
        return f"{GRADES[int(value) - 1]}级"
    if value_type == "yesno":
        return "是" if value >= 0.5 else "否"
    if unit == "%":
        # One decimal as the plan writes rates (76.0%), two when the second one carries information.
        shown = f"{value:.1f}" if abs(value * 10 - round(value * 10)) < 1e-6 else number(value)
        return f"{shown}%"
    return f"{number(value)}{unit_after_number(unit)}"


# ---------------------------------------------------------------- the same, as SQL (set-based messages)


def number_sql(col: str) -> str:
    """`number` in DuckDB SQL: printf rounds as Python's format does (tests/test_upload_truth.py compares)."""
    return f"regexp_replace(regexp_replace(printf('%.2f', CAST({col} AS DOUBLE)), '0+$', ''), '\\.$', '')"


def figure_sql(col: str, unit: str, value_type: str = "'number'") -> str:
    """`figure` in DuckDB SQL; `unit` and `value_type` are SQL expressions (columns or literals)."""
    after = " ".join(f"WHEN '{u}' THEN '{shown}'" for u, shown in _SHOWN_AFTER_NUMBER.items())
    grades = ", ".join(f"'{g}'" for g in GRADES)
    return f"""CASE WHEN {col} IS NULL OR isnan(CAST({col} AS DOUBLE)) THEN '—'
        WHEN {value_type} = 'grade' THEN [{grades}][CAST({col} AS INTEGER)] || '级'
        WHEN {value_type} = 'yesno' THEN CASE WHEN {col} >= 0.5 THEN '是' ELSE '否' END
        WHEN {unit} = '%' THEN CASE WHEN abs({col} * 10 - round({col} * 10)) < 1e-6
                                    THEN printf('%.1f', CAST({col} AS DOUBLE)) ELSE {number_sql(col)} END || '%'
        ELSE {number_sql(col)} || CASE {unit} {after} ELSE {unit} END END"""
