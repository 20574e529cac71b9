"""What every rule kind shares: the operator set, parameter checks and the result shape."""

from __future__ import annotations

from dataclasses import dataclass, field

OPS = (">=", ">", "<=", "<", "==")

# Columns every kind's SQL returns, in this order.
RESULT_COLUMNS = (
    "as_of",  # the evaluation date (several at once for histories)
    "metric",  # metric code
    "area",  # null for city-wide
    "status",  # met | not_met | no_data | pending
    "value",  # the figure judged (latest value, incident total, grade ordinal …)
    "ref_value",  # what it was compared with, when that is itself a measurement
    "period_label",  # label of the latest period used
    "latest_start",  # start of the latest period with a value (for staleness)
    "series",  # values used, oldest first (trends, windows)
)


def op_holds(x: str, op: str, y: str) -> str:
    """SQL for `x op y` where op is a column holding one of OPS (== tolerates float noise)."""
    return (
        f"CASE {op} WHEN '>=' THEN {x} >= {y} WHEN '>' THEN {x} > {y} "
        f"WHEN '<=' THEN {x} <= {y} WHEN '<' THEN {x} < {y} "
        f"WHEN '==' THEN abs({x} - {y}) < 1e-9 END"
    )


def holds(x: float, op: str, y: float) -> bool:
    """Python twin of op_holds, for previews and reasons (never over measurement rows)."""
    return {
        ">=": x >= y,
        ">": x > y,
        "<=": x <= y,
        "<": x < y,
        "==": abs(x - y) < 1e-9,
    }[op]


def check_op(rule: dict) -> list[str]:
    problems = []
    if "op" not in rule:
        problems.append("rule.op: 缺少运算符")
    elif rule["op"] not in OPS:
        problems.append(f"rule.op: 「{rule['op']}」不是允许的运算符（{', '.join(OPS)}）")
    return problems


def check_value(rule: dict, key: str = "value") -> list[str]:
    if key not in rule or rule[key] is None:
        return [f"rule.{key}: 缺少数值"]
    if isinstance(rule[key], bool) or not isinstance(rule[key], int | float):
        return [f"rule.{key}: 「{rule[key]}」不是数值"]
    return []


def check_direction(rule: dict) -> list[str]:
    if rule.get("direction") not in ("up", "down"):
        return [f"rule.direction: 「{rule.get('direction')}」应为 up（上升为好）或 down（下降为好）"]
    return []


@dataclass(frozen=True)
class RuleKind:
    name: str
    label: str  # Chinese name shown to people
    value_type: str  # number | yesno | grade | count
    sql: str
    params: tuple[str, ...] = ()
    check: object = field(default=lambda rule: [])  # rule dict -> list of problems
    veto: bool = False  # a failure is a veto risk (一票否决)
