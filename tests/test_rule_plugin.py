"""A rule kind is a whole plugin: an 11th kind, defined here and registered at run time, is loaded by the
catalogue, judged by the engine, explained and given a target and an example — no other file changes."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from indicators.rules import REGISTRY, RuleKind, Target, Why, register
from tests.scenario import add
from tracker import bootstrap
from tracker.catalogue import load_catalogue
from tracker.config import INDICATORS
from tracker.engine.evaluate import evaluate
from tracker.ingest.templates import example, requirement

# within: the latest value lies between two figures (a comfort band), read from the rule's own parameters.
SQL = """
SELECT r.as_of, c.metric, r.area,
       CASE WHEN r.value BETWEEN CAST(c.rule->>'low' AS DOUBLE) AND CAST(c.rule->>'high' AS DOUBLE)
            THEN 'met' ELSE 'not_met' END AS status,
       r.value, NULL::DOUBLE AS ref_value, r.period_label, r.period_start AS latest_start, [r.value] AS series
FROM cat_metric c JOIN ranked r ON r.metric = c.metric AND r.k = 1
WHERE c.kind = 'within'
"""


def _reason(why: Why) -> str | None:
    if why.row["status"] not in ("met", "not_met"):
        return None
    inside = "在" if why.row["status"] == "met" else "不在"
    rule = why.metric.rule
    return f"{why.parts['period']} {why.metric.name} {why.parts['value']} {inside} {rule['low']}–{rule['high']} 之间"


WITHIN = RuleKind(
    name="within",
    label={"zh": "区间", "en": "within"},
    value_type="number",
    sql=SQL,
    params=("low", "high"),
    check=lambda rule: [] if rule.get("low", 0) < rule.get("high", 0) else ["rule.low/high: 下限应小于上限"],
    reason=_reason,
    target=lambda metric: Target(
        words={lang: f"{metric.rule['low']}–{metric.rule['high']}{metric.unit}" for lang in ("zh", "en")}
    ),
    point=lambda metric, value: metric.rule["low"] <= value <= metric.rule["high"],
    example=lambda metric, progress, rng=None: (metric.rule["low"] + metric.rule["high"]) / 2,
)


@pytest.fixture
def cat_with_within(tmp_path, monkeypatch):
    monkeypatch.setitem(REGISTRY, "within", WITHIN)
    folder = tmp_path / "indicators"
    shutil.copytree(INDICATORS, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__", "rules"))
    standard = folder / "standard.yaml"
    text = standard.read_text(encoding="utf-8")
    # 22.1 (a reported figure) becomes a banded one.
    start = text.index('- code: "22.1"')
    rule_at = text.index("rule: {kind: reported}", start)
    text = (
        text[:rule_at]
        + "rule: {kind: within, low: 300, high: 350}"
        + text[rule_at + len("rule: {kind: reported}") :]
    )
    standard.write_text(text, encoding="utf-8")
    return load_catalogue(folder)


def test_an_eleventh_kind_evaluates_end_to_end(cat_with_within):
    cat = cat_with_within
    metric = cat.metric("22.1")
    assert metric.kind == "within"
    con = bootstrap.connect(":memory:")
    add(con, "22.1", "2025年", 335)
    ev = evaluate(con, dt.date(2026, 11, 28), cat)
    row = ev.metrics.set_index("metric").loc["22.1"]
    assert row["status"] == "met"
    assert row["reason"] == f"2025年 {metric.name} 335{metric.unit} 在 300–350 之间"
    add(con, "22.1", "2025年", 360, recorded_at="2026-02-01 00:00:00")
    row = evaluate(con, dt.date(2026, 11, 28), cat).metrics.set_index("metric").loc["22.1"]
    assert row["status"] == "not_met"
    assert requirement(metric) == f"300–350{metric.unit}"
    assert example(metric) == f"325{metric.unit}"


def test_register_adds_a_kind_and_the_loader_checks_its_parameters(tmp_path, monkeypatch):
    monkeypatch.setitem(REGISTRY, "within", WITHIN)  # restored after the test
    assert register(WITHIN) is WITHIN and REGISTRY["within"] is WITHIN
    folder = tmp_path / "indicators"
    shutil.copytree(INDICATORS, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__", "rules"))
    standard = folder / "standard.yaml"
    text = standard.read_text(encoding="utf-8").replace(
        "rule: {kind: reported}", "rule: {kind: within, low: 350, high: 300}", 1
    )
    standard.write_text(text, encoding="utf-8")
    from tracker.catalogue import CatalogueError

    with pytest.raises(CatalogueError, match="下限应小于上限"):
        load_catalogue(folder)


def test_every_template_example_meets_its_rule():
    from tracker.catalogue import catalogue

    for metric in catalogue().metrics:
        kind = REGISTRY[metric.kind]
        value = kind.example(metric, 1.0)
        verdict = kind.point(metric, value)
        assert verdict in (True, None), (metric.code, value)
        if metric.unit == "%":
            assert 0 <= value <= 100, (metric.code, value)
        assert example(metric), metric.code


def test_the_template_writes_a_requirement_as_text_never_a_formula():
    import io

    import openpyxl

    from tracker.ingest.templates import template_xlsx

    # 卫健委 reports 42.7, whose rule reads == 100%: its requirement starts with 「=」.
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx("卫健委", dt.date(2026, 11, 28))))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type != "f" for c in cells)
    assert any(str(c.value).startswith("=100") for c in cells)
