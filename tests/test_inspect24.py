"""Issue 24, findings 7 and 8, at the services: the inspection loop's order (复查 only after an answer, a send-back
with a new deadline, once), pass rates only from finished rounds and only over sites with a record, and the words
and blame of the office's pages."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.test_inspections import CSV, OFFICE, SITES, T0
from tracker import bootstrap
from tracker.inspections import findings, rounds, sites, verdict
from tracker.inspections.imports import import_findings
from tracker.inspections.sites import InspectionError

TODAY = T0.date()  # 2024-06-06


@pytest.fixture
def con():
    con = bootstrap.connect(":memory:")
    for type_name, name, street in SITES:
        sites.register_site(con, OFFICE, type_name, name, street, now=T0)
    yield con
    con.close()


def _round(con, starts: dt.date, ends: dt.date, types=("公共厕所",)) -> int:
    return rounds.create_round(con, OFFICE, "模拟检查", "六月检查", starts, ends, types=list(types), now=T0)


def _finding(con, rid: int, site: int = 9, level: str = "一般") -> int:
    return findings.record_finding(con, OFFICE, rid, site, "干净整洁", "便池污垢", level,
                                   found_on=dt.date(2024, 6, 1), deadline=dt.date(2024, 6, 10), now=T0)  # fmt: skip


# ---------------------------------------------------------------- finding 7: the loop's order


def test_reinspection_waits_for_the_units_answer(con):
    fid = _finding(con, _round(con, dt.date(2024, 6, 1), dt.date(2024, 6, 2)))
    with pytest.raises(InspectionError, match="提交整改后才能复查"):
        findings.reinspect(con, OFFICE, fid, True, "复查合格", now=T0)
    assert findings.get(con, fid)["status"] == "open"
    assert findings.events(con, fid)["to_status"].tolist() == ["open"]


def test_sending_back_needs_a_new_deadline_after_today_and_happens_once(con):
    fid = _finding(con, _round(con, dt.date(2024, 6, 1), dt.date(2024, 6, 2)))
    findings.answer_finding(con, OFFICE, fid, "已保洁", now=T0)
    with pytest.raises(InspectionError, match="新的整改期限"):
        findings.reinspect(con, OFFICE, fid, False, "仍有污垢", now=T0)
    for stale in (dt.date(2024, 5, 31), TODAY):  # the old deadline, and today itself, are no new deadline
        with pytest.raises(InspectionError, match="须晚于今天 2024-06-06"):
            findings.reinspect(con, OFFICE, fid, False, "仍有污垢", deadline=stale, now=T0)
    assert findings.get(con, fid)["status"] == "answered"
    findings.reinspect(con, OFFICE, fid, False, "仍有污垢", deadline=dt.date(2024, 6, 13), now=T0)
    assert findings.get(con, fid)["deadline"] == dt.date(2024, 6, 13)
    # the second press of the same button: refused, no second line in the history
    with pytest.raises(InspectionError, match="提交整改后才能复查"):
        findings.reinspect(con, OFFICE, fid, False, "仍有污垢", deadline=dt.date(2024, 6, 13), now=T0)
    assert findings.events(con, fid)["to_status"].tolist() == ["open", "answered", "open"]


# ---------------------------------------------------------------- finding 7: pass rates


def test_a_drawn_site_without_a_record_is_not_inspected(con):
    rid = _round(con, dt.date(2024, 6, 1), dt.date(2024, 6, 2))  # 向阳公厕 (9) and 站前公厕 (10)
    rates = verdict.pass_rates(con, rid).set_index("type")
    assert rates.loc["公共厕所", ["inspected", "passed", "unchecked"]].tolist() == [0, 0, 2]
    assert verdict.metric_rates(con, rid).empty  # nothing inspected: no figure
    _finding(con, rid, site=9, level="严重")
    rounds.record_check(con, OFFICE, rid, 10, checked_on=dt.date(2024, 6, 2), now=T0)  # 检查无问题
    rates = verdict.pass_rates(con, rid).set_index("type")
    assert rates.loc["公共厕所", ["inspected", "passed", "unchecked"]].tolist() == [2, 1, 0]
    with pytest.raises(InspectionError, match="不在检查轮次"):
        rounds.record_check(con, OFFICE, rid, 1, now=T0)  # a market is not in this round's draw


def test_a_round_in_progress_writes_no_figure(con):
    rid = _round(con, dt.date(2024, 6, 1), TODAY)  # its last day is today: still under way
    _finding(con, rid, site=9, level="严重")
    with pytest.raises(InspectionError, match="尚未结束"):
        verdict.write_rates(con, OFFICE, rid, now=T0)
    assert con.execute("SELECT count(*) FROM measurement").fetchone()[0] == 0
    # the import into a round under way records its findings but writes no rate either
    result = import_findings(con, OFFICE, "问题.csv", CSV.encode("gbk"), round_id=rid, now=T0)
    assert result.accepted > 0
    assert con.execute("SELECT count(*) FROM round_measurement").fetchone()[0] == 0
    sid, _ = verdict.write_rates(con, OFFICE, rid, now=T0 + dt.timedelta(days=1))  # the day after it ended
    assert sid is not None
