"""Load the catalogue (indicators/*.yaml), refuse it when it is inconsistent, and answer lookups."""

from __future__ import annotations

import datetime as dt
import os
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import yaml

from indicators import value_types
from indicators.rules import REGISTRY
from indicators.rules.common import OFFICE, OPS, Target, holds
from indicators.value_types.grade import GRADES
from tracker.config import INDICATORS, load_yaml

PERIOD_TYPES = ("year", "quarter", "month")
SCOPES = ("city", "area")
UNIT_KINDS = ("department", "street", "township", "enterprise", "office")
__all__ = ["OFFICE"]  # 创卫办: may report any metric, for any unit (defined with the rule kinds)


class CatalogueError(ValueError):
    """The catalogue is inconsistent; the message lists every problem, each naming item and field."""


def normalise_name(text: str) -> str:
    """How names are compared: NFKC (full-width → half-width), no spaces."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


@dataclass(frozen=True)
class Unit:
    short: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    contact: str = ""


@dataclass(frozen=True)
class Metric:
    code: str
    name: str
    unit: str  # unit of measure
    period: str
    scope: str
    reporter: str  # canonical unit short name
    rule: dict
    item: int
    source: str = ""
    national_field: str | None = None
    areas: tuple[str, ...] = ()  # for scope = area
    against_name: str = ""  # the name of the metric a compare rule measures against
    aliases: tuple[str, ...] = ()  # other names an upload may use (short names, the national form's wording)
    # Why a bare figure of at most 1 is a plausible percentage here (an upload refuses 0.152 as a slip for 15.2%
    # unless the catalogue says so); "" for every other metric.
    small_percent: str = ""
    reporter_reason: str = ""  # why the reporter is not one of the item's 责任单位 (the office collecting, …)

    @property
    def kind(self) -> str:
        return self.rule["kind"]

    @property
    def value_type(self) -> str:
        return REGISTRY[self.kind].value_type

    @property
    def vtype(self) -> value_types.ValueType:
        """The value type (indicators.value_types): how a figure of this metric is read, written, drawn."""
        return value_types.value_type(self.value_type)

    @property
    def target(self) -> Target:
        """What the metric must reach, as its rule kind reads the rule (read afresh: a rule is a dict, and an
        edited one must not leave a stale target behind)."""
        return REGISTRY[self.kind].target(self)

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    @property
    def threshold(self) -> float | None:
        """The fixed figure, as compared in SQL (grades as ordinals)."""
        return self.target.figure


@dataclass(frozen=True)
class Item:
    code: int
    category: int
    title: str
    text: str
    units_text: tuple[str, ...]
    units: tuple[str, ...]  # resolved, lead first, groups expanded
    metrics: tuple[Metric, ...]

    @property
    def lead(self) -> str:
        return self.units[0]

    @property
    def is_veto(self) -> bool:
        return any(REGISTRY[m.kind].veto for m in self.metrics)


@dataclass(frozen=True)
class Phase:
    code: str
    name: str
    start: dt.date
    end: dt.date
    goal: str
    target_readiness: float | None
    set_by: str
    target_set_by: str
    parent: str | None = None


@dataclass(frozen=True)
class GradeLimit:
    name: str
    unit: str
    op: str
    limits: dict[str, float]  # grade letter (A, B, C) -> limit
    threshold_metric: str | None = None


@dataclass(frozen=True)
class VectorGrades:
    """The density grades behind item 45 for one vector (鼠, 蚊, 蝇, 蟑螂), as data."""

    vector: str
    metric: str  # the grade metric in standard.yaml
    limits: tuple[GradeLimit, ...]

    def grade(self, readings: dict[str, float]) -> str:
        """The best grade whose every limit holds for the survey readings; D when even C fails.

        A reading that is missing fails its limit: a grade needs the whole survey."""
        for letter in GRADES[:-1]:
            if all(
                lim.name in readings and holds(readings[lim.name], lim.op, lim.limits[letter])
                for lim in self.limits
            ):
                return letter
        return GRADES[-1]


@dataclass
class Catalogue:
    categories: dict[int, str]
    items: tuple[Item, ...]
    units: dict[str, Unit]
    groups: dict[str, tuple[str, ...]]
    phases: tuple[Phase, ...]
    vector_grades: tuple[VectorGrades, ...] = ()
    _aliases: dict[str, str] = field(default_factory=dict, repr=False)
    _metrics: dict[str, Metric] = field(default_factory=dict, repr=False)
    _metric_names: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return tuple(self._metrics.values())

    def item(self, code: int) -> Item:
        return self.items[code - 1]

    def metric(self, code: str) -> Metric:
        return self._metrics[code]

    def find_metric(self, text: str) -> Metric | None:
        """A metric by its code, its name in the plan or its national form key."""
        key = normalise_name(text)
        code = key if key in self._metrics else self._metric_names.get(key.lower())
        return self._metrics.get(code) if code else None

    def resolve_unit(self, text: str) -> str | None:
        """Canonical short name of a unit from any alias (「铁东街道办事处」→「铁东街道」)."""
        return self._aliases.get(normalise_name(text))

    def expand(self, text: str) -> tuple[str, ...]:
        """A unit or group name as the plan writes it → the canonical units it stands for."""
        key = normalise_name(text)
        if key in self._aliases:
            return (self._aliases[key],)
        for name, members in self.groups.items():
            if key == name:
                return members
        return ()

    def areas(self) -> tuple[str, ...]:
        return tuple(u.short for u in self.units.values() if u.kind in ("street", "township"))

    def metrics_reported_by(self, unit: str) -> tuple[Metric, ...]:
        if unit == OFFICE:
            return self.metrics
        return tuple(m for m in self.metrics if m.reporter == unit)

    def may_report(self, unit: str, metric: Metric) -> bool:
        """A unit may report a metric when the metric's item lists it; the office may report anything."""
        return unit == OFFICE or unit in self.item(metric.item).units

    def phase(self, code: str) -> Phase:
        return next(p for p in self.phases if p.code == code)


