"""The catalogue against the plan's own text, and the loader refusing a broken catalogue."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from indicators.rules import REGISTRY
from tracker.catalogue import CatalogueError, catalogue, load_catalogue
from tracker.config import INDICATORS

PLAN = (INDICATORS / "reference" / "zalantun-plan-2023.txt").read_text(encoding="utf-8")
OPS = {"≥": ">=", ">": ">", "<": "<"}


def plan_items() -> dict[int, str]:
    """Item number → its paragraph(s), read from the plan's 工作任务 section."""
    section = PLAN[PLAN.index("（二）工作任务") : PLAN.index("三、重点工作")]
    starts = list(re.finditer(r"^[（(](\d{1,2})[）)]", section, flags=re.M))
    return {
        int(m.group(1)): section[m.start() : starts[i + 1].start() if i + 1 < len(starts) else len(section)]
        for i, m in enumerate(starts)
    }


def plan_units(text: str) -> list[str]:
    return re.search(r"责任单位[：:]([^）)]*)[）)]", text).group(1).split("、")


def plan_figures(text: str) -> set[tuple[str, float]]:
    """Every (operator, figure) the plan writes in an item; a bare 「100%」 reads as == 100."""
    text = text.replace("$\\geq", "≥").replace("$", "").replace("\\%", "%")
    found = {(OPS[op], float(v)) for op, v in re.findall(r"([≥><])\s*(\d+(?:\.\d+)?)", text)}
    for m in re.finditer(r"(\d+(?:\.\d+)?)\s*%", text):
        before = text[: m.start()].rstrip()
        if not before or before[-1] not in OPS:
            found.add(("==", float(m.group(1))))
    return found


def catalogue_figures(item) -> set[tuple[str, float]]:
    return {(m.rule["op"], float(m.rule["value"])) for m in item.metrics if "value" in m.rule}


def test_45_items_in_7_categories():
    cat = catalogue()
    assert len(cat.items) == 45 and [i.code for i in cat.items] == list(range(1, 46))
    assert len(cat.categories) == 7
    assert {i.category for i in cat.items} == set(range(1, 8))
    assert all(item.metrics for item in cat.items)


def test_plan_parser_reads_45_items():
    assert sorted(plan_items()) == list(range(1, 46))


@pytest.mark.parametrize("code", range(1, 46))
def test_units_text_is_the_plans_list(code):
    assert list(catalogue().item(code).units_text) == plan_units(plan_items()[code])


@pytest.mark.parametrize("code", range(1, 46))
def test_every_figure_the_plan_writes_is_a_rule_of_its_item(code):
    assert plan_figures(plan_items()[code]) <= catalogue_figures(catalogue().item(code))


def test_plan_figures_hand_checked_for_item_8():
    # 社区比例 100%, 人均体育场地面积 > 2.2 平方米, 经常参加体育锻炼人数的比例 > 38.5%
    assert plan_figures(plan_items()[8]) == {("==", 100.0), (">", 2.2), (">", 38.5)}


def test_decision_figures():
    cat = catalogue()
    vaccination = cat.metric("40.5")
    assert (vaccination.kind, vaccination.rule["op"], vaccination.rule["value"]) == ("each_area", ">=", 90)
    assert len(vaccination.areas) == 19
    assert ("==", 100.0) in catalogue_figures(cat.item(42))


@pytest.mark.parametrize(
    ("kind", "metrics"),
    [
        ("zero_incident", {"21.1", "30.6", "31.2", "33.1", "33.2", "39.2", "44.1"}),
        ("threshold_or_trend", {"6.1", "15.1"}),
        ("grade", {"45.1", "45.2", "45.3", "45.4"}),
    ],
)
def test_rule_kinds_of_the_plans_wording(kind, metrics):
    assert {m.code for m in catalogue().metrics if m.kind == kind} == metrics


def test_trends_direction():
    cat = catalogue()
    trends = {m.code: m.rule["direction"] for m in cat.metrics if m.kind == "trend"}
    assert trends["38.1"] == "down" and trends["40.4"] == "up" and trends["41.1"] == "down"
    assert {"30.4", "30.5", "40.1", "40.2", "40.3"} <= {c for c, d in trends.items() if d == "down"}


def test_compare_rules_point_at_reported_references():
    cat = catalogue()
    for m in (m for m in cat.metrics if m.kind == "compare"):
        assert cat.metric(m.rule["against"]).kind == "reported"


def test_every_kind_is_registered_and_used():
    used = {m.kind for m in catalogue().metrics}
    assert used == set(REGISTRY)


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("市卫生健康委员会", "卫健委"),
        ("市城市管理综合行政执法局", "城管执法局"),
        ("交通局", "交通运输局"),
        ("编办", "市委编办"),
        ("市创卫办", "创卫办"),
        ("齐齐哈尔车务段扎兰站", "齐齐哈尔车务段扎兰屯站"),
        ("铁东街道办事处", "铁东街道"),
        ("铁东", "铁东街道"),
        ("ｔ", None),
    ],
)
def test_unit_aliases(alias, canonical):
    assert catalogue().resolve_unit(alias) == canonical


def test_groups_expand_to_streets_and_townships():
    cat = catalogue()
    assert len(cat.expand("各街道办事处")) == 7
    assert len(cat.expand("各乡镇人民政府")) == 12


