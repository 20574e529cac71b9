"""The site types (indicators/site_types.yaml): every name resolves in the catalogue; a wrong one is refused at load."""

from __future__ import annotations

import shutil

import pytest

from tracker.catalogue import CatalogueError, catalogue
from tracker.config import INDICATORS
from tracker.inspections.site_types import OWN_STREET, load_site_types, site_types

PLAN_TYPES = ("农贸市场", "小餐饮", "学校", "医院", "车站", "公共厕所", "背街小巷", "城中村", "城乡结合部", "建筑工地",
              "垃圾转运站", "铁路沿线")  # fmt: skip


def test_the_plans_site_types_with_units_and_checks():
    types = site_types()
    assert set(PLAN_TYPES) <= set(types)
    cat = catalogue()
    for t in types.values():
        for unit in t.units:
            assert unit == OWN_STREET or unit in cat.units
        assert 45 in {c.item for c in t.checks}, f"{t.name}: 病媒 is checked everywhere"
        for c in t.checks:
            assert cat.metric(c.metric).item == c.item
    assert types["农贸市场"].units[0] == "市场监督管理局"
    assert types["公共厕所"].units == ("城管执法局",)
    assert {c.item for c in types["学校"].checks} >= {29}
    assert {c.item for c in types["背街小巷"].checks} >= {10}
    assert types["背街小巷"].units_for("铁东街道") == ("城管执法局", "住建局", "铁东街道")
    assert types["农贸市场"].rate_metrics(cat) == ("45.5", "45.6")


@pytest.fixture
def folder(tmp_path):
    for name in ("units.yaml", "standard.yaml", "phases.yaml", "vector_grades.yaml", "site_types.yaml"):
        shutil.copy(INDICATORS / name, tmp_path / name)
    return tmp_path


def _edit(folder, old: str, new: str) -> None:
    path = folder / "site_types.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "old,new,message",
    [
        ("units: [市场监督管理局, 城管执法局]", "units: [市场监管总局]", "未知单位「市场监管总局」"),
        (
            "units: [市场监督管理局, 城管执法局]",
            "units: [市场监督管理局, 城管局]",
            "「城管局」应写作规范简称「城管执法局」",
        ),
        ('item: 16, metric: "16.1"', 'item: 16, metric: "16.9"', "未知指标「16.9」"),
        ('item: 16, metric: "16.2"', 'item: 17, metric: "16.2"', "指标16.2属于第16项，不是第17项"),
        ('item: 16, metric: "16.3"', 'item: 46, metric: "16.3"', "「46」不是标准中的项目"),
    ],
)
def test_an_unknown_unit_item_or_metric_is_refused_with_its_place(folder, old, new, message):
    _edit(folder, old, new)
    with pytest.raises(CatalogueError) as err:
        load_site_types(folder)
    assert message in str(err.value) and "农贸市场" in str(err.value)
