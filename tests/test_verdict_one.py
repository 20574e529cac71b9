"""Issue 21 (判定可信·二): one verdict, the same everywhere, right at every boundary.

Hand-worked dates: the demo's today is 2026-11-28; its 2024 暗访 finds live poultry slaughtered at 河西早市, an open
否决风险 finding on item 16 from 14 to 23 May 2024; the 2024 school food poisoning keeps item 30 a veto risk.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from tests.conftest import TODAY
from tests.scenario import add
from tracker import db
from tracker.access.auth import Actor
from tracker.engine.evaluate import evaluate
from tracker.office import verification

OFFICE = Actor("王主任", "admin")


@pytest.fixture
def con():
    c = db.connect(":memory:")
    yield c
    c.close()


@pytest.fixture
def demo_copy(demo_db, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    c = db.connect(path)
    yield c
    c.close()


def _status(con, metric: str, known_at: dt.datetime | None = None, day: dt.date = TODAY) -> str:
    return evaluate(con, day, known_at=known_at).metrics.set_index("metric").loc[metric, "status"]


def _pending(con) -> list[str]:
    return list(verification.pending_answers(con, ["2.2"])["period_label"])


# ---------------------------------------------------------------- 1. a changed answer needs a new check


def test_yes_no_yes_needs_a_new_check_in_the_evaluation_as_in_the_pending_list(con):
    """2.2 is city-wide (area NULL): the check of the first 「是」 is voided by the 「否」 recorded after it."""
    add(con, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")
    assert _status(con, "2.2") == "pending" and _pending(con) == ["2025年"]
    verification.verify(con, "2.2", "2025", OFFICE, "现场检查记录", now=dt.datetime(2026, 3, 1, 10))
    assert _status(con, "2.2") == "met" and _pending(con) == []
    add(con, "2.2", "2025年", 1, recorded_at="2026-03-05 09:00:00")  # the same 「是」 again: still checked
    assert _status(con, "2.2") == "met" and _pending(con) == []
    add(con, "2.2", "2025年", 0, recorded_at="2026-03-10 09:00:00")
    assert _status(con, "2.2") == "not_met" and _pending(con) == []
    add(con, "2.2", "2025年", 1, recorded_at="2026-03-20 09:00:00")
    assert _status(con, "2.2") == "pending" and _pending(con) == ["2025年"]
    # as known at each moment: met after the check, not met after the 「否」, pending after the new 「是」
    assert _status(con, "2.2", dt.datetime(2026, 3, 6)) == "met"
    assert _status(con, "2.2", dt.datetime(2026, 3, 15)) == "not_met"
    assert _status(con, "2.2", dt.datetime(2026, 3, 21)) == "pending"
    # a new check of the new 「是」 holds again, in both
    verification.verify(con, "2.2", "2025", OFFICE, "复查记录", now=dt.datetime(2026, 3, 22, 10))
    assert _status(con, "2.2") == "met" and _pending(con) == []
    assert _status(con, "2.2", dt.datetime(2026, 3, 21)) == "pending"


def test_a_check_made_after_the_moment_known_does_not_count_then(con):
    add(con, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")
    verification.verify(con, "2.2", "2025", OFFICE, "现场检查记录", now=dt.datetime(2026, 3, 1, 10))
    assert _status(con, "2.2", dt.datetime(2026, 2, 28)) == "pending"
    assert _status(con, "2.2", dt.datetime(2026, 3, 1, 10)) == "met"


def test_a_no_from_a_unit_whose_figure_does_not_count_voids_no_check(con):
    """卫健委 is listed on item 2 but does not report 2.2: its 「否」 is shown beside, never counted, and the
    check of 市委编办's 「是」 holds — in the evaluation as in the pending list."""
    add(con, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")
    verification.verify(con, "2.2", "2025", OFFICE, "现场检查记录", now=dt.datetime(2026, 3, 1, 10))
    add(con, "2.2", "2025年", 0, unit="卫健委", recorded_at="2026-03-10 09:00:00")
    add(con, "2.2", "2025年", 1, recorded_at="2026-03-20 09:00:00")
    assert _status(con, "2.2") == "met" and _pending(con) == []


# ---------------------------------------------------------------- 11. the reason says who answered and who checked


def _reason(con, metric: str, lang: str = "zh") -> str:
    column = "reason" if lang == "zh" else "reason_en"
    return evaluate(con, TODAY).metrics.set_index("metric").loc[metric, column]


def test_an_answer_the_office_entered_says_so_not_verified_by_the_reporter(con):
    add(con, "2.3", "2025年", 1, unit="创卫办", recorded_at="2026-02-01 09:00:00")
    assert _reason(con, "2.3") == "2025年 爱国卫生工作经费纳入财政预算 由创卫办录入「是」，无需核实"
    assert "entered by the office" in _reason(con, "2.3", "en")
    assert "财政局" not in _reason(con, "2.3")


def test_a_verified_answer_names_the_unit_that_answered_and_who_checked(con):
    add(con, "2.3", "2025年", 1, recorded_at="2026-02-01 09:00:00")
    verification.verify(con, "2.3", "2025", OFFICE, "预算文件", now=dt.datetime(2026, 3, 1, 10))
    assert _reason(con, "2.3") == "2025年 爱国卫生工作经费纳入财政预算 已核实（财政局报「是」，王主任核实）"
