"""The rectification ledger: who may do what, closing rules, automatic tasks, overdue, and every change kept."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.scenario import add
from tracker import bootstrap
from tracker.access.auth import SYSTEM, Actor, PermissionDenied
from tracker.office import tasks
from tracker.office.tasks import TaskError

OFFICE = Actor("王主任", "admin")
CITY = Actor("城管上报员", "reporter", "城管执法局")
HOUSING = Actor("住建上报员", "reporter", "住建局")
LEADER = Actor("李市长", "leader")
T0 = dt.datetime(2024, 3, 15, 9, 0)


def seed(con) -> None:
    """Three failures and one metric met (tests/test_pg_tasks.py seeds PostgreSQL with them too)."""
    add(con, "10.3", "2023年", 76)  # not met: 76.0% < 80%, reported by 城管执法局
    add(con, "14.1", "2023年", 33)  # not met: 33.0% ≤ 35%, reported by 住建局
    add(con, "12.1", "2023年", 38)  # met
    add(con, "30.6", "2023年", 1)  # a school food-poisoning incident: not met (veto)


@pytest.fixture
def con():
    con = bootstrap.connect(":memory:")
    seed(con)
    yield con
    con.close()


def audit_actions(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]


def test_open_auto_tasks_for_new_failures_only(con):
    ids = tasks.open_auto_tasks(con, dt.date(2024, 3, 15), SYSTEM, days=30, now=T0)
    ledger = tasks.ledger(con, dt.date(2024, 3, 15)).set_index("metric")
    assert sorted(ledger.index) == ["10.3", "14.1", "30.6"] and len(ids) == 3
    row = ledger.loc["10.3"]
    assert row["owner_unit"] == "城管执法局"  # the unit responsible for the figure
    assert row["deadline"] == dt.date(2024, 4, 14) and row["status"] == "open" and bool(row["auto"])
    assert row["description"] == "整改未达标指标：2023年 道路机械化清扫率 76.0% < 80%（城管执法局）"
    assert ledger.loc["30.6", "owner_unit"] == "市场监督管理局"
    # run again: every failure already has an open task
    assert tasks.open_auto_tasks(con, dt.date(2024, 3, 15), SYSTEM, now=T0) == []
    assert con.execute("SELECT count(*) FROM task_event").fetchone()[0] == 3
    assert audit_actions(con) == ["task_open_auto"]


def test_auto_task_again_after_close(con):
    (first, *_) = tasks.open_auto_tasks(con, dt.date(2024, 3, 15), SYSTEM, now=T0)
    tasks.close_task(
        con, OFFICE, first, reason="列入2024年度计划，由市政府专题研究", today=dt.date(2024, 3, 20), now=T0
    )
    again = tasks.open_auto_tasks(con, dt.date(2024, 3, 20), SYSTEM, now=T0 + dt.timedelta(days=5))
    metrics = [tasks.get(con, i)["metric"] for i in again]
    assert metrics == ["10.3"]  # still failing, and its only task was closed


def test_unit_updates_its_own_tasks_only(con):
    task = tasks.open_task(con, OFFICE, "10.3", "增加机扫车辆", dt.date(2024, 5, 31), now=T0)
    tasks.update_task(con, CITY, task, "in_progress", "已采购两台洗扫车", now=T0 + dt.timedelta(days=1))
    assert tasks.get(con, task)["status"] == "in_progress"
    with pytest.raises(PermissionDenied, match="只能为「住建局」操作"):
        tasks.update_task(con, HOUSING, task, "awaiting_check", "x")
    with pytest.raises(PermissionDenied, match="领导账号只能查看"):
        tasks.update_task(con, LEADER, task, "awaiting_check", "x")
    with pytest.raises(TaskError, match="不可由此设置"):
        tasks.update_task(con, CITY, task, "closed", "自己销号")
    with pytest.raises(PermissionDenied):
        tasks.close_task(con, CITY, task, reason="自己销号")
    with pytest.raises(PermissionDenied):
        tasks.open_task(con, CITY, "10.3", "x", dt.date(2024, 5, 31))
    assert tasks.get(con, task)["status"] == "in_progress"


def test_closing_needs_met_metric_or_written_reason(con):
    task = tasks.open_task(con, OFFICE, "10.3", "增加机扫车辆", dt.date(2024, 5, 31), now=T0)
    with pytest.raises(TaskError, match="仍未达标.*76.0% < 80%"):
        tasks.close_task(con, OFFICE, task, today=dt.date(2024, 3, 20))
    # the unit's new figure meets the threshold: closing needs no reason, and says why
    add(con, "10.3", "2023年", 81, recorded_at="2024-03-18 10:00:00")
    tasks.close_task(con, OFFICE, task, today=dt.date(2024, 3, 20), now=T0 + dt.timedelta(days=5))
    closed = tasks.get(con, task)
    assert closed["status"] == "closed"
    assert (
        closed["close_reason"]
        == "截至2024-03-20指标已达标：2023年 道路机械化清扫率 81.0% ≥ 80%（城管执法局）"
    )
    with pytest.raises(TaskError, match="已销号"):
        tasks.close_task(con, OFFICE, task, reason="再次")


def test_close_with_reason_and_reopen(con):
    task = tasks.open_task(con, OFFICE, "14.1", "提高回收利用率", dt.date(2024, 5, 31), now=T0)
    tasks.close_task(
        con, OFFICE, task, reason="  统计口径调整，经领导小组同意销号  ", now=T0 + dt.timedelta(hours=1)
    )
    assert tasks.get(con, task)["close_reason"] == "统计口径调整，经领导小组同意销号"
    with pytest.raises(PermissionDenied):
        tasks.update_task(con, HOUSING, task, "open", "重新打开")  # only the office reopens
    tasks.update_task(con, OFFICE, task, "open", "复查发现反弹", now=T0 + dt.timedelta(hours=2))
    reopened = tasks.get(con, task)
    assert reopened["status"] == "open" and reopened["close_reason"] is None


def test_edit_keeps_the_change(con):
    task = tasks.open_task(con, OFFICE, "10.3", "增加机扫车辆", dt.date(2024, 5, 31), now=T0)
    tasks.edit_task(con, OFFICE, task, deadline=dt.date(2024, 6, 30), owner_unit="住建局", now=T0)
    t = tasks.get(con, task)
    assert (t["deadline"], t["owner_unit"]) == (dt.date(2024, 6, 30), "住建局")
    note = tasks.events(con, task)["note"].iloc[-1]
    assert note == "整改期限：2024-05-31 → 2024-06-30；责任单位：城管执法局 → 住建局"
    with pytest.raises(TaskError, match="没有变化"):
        tasks.edit_task(con, OFFICE, task, deadline=dt.date(2024, 6, 30))
    with pytest.raises(PermissionDenied):
        tasks.edit_task(con, HOUSING, task, deadline=dt.date(2024, 12, 31))


def test_every_change_in_events_and_audit(con):
    task = tasks.open_task(con, OFFICE, "10.3", "增加机扫车辆", dt.date(2024, 5, 31), now=T0)
    tasks.update_task(con, CITY, task, "in_progress", "采购中", now=T0 + dt.timedelta(days=1))
    tasks.update_task(con, CITY, task, "awaiting_check", "已整改，请验收", now=T0 + dt.timedelta(days=2))
    tasks.close_task(con, OFFICE, task, reason="现场验收合格", now=T0 + dt.timedelta(days=3))
    ev = tasks.events(con, task)
    assert list(zip(ev["from_status"].fillna("-"), ev["to_status"], strict=True)) == [
        ("-", "open"),
        ("open", "in_progress"),
        ("in_progress", "awaiting_check"),
        ("awaiting_check", "closed"),
    ]
    assert list(ev["actor"]) == ["王主任", "城管上报员", "城管上报员", "王主任"]
    assert audit_actions(con) == ["task_open", "task_update", "task_update", "task_close"]
    before, after = con.execute(
        "SELECT before_json, after_json FROM audit_log WHERE action = 'task_close'"
    ).fetchone()
    assert '"awaiting_check"' in before and '"closed"' in after


def test_overdue_and_status_as_of(con):
    """Overdue once the deadline has passed and the task is not closed; the ledger shows each task as it stood."""
    task = tasks.open_task(con, OFFICE, "10.3", "增加机扫车辆", dt.date(2024, 3, 31), now=T0)
    tasks.update_task(con, CITY, task, "in_progress", "采购中", now=dt.datetime(2024, 4, 10, 9))
    tasks.close_task(con, OFFICE, task, reason="现场验收合格", now=dt.datetime(2024, 4, 20, 9))
    on = {
        d: tasks.ledger(con, d).set_index("id").loc[task]
        for d in ("2024-03-31", "2024-04-05", "2024-04-15", "2024-04-25")
    }
    assert (on["2024-03-31"]["status"], bool(on["2024-03-31"]["overdue"])) == ("open", False)  # deadline day
    assert (on["2024-04-05"]["status"], on["2024-04-05"]["days_overdue"]) == ("open", 5)
    assert (on["2024-04-15"]["status"], on["2024-04-15"]["days_overdue"]) == ("in_progress", 15)
    assert (on["2024-04-25"]["status"], bool(on["2024-04-25"]["overdue"])) == ("closed", False)
    assert tasks.ledger(con, dt.date(2024, 3, 14)).empty  # not opened yet
    assert list(tasks.overdue(con, dt.date(2024, 4, 5))["id"]) == [task]


def test_a_unit_sees_its_own(con):
    tasks.open_task(con, OFFICE, "10.3", "增加机扫车辆", dt.date(2024, 5, 31), now=T0)
    tasks.open_task(con, OFFICE, "14.1", "提高回收利用率", dt.date(2024, 5, 31), now=T0)
    assert list(tasks.ledger(con, dt.date(2024, 4, 1), unit=tasks.visible_unit(HOUSING))["metric"]) == [
        "14.1"
    ]
    assert len(tasks.ledger(con, dt.date(2024, 4, 1), unit=tasks.visible_unit(LEADER))) == 2


def test_refusals(con):
    with pytest.raises(TaskError, match="未知指标"):
        tasks.open_task(con, OFFICE, "99.9", "x", dt.date(2024, 5, 31))
    with pytest.raises(TaskError, match="未知单位"):
        tasks.open_task(con, OFFICE, "10.3", "x", dt.date(2024, 5, 31), owner_unit="火星局")
    with pytest.raises(TaskError, match="整改内容"):
        tasks.open_task(con, OFFICE, "10.3", "  ", dt.date(2024, 5, 31))
    with pytest.raises(TaskError, match="没有编号"):
        tasks.update_task(con, OFFICE, 999, "in_progress", "x")
    assert con.execute("SELECT count(*) FROM task").fetchone()[0] == 0


def test_same_second_events_show_the_last_change(con, tmp_path, capsys):
    """Events in the same second (a task opened and moved on at once): the later event decides the status,
    in the ledger, in the history and in `python -m tracker tasks` (issue 13)."""
    from tracker.cli import main

    task = tasks.open_task(con, OFFICE, "10.3", "购置洗扫车", dt.date(2024, 4, 30), now=T0)
    tasks.update_task(con, CITY, task, "in_progress", "已采购", now=T0)
    tasks.update_task(con, CITY, task, "awaiting_check", "已到货", now=T0)
    tasks.update_task(con, CITY, task, "in_progress", "复检未过", now=T0)
    row = tasks.ledger(con, T0.date()).set_index("id").loc[task]
    assert (row["status"], row["last_note"]) == ("in_progress", "复检未过")
    assert list(tasks.events(con, task)["to_status"]) == [
        "open",
        "in_progress",
        "awaiting_check",
        "in_progress",
    ]
    path = tmp_path / "same.duckdb"
    con.execute(f"ATTACH '{path}' AS f")
    con.execute("COPY FROM DATABASE memory TO f")
    con.execute("DETACH f")
    assert main(["tasks", "--as-of", "2024-03-15", "--db", str(path)]) == 0
    assert "整改中" in capsys.readouterr().out
