"""yesno: a fact answered 是 or 否 (爱卫会组织健全), stored as 1 or 0; a unit's 「是」 awaits the office's check."""

from __future__ import annotations

from indicators.value_types import ValueType

# 「有」「无」 are read as yes/no with a warning: for 「市场无非法交易」 「有」 may mean the opposite of 「是」.
YES_NO_WORDS = ("有", "无")
YES = ("是", "有", "Y", "YES", "TRUE", "T", "1", "√", "✓", "✔", "☑")
NO = ("否", "无", "N", "NO", "FALSE", "F", "0", "×", "✗", "✘", "☒", "X")


def shown(value: float) -> str:
    return "是" if value >= 0.5 else "否"


def shown_sql(col: str) -> str:
    return f"CASE WHEN {col} >= 0.5 THEN '是' ELSE '否' END"


def parse(text: str) -> float | None:
    word = text.upper()
    return 1.0 if word in YES else 0.0 if word in NO else None


TYPE = ValueType(
    name="yesno",
    format=lambda value, unit: shown(value),
    format_sql=lambda col, unit: shown_sql(col),
    parse=parse,
    parse_sql=lambda col: f"CASE WHEN upper({col}) IN {YES} THEN 1 WHEN upper({col}) IN {NO} THEN 0 END",
    example=lambda progress: 1.0 if progress >= 0.5 else 0.0,
    answer=True,
    unreadable="bad_yesno",
)
