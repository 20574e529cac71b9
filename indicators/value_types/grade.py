"""grade: an ordinal grade (鼠、蚊、蝇、蟑螂密度 C级), stored as its ordinal, A = 1 … D = 4: the lower the better."""

from __future__ import annotations

import re

from indicators.value_types import ValueType

GRADES = ("A", "B", "C", "D")


def letter(value: float) -> str:
    return GRADES[int(value) - 1]


def ordinal(grade: str) -> float:
    return float(GRADES.index(grade) + 1)


def parse(text: str) -> float | None:
    found = re.fullmatch(r"([A-Za-z])级?", text)
    return ordinal(found.group(1).upper()) if found and found.group(1).upper() in GRADES else None


def parse_sql(col: str) -> str:
    whens = " ".join(f"WHEN '{g}' THEN {i}" for i, g in enumerate(GRADES, 1))
    return f"CASE upper(regexp_extract({col}, '^([A-Za-z])级?$', 1)) {whens} END"


def letter_sql(col: str) -> str:
    grades = ", ".join(f"'{g}'" for g in GRADES)
    return f"[{grades}][CAST({col} AS INTEGER)]"


TYPE = ValueType(
    name="grade",
    format=lambda value, unit: f"{letter(value)}级",
    format_sql=lambda col, unit: f"{letter_sql(col)} || '级'",
    parse=parse,
    parse_sql=parse_sql,
    # D at the start, A at the end.
    example=lambda progress: ordinal(GRADES[-1]) - round((len(GRADES) - 1) * progress),
    suffixes=lambda unit: ("级",),
    levels=tuple(ordinal(g) for g in GRADES),
    word=letter,
    word_sql=letter_sql,
    unreadable="bad_grade",
)
