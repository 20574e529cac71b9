"""「达标一项、验收一项」: accepting a met item, refusing one not met, withdrawing when it falls back."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.scenario import add
from tracker import bootstrap
from tracker.access.auth import Actor, PermissionDenied
from tracker.office import acceptance
from tracker.office.acceptance import AcceptanceError

OFFICE = Actor("王主任", "admin")
REPORTER = Actor("园林上报员", "reporter", "园林绿化服务中心")
LEADER = Actor("李市长", "leader")
ON = dt.date(2024, 3, 15)


def seed(con) -> None:
    """Item 12 met, item 10 not (tests/test_pg_acceptance.py seeds PostgreSQL with them too)."""
    # item 12 (城市绿化) met as of 2024-03-15: 12.1, 12.2 and the office's checklist 12.3
    add(con, "12.1", "2023年", 38.5, recorded_at="2024-01-10 09:00:00")
    add(con, "12.2", "2023年", 9.2, recorded_at="2024-01-10 09:00:00")
    add(con, "12.3", "2023年", 1, unit="创卫办", recorded_at="2024-01-10 09:00:00")
    add(con, "10.3", "2023年", 76)  # item 10 not met


@pytest.fixture
def con():
    con = bootstrap.connect(":memory:")
    seed(con)
    yield con
    con.close()


def test_accept_a_met_item(con):
    acceptance.accept(
        con, 12, OFFICE, ON, "2024年3月现场检查记录（扎创卫办〔2024〕5号）", now=dt.datetime(2024, 3, 15, 10)
    )
    row = acceptance.acceptance_table(con, ON).set_index("item").loc[12]
    assert bool(row["accepted"]) and not row["withdrawn"]
    assert (row["accepted_on"], row["accepted_by"]) == (ON, "王主任")
    assert row["evidence"] == "2024年3月现场检查记录（扎创卫办〔2024〕5号）"
    action, target, after = con.execute("SELECT action, target, after_json FROM audit_log").fetchone()
    assert (action, target) == ("accept", "item:12") and "现场检查记录" in after


def test_refuse_an_item_not_met(con):
    with pytest.raises(AcceptanceError, match="第10项.*未达标.*76.0% < 80%"):
        acceptance.accept(con, 10, OFFICE, ON, "检查记录")
    with pytest.raises(AcceptanceError, match="无数据"):
        acceptance.accept(con, 1, OFFICE, ON, "检查记录")
    assert con.execute("SELECT count(*) FROM acceptance").fetchone()[0] == 0


def test_refusals(con):
    with pytest.raises(AcceptanceError, match="验收依据"):
        acceptance.accept(con, 12, OFFICE, ON, "   ")
    with pytest.raises(PermissionDenied):
        acceptance.accept(con, 12, REPORTER, ON, "检查记录")
    with pytest.raises(PermissionDenied):
        acceptance.accept(con, 12, LEADER, ON, "检查记录")
    with pytest.raises(AcceptanceError, match="没有第46项"):
        acceptance.accept(con, 46, OFFICE, ON, "检查记录")
    # before 2023 ended, its figures did not count: item 12 had no data, not acceptable on that date
    with pytest.raises(AcceptanceError, match="截至2023-12-30为「无数据」"):
        acceptance.accept(con, 12, OFFICE, dt.date(2023, 12, 30), "检查记录")
    acceptance.accept(con, 12, OFFICE, ON, "检查记录")
    with pytest.raises(AcceptanceError, match="已于2024-03-15由王主任验收"):
        acceptance.accept(con, 12, OFFICE, ON, "又一次")


def test_withdrawn_when_the_item_falls_back(con):
    acceptance.accept(con, 12, OFFICE, ON, "检查记录", now=dt.datetime(2024, 3, 15, 10))
    # still met: nothing withdrawn
    assert acceptance.sync_acceptances(con, ON, now=dt.datetime(2024, 3, 16, 9)).empty
    # a corrected 2023 figure below 38%: item 12 falls back to not met
    add(con, "12.1", "2023年", 36.0, recorded_at="2024-04-02 09:00:00")
    later = dt.date(2024, 4, 3)
    withdrawn = acceptance.sync_acceptances(con, later, now=dt.datetime(2024, 4, 3, 9))
    assert list(withdrawn["item"]) == [12]
    reason = withdrawn["withdrawn_reason"].iloc[0]
    assert (
        reason
        == "截至2024-04-03回落为未达标，验收自动撤销：2023年 建成区绿化覆盖率 36.0% < 38%（园林绿化服务中心）"
    )
    row = acceptance.acceptance_table(con, later).set_index("item").loc[12]
    assert bool(row["withdrawn"]) and not row["accepted"] and row["withdrawn_reason"] == reason
    # on the day before the withdrawal the acceptance still stood
    assert bool(acceptance.acceptance_table(con, dt.date(2024, 4, 1)).set_index("item").loc[12, "accepted"])
    actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
    assert actions == ["accept", "acceptance_withdraw_auto"]
    # syncing again changes nothing; once met again, the office may accept anew
    assert acceptance.sync_acceptances(con, later).empty
    add(con, "12.1", "2023年", 39.0, recorded_at="2024-04-10 09:00:00")
    acceptance.accept(con, 12, OFFICE, dt.date(2024, 4, 11), "复查记录", now=dt.datetime(2024, 4, 11, 9))
    row = acceptance.acceptance_table(con, dt.date(2024, 4, 11)).set_index("item").loc[12]
    assert bool(row["accepted"]) and not row["withdrawn"]


def test_withdraw_by_hand(con):
    acceptance.accept(con, 12, OFFICE, ON, "检查记录", now=dt.datetime(2024, 3, 15, 10))
    with pytest.raises(AcceptanceError, match="撤销理由"):
        acceptance.withdraw(con, 12, OFFICE, "")
    acceptance.withdraw(con, 12, OFFICE, "暗访发现绿地管理不到位", now=dt.datetime(2024, 3, 20, 10))
    row = acceptance.acceptance_table(con, dt.date(2024, 3, 21)).set_index("item").loc[12]
    assert bool(row["withdrawn"]) and row["withdrawn_reason"] == "暗访发现绿地管理不到位"
    with pytest.raises(AcceptanceError, match="没有有效的验收"):
        acceptance.withdraw(con, 12, OFFICE, "再次")


def test_table_can_accept(con):
    table = acceptance.acceptance_table(con, ON).set_index("item")
    assert bool(table.loc[12, "can_accept"]) and not table.loc[10, "can_accept"]
    assert len(table) == 45
