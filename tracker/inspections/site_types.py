"""The site types of indicators/site_types.yaml: default responsible units and checklists, each check tied to an
item of the standard and a metric. Refused at load, every problem listed, when a name is not in the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tracker.catalogue import Catalogue, CatalogueError, _read, catalogue, normalise_name
from tracker.config import INDICATORS

OWN_STREET = "所在街道"  # the street or township a site lies in (the plan's 「各街道办事处」)


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    item: int
    metric: str


@dataclass(frozen=True)
class SiteType:
    name: str
    units: tuple[str, ...]  # canonical short names, OWN_STREET kept as written
    checks: tuple[Check, ...]
    source: str = ""

    def check(self, code: str) -> Check | None:
        return next((c for c in self.checks if c.code == code), None)

    def units_for(self, street: str | None) -> tuple[str, ...]:
        """The type's units for a site in a street: 所在街道 becomes that street (dropped when unknown)."""
        out: list[str] = []
        for unit in self.units:
            name = street if unit == OWN_STREET else unit
            if name and name not in out:
                out.append(name)
        return tuple(out)

    def rate_metrics(self, cat: Catalogue) -> tuple[str, ...]:
        """The percentage metrics its checks name: a round's pass rate of this type is a figure of each."""
        return tuple(dict.fromkeys(c.metric for c in self.checks if cat.metric(c.metric).is_percent))


def load_site_types(folder: Path | str = INDICATORS, cat: Catalogue | None = None) -> dict[str, SiteType]:
    cat = cat or catalogue()
    data = _read(Path(folder) / "site_types.yaml")
    problems: list[str] = []
    types: dict[str, SiteType] = {}
    for i, raw in enumerate(data.get("site_types") or [], start=1):
        name = normalise_name(raw.get("name") or "")
        where = f"site_types.yaml 第{i}个点位类型（{name or '无名称'}）"
        if not name:
            problems.append(f"{where} name: 缺少")
            continue
        if name in types:
            problems.append(f"{where} name: 名称重复")
        units = []
        for unit in raw.get("units") or []:
            resolved = OWN_STREET if normalise_name(unit) == OWN_STREET else cat.resolve_unit(unit)
            if resolved is None:
                problems.append(
                    f"{where} units: 未知单位「{unit}」（应为 units.yaml 中的单位或「{OWN_STREET}」）"
                )
            elif resolved != normalise_name(unit):  # one spelling in the data: the canonical short name
                problems.append(f"{where} units: 「{unit}」应写作规范简称「{resolved}」")
            else:
                units.append(resolved)
        if not units:
            problems.append(f"{where} units: 缺少默认责任单位")
        checks: list[Check] = []
        for raw_check in raw.get("checks") or []:
            code = normalise_name(raw_check.get("code") or "")
            at = f"{where} 检查项「{code or '无编码'}」"
            item, metric = raw_check.get("item"), str(raw_check.get("metric") or "")
            if not code or not raw_check.get("name"):
                problems.append(f"{at} code/name: 缺少")
                continue
            if any(c.code == code for c in checks):
                problems.append(f"{at} code: 编码重复")
                continue
            if not isinstance(item, int) or not 1 <= item <= len(cat.items):
                problems.append(f"{at} item: 「{item}」不是标准中的项目（1–{len(cat.items)}）")
                continue
            try:
                found = cat.metric(metric)
            except KeyError:
                problems.append(f"{at} metric: 未知指标「{metric}」")
                continue
            if found.item != item:
                problems.append(f"{at} metric: 指标{metric}属于第{found.item}项，不是第{item}项")
                continue
            checks.append(Check(code, str(raw_check["name"]), item, metric))
        if not checks:
            problems.append(f"{where} checks: 没有检查项")
        types[name] = SiteType(name, tuple(units), tuple(checks), raw.get("source") or "")
    if not types and not problems:
        problems.append("site_types.yaml site_types: 没有点位类型")
    if problems:
        raise CatalogueError("点位类型有误，未加载：\n" + "\n".join(f"- {p}" for p in problems))
    return types


@lru_cache(maxsize=1)
def site_types() -> dict[str, SiteType]:
    """The site types in indicators/, loaded once per process."""
    return load_site_types()


def site_type(name: str) -> SiteType | None:
    return site_types().get(normalise_name(name or ""))
