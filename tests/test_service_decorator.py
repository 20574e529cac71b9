"""The contract of tracker.access.service.service, the one set-up every service shares: the acting user
re-checked against the stored account, the permission, one transaction around the body, the audit entry and
the log line — shown on a service of the test's own over a table of its own."""

from __future__ import annotations

import datetime as dt
import inspect
import logging

import pytest

from tracker import bootstrap, db
from tracker.access import audit
from tracker.access.auth import SYSTEM, Actor, PermissionDenied
from tracker.access.service import service
from tracker.access.users import PasswordChangeRequired, SessionEnded, create_user, get_actor, set_disabled
from tracker.office import tasks

PW = "correct horse 9"


@service("toy_write", "task_manage")
def toy_write(con, actor: Actor, value: int, fail: bool = False) -> str:
    """Writes one row and its audit entry, then raises when told to."""
    con.execute("INSERT INTO toy VALUES (?, ?)", [value, actor.name])
    audit.record(con, actor.name, "toy_write", f"toy:{value}", None, {"value": value})
    if fail:
        raise ValueError("写入失败")
    return actor.name


def _toy_target(con, arguments: dict) -> str:
    return f"toy:{arguments['value']}"


@service("toy_guarded", "task_manage", refused=("toy_refused", _toy_target))
def toy_guarded(con, value: int, actor: Actor) -> None:
    con.execute("INSERT INTO toy VALUES (?, ?)", [value, actor.name])
    audit.record(con, actor.name, "toy_write", f"toy:{value}")


@pytest.fixture
def con():
    connection = bootstrap.connect(":memory:")
    connection.execute("CREATE TABLE toy (value INTEGER, actor VARCHAR)")
    create_user(connection, SYSTEM, "办公室", "admin", PW)
    create_user(connection, SYSTEM, "领导", "leader", PW)
    create_user(connection, SYSTEM, "住建上报员", "reporter", PW, unit="住建局")
    yield connection
    connection.close()


def _rows(con) -> int:
    return con.execute("SELECT count(*) FROM toy").fetchone()[0]


def _entries(con, action: str = "toy_write") -> list[tuple]:
    return con.execute(
        "SELECT actor, target, detail FROM audit_log WHERE action = ? ORDER BY id", [action]
    ).fetchall()


def test_success_writes_the_row_and_exactly_one_audit_entry(con):
    before = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert toy_write(con, get_actor(con, "办公室"), 1) == "办公室"
    assert _rows(con) == 1
    assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before + 1
    assert _entries(con) == [("办公室", "toy:1", None)]
    assert audit.verify(con).ok


def test_a_raising_body_writes_no_row_and_no_audit_entry(con):
    before = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(ValueError, match="写入失败"):
        toy_write(con, get_actor(con, "办公室"), 2, fail=True)
    assert _rows(con) == 0
    assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before
    assert not db.in_transaction()
    assert audit.verify(con).ok
    toy_write(con, get_actor(con, "办公室"), 3)  # the connection is usable after the rollback
    assert _rows(con) == 1


def test_a_disabled_actor_is_refused_before_the_body(con):
    session = get_actor(con, "领导")
    office = get_actor(con, "办公室")
    create_user(con, office, "副主任", "admin", PW)
    deputy = get_actor(con, "副主任")
    set_disabled(con, office, "副主任")
    with pytest.raises(SessionEnded, match="账号已停用"):
        toy_write(con, deputy, 4)
    assert _rows(con) == 0 and _entries(con) == []
    assert session.name == "领导"


def test_a_removed_actor_is_refused(con):
    office = get_actor(con, "办公室")
    con.execute("DELETE FROM app_user WHERE name = '办公室'")
    with pytest.raises(SessionEnded, match="账号已不存在"):
        toy_write(con, office, 5)
    assert _rows(con) == 0 and _entries(con) == []


def test_a_changed_role_and_a_pending_password_are_refused(con):
    office = get_actor(con, "办公室")
    con.execute("UPDATE app_user SET role = 'leader' WHERE name = '办公室'")
    with pytest.raises(SessionEnded):
        toy_write(con, office, 6)
    create_user(con, SYSTEM, "新管理员", "admin", PW, must_change=True)
    with pytest.raises(PasswordChangeRequired, match="请先修改临时密码"):
        toy_write(con, get_actor(con, "新管理员"), 7)
    assert _rows(con) == 0


@pytest.mark.parametrize(
    ("name", "message"),
    [("领导", "领导账号只能查看，不能修改数据"), ("住建上报员", "只有创卫办管理员可以进行此操作")],
)
def test_a_missing_permission_is_refused_in_chinese(con, name, message):
    with pytest.raises(PermissionDenied, match=message):
        toy_write(con, get_actor(con, name), 8)
    assert _rows(con) == 0 and _entries(con) == []


def test_a_refusal_the_service_audits_stays_in_the_log(con):
    with pytest.raises(PermissionDenied, match="领导账号只能查看"):
        toy_guarded(con, 9, get_actor(con, "领导"))
    assert _entries(con, "toy_refused") == [("领导", "toy:9", "领导账号只能查看，不能修改数据")]
    assert _rows(con) == 0 and _entries(con) == []


def test_the_body_acts_as_the_stored_account(con):
    # An actor made in code with no account behind it passes as it is (the command line's `system`).
    assert toy_write(con, SYSTEM, 10) == "system"
    assert con.execute("SELECT actor FROM toy").fetchall() == [("system",)]


def test_a_permission_hook_reads_the_unit_from_the_stored_row(con):
    office = get_actor(con, "办公室")
    task_id = tasks.open_task(con, office, "1.1", "补齐材料", dt.date(2026, 12, 31))
    owner = tasks.get(con, task_id)["owner_unit"]
    create_user(con, SYSTEM, "他单位上报员", "reporter", PW, unit="教育局" if owner != "教育局" else "住建局")
    with pytest.raises(PermissionDenied, match="只能"):
        tasks.update_task(con, get_actor(con, "他单位上报员"), task_id, "in_progress", "开始整改")
    assert tasks.get(con, task_id)["status"] == "open"


def test_the_signature_and_the_log_line_are_kept(con, caplog):
    assert list(inspect.signature(toy_write).parameters) == ["con", "actor", "value", "fail"]
    assert toy_write.__doc__.startswith("Writes one row")
    logger = logging.getLogger("tracker.service")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="tracker.service"):
            toy_write(con, get_actor(con, "办公室"), 11)
            with pytest.raises(PermissionDenied):
                toy_write(con, get_actor(con, "领导"), 12)
    finally:
        logger.removeHandler(caplog.handler)
    lines = [r.getMessage() for r in caplog.records if r.name == "tracker.service"]
    assert any("actor=办公室 action=toy_write" in line and "outcome=ok" in line for line in lines)
    assert any(
        "actor=领导 action=toy_write" in line and "outcome=error PermissionDenied" in line for line in lines
    )
