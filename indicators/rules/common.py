"""What every rule kind shares: the operator set, parameter checks and the result shape."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from indicators.figures import english_figure, english_period, missing, target
from indicators.value_types import figure

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
        shown = figure(value, self.metric.unit, self.metric.value_type)
        return english_figure(shown) if self.lang == "en" else shown

    def period(self, label: str) -> str:
        """A period label in the reason's language."""
        return english_period(label) if self.lang == "en" else label

    def listed(self, key: str) -> str:
        """A list column of periods or 「period figure」 pairs (「2024年 1起」), joined in the reason's language."""
        if self.lang == "zh":
            return "、".join(self.seq(key))
        pairs = (str(v).partition(" ") for v in self.seq(key))
        return ", ".join(english_period(p) + (" " + english_figure(f) if f else "") for p, _, f in pairs)

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
            "period": self.period(self.row.get("period_label") or ""),
            "value": self.fig(self.row.get("value")),
        }


LANGS = ("zh", "en")


@dataclass(frozen=True)
class Target:
    """What a metric must reach, as its kind reads the rule: what pages, progress, templates and the demo use
    instead of the rule's own fields.

    words      the target as people read it, per language: 「≥90%」「C级及以上」「近3年持续下降」
    op         the comparison (one of OPS) a value is judged by; None when no single value can be judged alone
    figure     the fixed figure compared with (grades as ordinals); None when it is measured (compare) or absent
    shown      the figure as written on a chart's line: 「80%」「C」
    unit       the metric's unit of measure
    against    the metric whose measured value is the figure (compare)
    direction  up | down: which way is better, for kinds that read a trend
    approach   how progress toward it is judged (tracker.engine.progress): "target" (closing on a figure: `figure`,
               or the reference measured `against`), "trend" (a steady improvement in `direction`), None: neither
    """

    words: Mapping[str, str]
    op: str | None = None
    figure: float | None = None
    shown: str = ""
    unit: str = ""
    against: str | None = None
    direction: str | None = None
    approach: str | None = None

    def describe(self, lang: str = "zh") -> str:
        return self.words[lang]

    def met_by(self, value: float, reference: float | None = None) -> bool | None:
        """Whether one value meets it (against `reference` when the figure is measured); None: cannot tell."""
        goal = self.figure if reference is None else reference
        if self.op is None or goal is None:
            return None
        return holds(value, self.op, goal)


def words(make: Callable[[str], str]) -> dict[str, str]:
    """A target's words in every language, from a function of the language."""
    return {lang: make(lang) for lang in LANGS}


def by_target(metric, value: float) -> bool | None:
    """One value against the metric's target (history charts): the default check of one point."""
    return metric.target.met_by(value)


@dataclass(frozen=True)
class RuleKind:
    """A rule kind, whole: everything else loops over the registry and never asks which kind it is.

    sql      one set-based query judging every metric of the kind (see indicators.rules for what it reads)
    check    the rule's parameters → problems, each naming the field (the catalogue loader adds item/metric)
    reason   Why → one line a person can read, or None to let the engine say it (无数据, 数据过期, 待核实)
    target   metric → its Target: what to reach, in words and as a comparison (pages, progress, templates, demo)
    point    (metric, value) → whether one value alone meets the rule (history charts); None: it cannot tell.
             By default the target's comparison (Target.met_by)
    example  (metric, progress 0..1, rng) → a plausible value, meeting the rule at 1 (templates, the demo); the
             demo passes its seeded random.Random for a believable wobble, templates none
    events   the kind counts events: it takes a figure for any period up to its own (a month's incidents),
             and a period counts from the day it starts, not only once it has ended
    per_area the kind judges each street and township (its metrics have scope: area, and only its metrics)
    """

    name: str
    label: Mapping[str, str]  # the kind's name shown to people, per language
    value_type: str  # a name in indicators.value_types.REGISTRY
    sql: str
    reason: Callable[[Why], str | None]
    target: Callable[[Any], Target]
    example: Callable[[Any, float, random.Random | None], float]
    point: Callable[[Any, float], bool | None] = field(default=by_target)
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


def figure_target(metric, make_words: Callable[[str, str], str] | None = None, **more) -> Target:
    """The target of a rule with an operator and a fixed figure (threshold kinds): ≥90%, <20%, >2.2平方米;
    `make_words(figure_text, lang)` words it otherwise (「≥90%（每个街道乡镇）」)."""
    op, goal = metric.rule["op"], float(metric.rule["value"])
    shown = target(goal, metric.unit)

    def text(lang: str) -> str:
        return f"{SHOWN_OP[op]}{english_figure(shown) if lang == 'en' else shown}"

    return Target(
        words=words(lambda lang: make_words(text(lang), lang) if make_words else text(lang)),
        op=op,
        figure=goal,
        shown=shown,
        unit=metric.unit,
        approach="target",
        **more,
    )


def toward(metric, progress: float, rng: random.Random | None = None) -> float:
    """A value moving from well short of the rule's figure (progress 0) to just past it (progress 1); an exact
    figure (== 100%) is reached once progress is all but whole, and before that wobbles by the demo's rng."""
    goal = metric.target
    op, figure = goal.op, goal.figure
    if op == "==":
        if progress >= 0.95:
            return figure
        return round(figure * 0.82 + figure * 0.15 * progress + (rng.uniform(-2, 1) if rng else 0), 1)
    if op in ("<", "<="):
        start, end = figure * 1.25, figure * 0.88
    else:
        start, end = figure * 0.82, figure * 1.06
    value = start + (end - start) * progress
    return round(min(value, 99.8) if metric.unit == "%" else value, 1)
