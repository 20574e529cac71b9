"""Accounts and permissions through the service layer: salted hashes, lockout, roles, the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker import db
from tracker.auth import SYSTEM, Actor, PermissionDenied, can, require
from tracker.users import (
    AccountError,
    authenticate,
    change_password,
    create_user,
    ensure_admin,
    list_users,
    reset_password,
    set_disabled,
)

PW = "correct horse 9"


@pytest.fixture
def con():
    connection = db.connect(":memory:")
    yield connection
    connection.close()


def test_hashes_are_salted_and_never_stored_or_logged_in_clear(con):
    create_user(con, SYSTEM, "甲", "leader", PW)
    create_user(con, SYSTEM, "乙", "leader", PW)
    (s1, h1), (s2, h2) = con.execute("SELECT salt, pw_hash FROM app_user ORDER BY id").fetchall()
    assert s1 != s2 and h1 != h2 and len(bytes(s1)) == 16
    dump = str(con.execute("SELECT * FROM audit_log").fetchall())
    assert PW not in dump and bytes(h1).hex() not in dump
    assert "pw_hash" not in list_users(con).columns and "salt" not in list_users(con).columns


def test_login_and_wrong_password(con):
    create_user(con, SYSTEM, "城管上报员", "reporter", PW, unit="市城市管理综合行政执法局")
    actor, must_change = authenticate(con, "城管上报员", PW)
    assert actor == Actor("城管上报员", "reporter", "城管执法局") and not must_change
    with pytest.raises(AccountError, match="账号或密码错误"):
        authenticate(con, "城管上报员", "wrong password")
    with pytest.raises(AccountError, match="账号或密码错误"):
        authenticate(con, "nobody", PW)
    actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
    assert actions == ["user_add", "login", "login_failed", "login_failed"]


def test_lockout_after_five_failures_then_unlocks(con):
    create_user(con, SYSTEM, "leader1", "leader", PW)
    t0 = dt.datetime(2026, 11, 28, 9, 0)
    for _ in range(5):
        with pytest.raises(AccountError, match="账号或密码错误"):
            authenticate(con, "leader1", "nope nope", now=t0)
    with pytest.raises(AccountError, match="锁定"):
        authenticate(con, "leader1", PW, now=t0 + dt.timedelta(minutes=14))  # even the right password
    actor, _ = authenticate(con, "leader1", PW, now=t0 + dt.timedelta(minutes=16))
    assert actor.role == "leader"


def test_four_failures_do_not_lock(con):
    create_user(con, SYSTEM, "leader1", "leader", PW)
    for _ in range(4):
        with pytest.raises(AccountError):
            authenticate(con, "leader1", "nope nope")
    assert authenticate(con, "leader1", PW)[0].name == "leader1"


def test_disabled_account_cannot_log_in(con):
    create_user(con, SYSTEM, "leader1", "leader", PW)
    set_disabled(con, SYSTEM, "leader1")
    with pytest.raises(AccountError, match="停用"):
        authenticate(con, "leader1", PW)


def test_first_admin_from_environment(con, monkeypatch):
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", "office-secret-1")
    assert ensure_admin(con) is None
    actor, must_change = authenticate(con, "admin", "office-secret-1")
    assert actor.role == "admin" and not must_change
    assert ensure_admin(con) is None  # only on first start


def test_first_admin_one_time_password_must_be_changed(con, monkeypatch):
    monkeypatch.delenv("TRACKER_ADMIN_PASSWORD", raising=False)
    one_time = ensure_admin(con)
    actor, must_change = authenticate(con, "admin", one_time)
    assert must_change
    change_password(con, actor, one_time, "a new long password")
    assert authenticate(con, "admin", "a new long password") == (actor, False)


def test_reset_forces_a_change(con):
    create_user(con, SYSTEM, "leader1", "leader", PW)
    reset_password(con, SYSTEM, "leader1", "temporary-123")
    assert authenticate(con, "leader1", "temporary-123")[1] is True


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": "reporter", "unit": None}, "上报员必须绑定一个已知单位"),
        ({"role": "reporter", "unit": "宣传局"}, "上报员必须绑定一个已知单位"),
        ({"role": "boss"}, "角色应为"),
        ({"role": "leader", "password": "short"}, "密码至少 8 位"),
    ],
)
def test_create_user_refusals(con, kwargs, message):
    args = {"password": PW, **kwargs}
    with pytest.raises(AccountError, match=message):
        create_user(con, SYSTEM, "x", args.pop("role"), args.pop("password"), **args)


def test_only_admins_manage_users(con):
    leader = create_user(con, SYSTEM, "leader1", "leader", PW)
    reporter = create_user(con, SYSTEM, "r1", "reporter", PW, unit="卫健委")
    for actor in (leader, reporter):
        with pytest.raises(PermissionDenied):
            create_user(con, actor, "x", "admin", PW)


@pytest.mark.parametrize(
    ("actor", "action", "unit", "allowed"),
    [
        (Actor("a", "admin"), "upload", "卫健委", True),
        (Actor("r", "reporter", "卫健委"), "upload", "卫健委", True),
        (Actor("r", "reporter", "卫健委"), "upload", "城管执法局", False),
        (Actor("r", "reporter", "卫健委"), "accept", None, False),
        (Actor("l", "leader"), "upload", "卫健委", False),
        (Actor("l", "leader"), "read", None, True),
        (Actor("l", "leader"), "task_update", "卫健委", False),
    ],
)
def test_permissions(actor, action, unit, allowed):
    assert can(actor, action, unit) is allowed


def test_refusal_messages_say_why():
    with pytest.raises(PermissionDenied, match="领导账号只能查看"):
        require(Actor("l", "leader"), "upload", "卫健委")
    with pytest.raises(PermissionDenied, match="只能为「卫健委」操作，不能为「城管执法局」操作"):
        require(Actor("r", "reporter", "卫健委"), "upload", "城管执法局")
