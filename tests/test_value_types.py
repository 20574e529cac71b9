"""A value type is a plugin like a rule kind: each reads a typed cell, writes a stored value (in Python and in
SQL, alike) and gives an example; the catalogue's metrics, the pages and the upload ask the type, never its name.
One label per rule kind, defined in its module, in the plan's words."""

from __future__ import annotations

import duckdb
import pytest

from indicators.rules import REGISTRY as KINDS
from indicators.value_types import REGISTRY, figure, figure_sql
from tracker.catalogue import catalogue
from tracker.strings import ui

READS = {
    "number": [("98.5", 98.5), ("abc", None)],
    "count": [("0", 0.0), ("2", 2.0), ("1.5", None), ("-1", None)],
    "yesno": [("是", 1.0), ("y", 1.0), ("否", 0.0), ("×", 0.0), ("也许", None)],
    "grade": [("C", 3.0), ("b级", 2.0), ("A级", 1.0), ("E", None), ("CC", None)],
}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_type_reads_a_cell_alike_in_python_and_in_sql(name):
    vt = REGISTRY[name]
    con = duckdb.connect()
    for text, value in READS[name]:
        assert vt.parse(text) == value, (name, text)
        (got,) = con.execute(f"SELECT {vt.parse_sql('$s')}", {"s": text}).fetchone()
        assert (None if got is None else float(got)) == value, (name, text)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_type_writes_its_example_alike_in_python_and_in_sql(name):
    vt = REGISTRY[name]
    con = duckdb.connect()
    for progress in (0.0, 0.5, 1.0):
        value = vt.example(progress)
        (got,) = con.execute(
            f"SELECT {figure_sql('$v', '$u', '$t')}", {"v": value, "u": "%", "t": name}
        ).fetchone()
        assert got == figure(value, "%", name)
        assert vt.parse(figure(value, "", name)) == value  # what it writes, it reads back


def test_every_metric_has_a_registered_type_and_its_kind_a_label_in_both_languages():
    for metric in catalogue().metrics:
        assert metric.value_type in REGISTRY and metric.vtype is REGISTRY[metric.value_type]
    for kind in KINDS.values():
        assert kind.label["zh"] and kind.label["en"], kind.name


def test_the_kind_labels_use_the_plans_words(monkeypatch):
    # The plan: 「符合所在地区域卫生规划要求」, 「近3年…未发生重大…事故」; one label per kind, shown by kind_label.
    monkeypatch.setattr(ui, "lang", lambda: "zh")
    assert ui.kind_label("compare") == "对照规划" and KINDS["compare"].label["zh"] == "对照规划"
    assert ui.kind_label("zero_incident") == "零事故"


def test_a_metric_target_says_what_the_pages_and_the_template_say():
    from tracker.ingest.templates import requirement

    cat = catalogue()
    assert cat.metric("10.3").target.describe("zh") == requirement(cat.metric("10.3")) == "≥80%"
    goal = cat.metric("10.3").target
    assert (goal.op, goal.figure, goal.approach) == (">=", 80.0, "target")
    assert goal.met_by(80) is True and goal.met_by(79.9) is False
    grades = [m for m in cat.metrics if m.vtype.levels]
    assert grades and all(m.target.shown in "ABCD" and m.target.approach is None for m in grades)