def _read(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            return load_yaml(f) or {}
    except FileNotFoundError as exc:
        raise CatalogueError(f"找不到目录文件 {path.name}") from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name} 不是有效的 YAML：{exc}") from exc


def _load_units(data: dict, problems: list[str]) -> tuple[dict[str, Unit], dict[str, tuple[str, ...]], dict]:
    units: dict[str, Unit] = {}
    aliases: dict[str, str] = {}
    for i, raw in enumerate(data.get("units") or [], start=1):
        short = normalise_name(raw.get("short", ""))
        where = f"units.yaml 第{i}个单位（{short or '无简称'}）"
        if not short or not raw.get("name"):
            problems.append(f"{where} short/name: 缺少简称或全称")
            continue
        if raw.get("kind") not in UNIT_KINDS:
            problems.append(f"{where} kind: 「{raw.get('kind')}」应为 {'/'.join(UNIT_KINDS)}")
        unit = Unit(
            short, raw["name"], raw.get("kind", ""), tuple(raw.get("aliases") or ()), raw.get("contact") or ""
        )
        units[short] = unit
        for alias in {short, normalise_name(unit.name), *map(normalise_name, unit.aliases)}:
            if aliases.get(alias, short) != short:
                problems.append(f"{where} aliases: 「{alias}」已是「{aliases[alias]}」的别名")
            aliases[alias] = short
    groups: dict[str, tuple[str, ...]] = {}
    for raw in data.get("groups") or []:
        name = normalise_name(raw.get("name", ""))
        members = tuple(normalise_name(m) for m in raw.get("members") or ())
        for member in members:
            if member not in units:
                problems.append(f"units.yaml 分组「{name}」members: 未知单位「{member}」")
        for alias in {name, *map(normalise_name, raw.get("aliases") or ())}:
            if alias in aliases:
                problems.append(
                    f"units.yaml 分组「{name}」aliases: 「{alias}」已是单位「{aliases[alias]}」的名称"
                )
            groups[alias] = members
    return units, groups, aliases


def _load_phases(data: dict, problems: list[str]) -> tuple[Phase, ...]:
    phases: list[Phase] = []

    def add(raw: dict, parent: str | None) -> None:
        code = raw.get("code", "?")
        try:
            start, end = raw["start"], raw["end"]
            if not (isinstance(start, dt.date) and isinstance(end, dt.date)) or end < start:
                raise ValueError
        except (KeyError, ValueError):
            problems.append(f"phases.yaml 阶段 {code} start/end: 日期缺失或结束早于开始")
            return
        phases.append(
            Phase(
                code,
                raw.get("name", code),
                start,
                end,
                raw.get("goal", ""),
                raw.get("target_readiness"),
                raw.get("set_by", "office"),
                raw.get("target_set_by", "office"),
                parent,
            )
        )
        for child in raw.get("children") or []:
            add(child, code)

    for raw in data.get("phases") or []:
        add(raw, None)
    return tuple(phases)


