"""One way to write a figure with its unit, checked on every unit of measure in the catalogue."""

from __future__ import annotations

import re

import pytest

from indicators.figures import target, unit_after_number
from indicators.value_types import figure
from tracker.catalogue import catalogue

UNITS = sorted({m.unit for m in catalogue().metrics})


@pytest.mark.parametrize("unit", UNITS)
def test_no_digit_of_a_unit_runs_into_the_number(unit):
    for value in (0, 7, 18.5, 19.81, 100):
        shown = figure(value, unit, "number")
        number = re.match(r"^[0-9.]+", shown).group(0)
        assert float(number) == pytest.approx(value, abs=0.05), (unit, value, shown)
        assert not re.match(r"^[0-9]", unit_after_number(unit)), unit


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (18.5, "1/10万", "18.5/10万"),
        (19.81, "1/10万", "19.81/10万"),
        (5.2, "‰", "5.2‰"),
        (76, "%", "76.0%"),
        (17.65, "%", "17.65%"),
        (0.176, "%", "0.18%"),
        (35, "微克/立方米", "35微克/立方米"),
        (2.5, "人/千人", "2.5人/千人"),
        (None, "%", "—"),
    ],
)
def test_figures_read_as_people_write_them(value, unit, shown):
    assert figure(value, unit) == shown


def test_grades_and_answers():
    assert figure(3, "级", "grade") == "C级"
    assert figure(1, "是/否", "yesno") == "是" and figure(0, "是/否", "yesno") == "否"


def test_targets_drop_needless_decimals():
    assert target(80, "%") == "80%"
    assert target(2.2, "平方米") == "2.2平方米"
    assert target(18, "1/10万") == "18/10万"
