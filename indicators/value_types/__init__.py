"""Value types, registered by name: what a metric's figure is — a measured number, a count of events, a yes/no
answer, a grade. Each module is the whole type: how a typed cell is read (in Python and in the upload's SQL),
how a stored value is written for people (in Python and in SQL), its example, and what it takes (a unit after
it, a fraction, whole numbers only). A rule kind names its value type; everything else loops over REGISTRY or
asks the metric's type, and never which type it is.

Every value is stored as a number: the figure itself, a count, 1/0 for 是/否, a grade's ordinal (A = 1 … D = 4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from indicators.figures import missing


@dataclass(frozen=True)
class ValueType:
    """A value type, whole.

    format      (value, unit) → what people read: 76.0%, 18.5/10万, C级, 是 (a value is never missing here)
    format_sql  (column, unit) → the same in DuckDB SQL; both are SQL expressions
    parse       one typed cell, trimmed → the stored value, None when it cannot be read
    parse_sql   (column) → the same in DuckDB SQL over a trimmed cell: NULL when it cannot be read
    example     (progress 0..1) → a stored value, the best at 1, for the type's own examples (a kind may refine)
    suffixes    (unit) → what may follow a figure of this type besides nothing: the unit (and its aliases)
    word_sql    (column) → SQL for `word`: the word stored beside the number, NULL for none
    unreadable  the upload's refusal (tracker.strings.upload REFUSE) of a cell this type cannot read
    """

    name: str
    format: Callable[[float, str], str]
    format_sql: Callable[[str, str], str]
    parse: Callable[[str], float | None]
    parse_sql: Callable[[str], str]
    example: Callable[[float], float]
    suffixes: Callable[[str], tuple[str, ...]] = lambda unit: ()
    numeric: bool = False  # a measured quantity: a fraction may give it, a range and a sign apply
    whole: bool = False  # whole numbers only (counts of incidents)
    answer: bool = False  # a yes/no answer, confirmed by the office (核实)
    levels: tuple[float, ...] = ()  # the values a graded type takes, best first: a chart axis of its own
    bars: bool = False  # a history drawn as bars, one per period (counts), not a line
    word: Callable[[float], str | None] = lambda value: None  # stored beside the number: a grade's letter
    word_sql: Callable[[str], str] = lambda col: "NULL"
    unreadable: str = "bad_value"


TYPE_NAMES = ("number", "count", "yesno", "grade")

REGISTRY: dict[str, ValueType] = {
    name: import_module(f"indicators.value_types.{name}").TYPE for name in TYPE_NAMES
}


def value_type(name: str) -> ValueType:
    """The type of that name; a name no type has reads as a number."""
    return REGISTRY.get(name, REGISTRY["number"])


def figure(value, unit: str, type_name: str = "number") -> str:
    """A stored figure as people read it, everywhere (reasons, pages, templates, exports, the briefing):
    76.0%, 16小时, 18.5/10万, C级, 是; 「—」 when there is none."""
    return "—" if missing(value) else value_type(type_name).format(value, unit)


def figure_sql(col: str, unit: str, type_name: str = "'number'") -> str:
    """`figure` in DuckDB SQL; `unit` and `type_name` are SQL expressions (columns or literals)."""
    cases = " ".join(f"WHEN '{name}' THEN {t.format_sql(col, unit)}" for name, t in REGISTRY.items())
    return f"""CASE WHEN {col} IS NULL OR isnan(CAST({col} AS DOUBLE)) THEN '—'
        ELSE CASE {type_name} {cases} ELSE {REGISTRY["number"].format_sql(col, unit)} END END"""


__all__ = ["REGISTRY", "TYPE_NAMES", "ValueType", "figure", "figure_sql", "value_type"]