def _load_metric(raw: dict, item: int, item_units: tuple[str, ...], cat_expand, where: str, problems):
    code = str(raw.get("code", ""))
    where = f"{where} 指标{code or '（无编码）'}"
    rule = raw.get("rule") or {}
    kind = rule.get("kind")
    before = len(problems)
    if not code.startswith(f"{item}."):
        problems.append(f"{where} code: 应以「{item}.」开头")
    for key in ("name", "unit"):
        if raw.get(key) in (None, ""):
            problems.append(f"{where} {key}: 缺少")
    if raw.get("period") not in PERIOD_TYPES:
        problems.append(f"{where} period: 「{raw.get('period')}」应为 {'/'.join(PERIOD_TYPES)}")
    if raw.get("scope", "city") not in SCOPES:
        problems.append(f"{where} scope: 「{raw.get('scope')}」应为 city 或 area")
    if kind not in REGISTRY:
        problems.append(f"{where} rule.kind: 未知的规则类型「{kind}」（可用：{'、'.join(REGISTRY)}）")
    else:
        problems.extend(f"{where} {p}" for p in REGISTRY[kind].check(rule))
    reporter = cat_expand(raw.get("reporter", ""))
    if len(reporter) != 1:
        problems.append(f"{where} reporter: 未知单位「{raw.get('reporter')}」")
    elif reporter[0] not in item_units and not _text(raw.get("reporter_reason")):
        problems.append(
            f"{where} reporter: 「{reporter[0]}」不是本项责任单位（或在 reporter_reason 写明原因）"
        )
    if "small_percent" in raw:
        if str(raw.get("unit")) != "%":
            problems.append(f"{where} small_percent: 只适用于百分比（%）指标")
        elif not _text(raw["small_percent"]):
            problems.append(f"{where} small_percent: 应写明为何该指标的百分比可低于1%")
    areas: tuple[str, ...] = ()
    if raw.get("scope") == "area":
        for name in rule.get("areas") or ():
            expanded = cat_expand(name)
            if not expanded:
                problems.append(f"{where} rule.areas: 未知区域「{name}」")
            areas += expanded
    # A kind that judges areas needs an area metric, and an area metric such a kind.
    per_area = kind in REGISTRY and REGISTRY[kind].per_area
    if raw.get("scope") == "area" and kind in REGISTRY and not per_area:
        wanted = "、".join(name for name, k in REGISTRY.items() if k.per_area)
        problems.append(f"{where} scope: 分区域指标应使用按区域判定的规则（{wanted}）")
    elif raw.get("scope") != "area" and per_area:
        problems.append(f"{where} scope: {kind} 规则的指标应为 scope: area")
    if len(problems) > before:
        return None
    return Metric(
        code=code,
        name=raw["name"],
        unit=str(raw["unit"]),
        period=raw["period"],
        scope=raw.get("scope", "city"),
        reporter=reporter[0],
        rule=dict(rule),
        item=item,
        source=raw.get("source", ""),
        national_field=raw.get("national_field"),
        areas=areas,
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        small_percent=_text(raw.get("small_percent")),
        reporter_reason=_text(raw.get("reporter_reason")),
    )


def _text(value) -> str:
    """A reason written in the catalogue: a non-blank string, else ""."""
    return value.strip() if isinstance(value, str) else ""


def _load_vector_grades(
    data: dict, metrics: dict[str, Metric], problems: list[str]
) -> tuple[VectorGrades, ...]:
    out = []
    for raw in data.get("vectors") or []:
        where = f"vector_grades.yaml {raw.get('vector', '?')}"
        metric = metrics.get(str(raw.get("metric")))
        if metric is None or not metric.vtype.levels:
            problems.append(f"{where} metric: 「{raw.get('metric')}」不是目录中的等级指标")
        limits = []
        for lim in raw.get("limits") or []:
            at = f"{where}「{lim.get('name')}」"
            if lim.get("op") not in OPS:
                problems.append(f"{at} op: 「{lim.get('op')}」不是允许的运算符")
                continue
            values = [lim.get(g) for g in GRADES[:-1]]
            if any(not isinstance(v, int | float) for v in values):
                problems.append(f"{at} A/B/C: 缺少限值")
                continue
            # A is the strictest grade: for upper limits A ≤ B ≤ C, for lower limits A ≥ B ≥ C.
            ordered = sorted(values, reverse=lim["op"] in (">=", ">"))
            if values != ordered:
                problems.append(f"{at} A/B/C: 限值顺序不对（A级应最严格）")
            target = lim.get("threshold_metric")
            if target:
                m = metrics.get(str(target))
                if m is None or (m.rule.get("op"), m.rule.get("value")) != (lim["op"], lim["C"]):
                    problems.append(
                        f"{at} threshold_metric: 与指标{target}的阈值不一致（C级为 {lim['op']} {lim['C']}）"
                    )
            limits.append(
                GradeLimit(
                    lim["name"],
                    str(lim.get("unit", "")),
                    lim["op"],
                    dict(zip(GRADES[:-1], values, strict=True)),
                    target,
                )
            )
        if metric is not None:
            out.append(VectorGrades(raw.get("vector", ""), metric.code, tuple(limits)))
    return tuple(out)


