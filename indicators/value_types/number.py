"""number: a measured figure in the metric's unit of measure (绿化覆盖率 38.5%, 人均公园绿地面积 12平方米)."""

from __future__ import annotations

from indicators.figures import number, number_sql, unit_after_number, unit_sql
from indicators.value_types import ValueType


def quantity(value: float, unit: str) -> str:
    if unit == "%":
        # One decimal as the plan writes rates (76.0%), two when the second one carries information.
        shown = f"{value:.1f}" if abs(value * 10 - round(value * 10)) < 1e-6 else number(value)
        return f"{shown}%"
    return f"{number(value)}{unit_after_number(unit)}"


def quantity_sql(col: str, unit: str) -> str:
    return f"""CASE WHEN {unit} = '%' THEN CASE WHEN abs({col} * 10 - round({col} * 10)) < 1e-6
                                    THEN printf('%.1f', CAST({col} AS DOUBLE)) ELSE {number_sql(col)} END || '%'
        ELSE {number_sql(col)} || {unit_sql(unit)} END"""


def parse(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


TYPE = ValueType(
    name="number",
    format=quantity,
    format_sql=quantity_sql,
    parse=parse,
    parse_sql=lambda col: f"TRY_CAST({col} AS DOUBLE)",
    example=lambda progress: round(100 * progress, 1),
    suffixes=lambda unit: (unit,),
    numeric=True,
)
