"""What every rule kind shares: the operator set, parameter checks and the result shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from indicators.figures import figure, missing, target

OPS = (">=", ">", "<=", "<", "==")
OFFICE = "创卫办"  # the creation office: its own figures count for any metric


def counts_by_default(unit: str, reporter: str, area: str, events: str | None = None) -> str:
    """SQL: whether a figure sent by `unit` is one whose figure counts unless the office chose another unit's
    (tracker.engine.counting): the metric's designated `reporter`, the office, an area metric's own unit (`area`);
    with `events` (the kind counts incidents, issue 21), every unit that may send it — hiding an incident is worse
    than counting one twice. The one definition: the value that counts, the checklist's check, the upload's
    warnings. NULL when `area` is NULL and no other term holds (a city-wide figure): callers that need false say
    coalesce(…, false)."""
    anyone = f" OR {events}" if events else ""
    return f"({unit} = {reporter} OR {unit} = '{OFFICE}' OR {unit} = {area}{anyone})"


# Columns every kind's SQL returns (by name; a kind may leave out the optional ones).
RESULT_COLUMNS = (
    "as_of",  # the evaluation date (several at once for histories)
    "metric",  # metric code
    "area",  # null for city-wide
    "status",  # met | not_met | no_data | stale | pending
    "value",  # the figure judged (latest value, incident total, grade ordinal …)
    "ref_value",  # what it was compared with, when that is itself a measurement
    "period_label",  # label of the latest period used
    "latest_start",  # start of the latest period with a value (the engine marks met values stale from it)
    "series",  # values used, oldest first (trends, windows)
)
OPTIONAL_COLUMNS = (
    "labels",  # VARCHAR[]: the periods of `series`, the periods that held incidents; checklist: who answered, who checked
    "missing",  # VARCHAR[]: periods whose figure is needed and missing (named in the reason)
    "ref_label",  # the period of ref_value
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


def no_problems(rule: dict) -> list[str]:
    return []


@dataclass
class Why:
    """What a kind's reason is written from: the metric (tracker.catalogue.Metric), its evaluated row, the
    per-area rows of area metrics, the evaluation date and the language."""

    metric: Any
    row: dict
    areas: Any  # pandas DataFrame of this metric's per-area rows (empty for city-wide metrics)
    as_of: dt.date
    lang: str = "zh"

    def fig(self, value) -> str:
        return figure(value, self.metric.unit, self.metric.value_type)

    def value(self, key: str = "value"):
        value = self.row.get(key)
        return None if missing(value) else value

    def seq(self, key: str, keep_missing: bool = False) -> list:
        """A list column of the row as a list (missing entries dropped unless asked for)."""
        items = self.row.get(key)
        if items is None or (isinstance(items, float) and missing(items)):
            return []
        return [v for v in items if keep_missing or not missing(v)]

    @property
    def parts(self) -> dict:
        """The fields every reason may use: name, reporter, period, value (formatted)."""
        return {
            "name": self.metric.name,
            "reporter": self.metric.reporter,
            "period": self.row.get("period_label") or "",
            "value": self.fig(self.row.get("value")),
        }


@dataclass(frozen=True)
class RuleKind:
    """A rule kind, whole: everything else loops over the registry and never asks which kind it is.

    sql      one set-based query judging every metric of the kind (see indicators.rules for what it reads)
    check    the rule's parameters → problems, each naming the field (the catalogue loader adds item/metric)
    reason   Why → one line a person can read, or None to let the engine say it (无数据, 数据过期, 待核实)
    target   (metric, lang) → the figure to reach, for pages and templates: 「≥90%」「C级及以上」
    point    (metric, value) → whether one value alone meets the rule (history charts); None: it cannot tell
    example  (metric, progress 0..1) → a plausible value, meeting the rule at 1 (templates, the demo)
    events   the kind counts events: it takes a figure for any period up to its own (a month's incidents),
             and a period counts from the day it starts, not only once it has ended
    per_area the kind judges each street and township (its metrics have scope: area, and only its metrics)
    """

    name: str
    label: str  # Chinese name shown to people
    value_type: str  # number | yesno | grade | count
    sql: str
    reason: Callable[[Why], str | None]
    target: Callable[[Any, str], str]
    example: Callable[[Any, float], float]
    point: Callable[[Any, float], bool | None] = field(default=lambda metric, value: None)
    params: tuple[str, ...] = ()
    check: Callable[[dict], list[str]] = field(default=no_problems)
    veto: bool = False  # a failure is a veto risk (一票否决)
    events: bool = False
    per_area: bool = False


SHOWN_OP = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}
# The relation shown when a comparison fails: 76.0% < 80% for a rule written ≥ 80%.
FAILED_OP = {">=": "<", ">": "≤", "<=": ">", "<": "≥", "==": "≠"}


def shown_op(value: float, op: str, reference: float) -> str:
    return SHOWN_OP[op] if holds(value, op, reference) else FAILED_OP[op]


def rule_figure(metric) -> str:
    """The rule's operator and figure as people read it: ≥90%, <20%, >2.2平方米."""
    return f"{SHOWN_OP[metric.rule['op']]}{target(float(metric.rule['value']), metric.unit)}"


def toward(metric, progress: float) -> float:
    """A value moving from well short of the rule's figure (progress 0) to just past it (progress 1)."""
    op, goal = metric.rule["op"], float(metric.rule["value"])
    if op == "==":
        return goal if progress >= 1 else round(goal * (0.82 + 0.15 * progress), 1)
    if op in ("<", "<="):
        start, end = goal * 1.25, goal * 0.88
    else:
        start, end = goal * 0.82, goal * 1.06
    value = start + (end - start) * progress
    return round(min(value, 99.8) if metric.unit == "%" else value, 1)