def load_catalogue(folder: Path | str = INDICATORS) -> Catalogue:
    folder = Path(folder)
    problems: list[str] = []
    units, groups, aliases = _load_units(_read(folder / "units.yaml"), problems)

    def expand(text: str) -> tuple[str, ...]:
        key = normalise_name(text)
        return (aliases[key],) if key in aliases else groups.get(key, ())

    standard = _read(folder / "standard.yaml")
    categories = {int(c["code"]): c["name"] for c in standard.get("categories") or []}
    items: list[Item] = []
    metrics: dict[str, Metric] = {}
    seen_codes: set[int] = set()
    for raw in standard.get("items") or []:
        code = raw.get("code")
        where = f"第{code}项"
        if not isinstance(code, int) or not 1 <= code <= 45:
            problems.append(f"{where} code: 应为 1–45 的整数")
            continue
        if code in seen_codes:
            problems.append(f"{where} code: 编码重复")
            continue
        seen_codes.add(code)
        if raw.get("category") not in categories:
            problems.append(f"{where} category: 未知类别「{raw.get('category')}」")
        for key in ("title", "text"):
            if not raw.get(key):
                problems.append(f"{where} {key}: 缺少")
        units_text = tuple(raw.get("units_text") or ())
        if not units_text:
            problems.append(f"{where} units_text: 缺少责任单位")
        resolved: list[str] = []
        for name in units_text:
            found = expand(name)
            if not found and normalise_name(name) not in groups:
                problems.append(f"{where} units_text: 未知单位「{name}」")
            resolved.extend(u for u in found if u not in resolved)
        item_metrics = []
        if not raw.get("metrics"):
            problems.append(f"{where} metrics: 没有可检查的指标")
        for m in raw.get("metrics") or []:
            metric = _load_metric(m, code, tuple(resolved), expand, where, problems)
            if metric is None:
                continue
            if metric.code in metrics:
                problems.append(f"{where} 指标{metric.code} code: 编码重复")
                continue
            metrics[metric.code] = metric
            item_metrics.append(metric)
        items.append(
            Item(
                code,
                raw.get("category", 0),
                raw.get("title", ""),
                raw.get("text", ""),
                units_text,
                tuple(resolved),
                tuple(item_metrics),
            )
        )
    if seen_codes and seen_codes != set(range(1, 46)):
        problems.append(f"standard.yaml items: 缺少第 {sorted(set(range(1, 46)) - seen_codes)} 项")
    for code, metric in metrics.items():
        against = metric.rule.get("against")
        if against and against not in metrics:
            problems.append(f"第{metric.item}项 指标{metric.code} rule.against: 未知指标「{against}」")
        elif against:
            metrics[code] = replace(metric, against_name=metrics[against].name)
    items = [replace(i, metrics=tuple(metrics[m.code] for m in i.metrics)) for i in items]
    names: dict[str, str] = {}
    for metric in metrics.values():
        for key in (normalise_name(metric.name), metric.national_field):
            if key:
                names.setdefault(str(key).lower(), metric.code)
    for metric in metrics.values():  # an alias names one metric only: never another's name or alias
        for alias in metric.aliases:
            key = normalise_name(alias).lower()
            other = names.setdefault(key, metric.code)
            if other != metric.code:
                problems.append(
                    f"第{metric.item}项 指标{metric.code} aliases: 「{alias}」已是指标{other}的名称或别名"
                )
    phases = _load_phases(_read(folder / "phases.yaml"), problems)
    vector_grades = _load_vector_grades(_read(folder / "vector_grades.yaml"), metrics, problems)
    if problems:
        raise CatalogueError("目录有误，未加载：\n" + "\n".join(f"- {p}" for p in problems))
    items.sort(key=lambda i: i.code)
    return Catalogue(categories, tuple(items), units, groups, phases, vector_grades, aliases, metrics, names)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The catalogue in indicators/ (or the folder TRACKER_CATALOGUE names: an office's own copy, a test's),
    loaded once per process."""
    return load_catalogue(os.environ.get("TRACKER_CATALOGUE") or INDICATORS)
