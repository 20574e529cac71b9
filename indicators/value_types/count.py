"""count: how many events in a period (重大食品安全事故 0起): a whole number, shown as a number is."""

from __future__ import annotations

from indicators.value_types import ValueType
from indicators.value_types.number import parse, quantity, quantity_sql


def _parse(text: str) -> float | None:
    value = parse(text)
    return value if value is not None and value >= 0 and value == int(value) else None


TYPE = ValueType(
    name="count",
    format=quantity,
    format_sql=quantity_sql,
    parse=_parse,
    parse_sql=lambda col: (
        f"CASE WHEN TRY_CAST({col} AS DOUBLE) >= 0 AND TRY_CAST({col} AS DOUBLE) = "
        f"floor(TRY_CAST({col} AS DOUBLE)) THEN TRY_CAST({col} AS DOUBLE) END"
    ),
    example=lambda progress: 0.0,  # none is the best there is
    suffixes=lambda unit: (unit,),
    numeric=True,
    whole=True,
    bars=True,
)