def test_phases_from_the_plan():
    cat = catalogue()
    p3 = cat.phase("P3.1")
    assert (p3.name, str(p3.start), str(p3.end), p3.parent) == (
        "组织模拟检查",
        "2023-01-01",
        "2023-06-30",
        "P3",
    )
    assert all(p.target_set_by == "office" for p in cat.phases)


# ------------------------------------------------------------------ a broken catalogue is refused


@pytest.fixture
def broken(tmp_path: Path):
    """A copy of indicators/ whose standard.yaml a test may edit."""
    folder = tmp_path / "indicators"
    shutil.copytree(INDICATORS, folder, ignore=shutil.ignore_patterns("rules", "__pycache__", "*.py"))

    def edit(change) -> Path:
        path = folder / "standard.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return folder

    return edit


def _metric(data, code):
    item = next(i for i in data["items"] if i["code"] == int(code.split(".")[0]))
    return next(m for m in item["metrics"] if m["code"] == code)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: _metric(d, "10.3")["rule"].update(op="=>"),
            "第10项 指标10.3 rule.op: 「=>」不是允许的运算符",
        ),
        (lambda d: _metric(d, "10.3")["rule"].pop("value"), "第10项 指标10.3 rule.value: 缺少数值"),
        (
            lambda d: _metric(d, "10.3")["rule"].update(kind="maximum"),
            "第10项 指标10.3 rule.kind: 未知的规则类型「maximum」",
        ),
        (lambda d: d["items"][9]["units_text"].append("宣传局"), "第10项 units_text: 未知单位「宣传局」"),
        (
            lambda d: _metric(d, "10.3").update(reporter="宣传局"),
            "第10项 指标10.3 reporter: 未知单位「宣传局」",
        ),
        (lambda d: _metric(d, "10.3").update(code="10.2"), "第10项 指标10.2 code: 编码重复"),
        (lambda d: d["items"][10].update(code=10), "第10项 code: 编码重复"),
        (lambda d: _metric(d, "10.3").update(period="week"), "第10项 指标10.3 period: 「week」应为"),
        (lambda d: _metric(d, "40.4")["rule"].update(direction="sideways"), "第40项 指标40.4 rule.direction"),
        (
            lambda d: _metric(d, "42.1")["rule"].update(against="42.9b"),
            "第42项 指标42.1 rule.against: 未知指标「42.9b」",
        ),
    ],
)
def test_loader_refuses_with_item_and_field(broken, change, message):
    with pytest.raises(CatalogueError) as err:
        load_catalogue(broken(change))
    assert message in str(err.value)


def test_loader_accepts_the_real_catalogue_copy(broken):
    cat = load_catalogue(broken(lambda d: None))
    assert len(cat.metrics) == len(catalogue().metrics)


# ------------------------------------------------------------------ vector density grades (item 45)


def _rat():
    return next(v for v in catalogue().vector_grades if v.vector == "鼠")


def test_vector_grades_cover_the_four_grade_metrics():
    assert sorted(v.metric for v in catalogue().vector_grades) == ["45.1", "45.2", "45.3", "45.4"]


@pytest.mark.parametrize(
    ("readings", "grade"),
    [
        (
            {"室内鼠迹房间阳性率": 1, "防鼠设施合格率": 97, "外环境鼠迹路径指数": 1},
            "A",
        ),  # every A limit exactly
        ({"室内鼠迹房间阳性率": 1.1, "防鼠设施合格率": 97, "外环境鼠迹路径指数": 1}, "B"),
        ({"室内鼠迹房间阳性率": 5, "防鼠设施合格率": 93, "外环境鼠迹路径指数": 5}, "C"),
        ({"室内鼠迹房间阳性率": 5, "防鼠设施合格率": 92.9, "外环境鼠迹路径指数": 5}, "D"),
        ({"室内鼠迹房间阳性率": 1, "防鼠设施合格率": 97}, "D"),  # an incomplete survey grades nothing
    ],
)
def test_rat_grade_from_survey_readings(readings, grade):
    assert _rat().grade(readings) == grade


def test_loader_refuses_grade_limits_that_disagree_with_the_threshold(tmp_path):
    folder = tmp_path / "indicators"
    shutil.copytree(INDICATORS, folder, ignore=shutil.ignore_patterns("rules", "__pycache__", "*.py"))
    path = folder / "vector_grades.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("A: 97, B: 95, C: 93", "A: 97, B: 95, C: 92"),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="threshold_metric: 与指标45.6的阈值不一致"):
        load_catalogue(folder)


# ---------------------------------------------------------------- issue 11: metric aliases


def test_metric_aliases_are_loaded_and_found():
    cat = catalogue()
    assert "适龄儿童免疫规划疫苗接种率" in cat.metric("40.5").aliases
    assert cat.find_metric("鼠密度").code == "45.1"
    assert cat.find_metric(" 城市管理信息化复盖率 ").code == "10.4"


def test_loader_refuses_an_alias_used_by_two_metrics(tmp_path):
    folder = tmp_path / "indicators"
    shutil.copytree(INDICATORS, folder, ignore=shutil.ignore_patterns("rules", "__pycache__", "*.py"))
    path = folder / "standard.yaml"
    text = path.read_text(encoding="utf-8")
    assert "aliases: [蚊密度]" in text
    path.write_text(text.replace("aliases: [蚊密度]", "aliases: [蚊密度, 鼠密度]"), encoding="utf-8")
    with pytest.raises(CatalogueError, match="指标45.2 aliases: 「鼠密度」已是指标45.1的名称或别名"):
        load_catalogue(folder)
