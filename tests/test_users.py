"""Accounts and permissions through the service layer: salted hashes, lockout, roles, the audit trail."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest

from tracker import bootstrap
from tracker.access.auth import SYSTEM, Actor, PermissionDenied, can, require
from tracker.access.users import (
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
    connection = bootstrap.connect(":memory:")
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
        ({"role": "reporter", "unit": None}, "单位上报员须绑定所在单位"),
        ({"role": "reporter", "unit": "宣传局"}, "上报员必须绑定一个已知单位"),
        ({"role": "boss"}, "角色应为"),
        ({"role": "leader", "password": "short"}, "密码至少 10 位"),
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


# --- issue 12: sign-in and sessions -------------------------------------------------------------------------


def audit_rows(con, action=None):
    sql = "SELECT actor, action, target, detail FROM audit_log"
    return con.execute(
        sql + (" WHERE action = ?" if action else "") + " ORDER BY id", [action] if action else []
    ).fetchall()


def test_a_padded_name_counts_towards_the_lockout_of_the_account(con):
    create_user(con, SYSTEM, "cg_rep", "leader", PW)
    t0 = dt.datetime(2026, 11, 28, 9, 0)
    for _ in range(5):
        with pytest.raises(AccountError):
            authenticate(con, "cg_rep ", "nope nope", now=t0)
    with pytest.raises(AccountError):
        authenticate(
            con, "cg_rep\u3000", PW, now=t0 + dt.timedelta(minutes=1)
        )  # locked, whatever the spelling
    failures = audit_rows(con, "login_failed")
    assert {(actor, target) for actor, _, target, _ in failures} == {("cg_rep", "cg_rep")}


def test_names_are_canonical_everywhere(con):
    create_user(con, SYSTEM, " ｃｇ_rep ", "leader", PW)  # full-width letters and padding: NFKC, trimmed
    assert list_users(con)["name"].tolist() == ["cg_rep"]
    actor, _ = authenticate(con, "cg_rep\t", PW)
    assert actor.name == "cg_rep"
    with pytest.raises(AccountError, match="已存在"):
        create_user(con, SYSTEM, "cg_rep ", "leader", PW)


def test_forced_change_under_a_padded_name_really_changes_the_password(con, monkeypatch):
    monkeypatch.delenv("TRACKER_ADMIN_PASSWORD", raising=False)
    one_time = ensure_admin(con)
    actor, must_change = authenticate(con, "admin ", one_time)
    assert must_change and actor.name == "admin"
    change_password(con, actor, one_time, "a new long password")
    assert authenticate(con, "admin", "a new long password")[1] is False
    with pytest.raises(AccountError):
        authenticate(con, "admin", one_time)
    assert [a for a, _, t, _ in audit_rows(con, "password_change")] == ["admin"]


def test_a_padded_administrator_cannot_disable_itself(con, monkeypatch):
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", "office-secret-1")
    ensure_admin(con)
    actor, _ = authenticate(con, "admin ", "office-secret-1")
    with pytest.raises(AccountError, match="不能停用自己"):
        set_disabled(con, actor, "admin")
    with pytest.raises(AccountError, match="不能停用自己"):
        set_disabled(con, Actor("admin ", "admin"), "admin")


@pytest.mark.parametrize(
    "name",
    [
        "\u0430dmin",  # Cyrillic а with Latin dmin
        "cg\u200brep",  # zero-width space (Cf)
        "cg\u202erep",  # right-to-left override (Cf)
        "cg\x07rep",  # control
        "cg\nrep",
        "x" * 65,
        "x" * 100_000,
        "[x](javascript:alert(1))",
        '=HYPERLINK("http://evil","点我")',
        "<b>城管</b>",
        "**城管**",
        "城管\u0301",  # a combining mark
        "",
        "   ",
        "system",  # reserved for the command line and services
    ],
)
def test_names_refused_at_creation(con, name):
    with pytest.raises(AccountError):
        create_user(con, SYSTEM, name, "leader", PW)
    assert list_users(con).empty


@pytest.mark.parametrize(
    "name", ["城管张", "cg_rep", "zhang.san", "阿依古丽·买买提", "卫健委-02", "x" * 64, "王 五"]
)
def test_names_accepted_at_creation(con, name):
    assert create_user(con, SYSTEM, name, "leader", PW).name == name


def test_a_name_that_looks_like_another_account_is_refused(con):
    create_user(con, SYSTEM, "coe", "leader", PW)
    with pytest.raises(AccountError, match="相似"):
        create_user(con, SYSTEM, "\u0441\u043e\u0435", "leader", PW)  # Cyrillic с о е, one script
    with pytest.raises(AccountError, match="相似"):
        create_user(con, SYSTEM, "COE", "leader", PW)


FAILURE = "账号或密码错误"


def test_one_message_for_every_failure_whatever_the_password(con):
    create_user(con, SYSTEM, "gone", "leader", PW)
    create_user(con, SYSTEM, "locked", "leader", PW)
    set_disabled(con, SYSTEM, "gone")
    t0 = dt.datetime(2026, 11, 28, 9, 0)
    for _ in range(5):
        with pytest.raises(AccountError):
            authenticate(con, "locked", "nope nope", now=t0)
    messages = set()
    for name, password in [("nobody", PW), ("gone", PW), ("gone", "x"), ("locked", PW), ("locked", "x")]:
        with pytest.raises(AccountError) as exc:
            authenticate(con, name, password, now=t0)
        messages.add(str(exc.value))
    assert len(messages) == 1 and FAILURE in messages.pop()
    details = [d for _, _, _, d in audit_rows(con, "login_failed")][-5:]
    assert details == [
        "未知账号",
        "账号已停用",
        "账号已停用",
        "账号已锁定",
        "账号已锁定",
    ]  # the office still sees why


def test_every_failure_costs_one_hash(con, monkeypatch):
    from tracker.access import users

    create_user(con, SYSTEM, "gone", "leader", PW)
    create_user(con, SYSTEM, "leader1", "leader", PW)
    set_disabled(con, SYSTEM, "gone")
    calls = []
    real = users.hash_password
    monkeypatch.setattr(users, "hash_password", lambda pw, salt: calls.append(len(pw)) or real(pw, salt))
    for name, password in [("nobody", PW), ("gone", PW), ("leader1", "wrong one"), ("leader1", "y" * 10**6)]:
        with pytest.raises(AccountError):
            authenticate(con, name, password)
    assert len(calls) == 4 and max(calls) <= 256  # never a hash of the million characters


def test_what_a_failed_login_records_is_bounded(con):
    huge = "名" * 5_000_000
    with pytest.raises(AccountError):
        authenticate(con, huge, PW)
    ((actor, _, target, _),) = audit_rows(con, "login_failed")
    assert len(actor) <= 80 and len(target) <= 80


@pytest.mark.parametrize(
    "password",
    [
        "12345678",
        " " * 8,
        " " * 12,
        "1234567890",
        "password123",
        "qwertyuiop",
        "cg_rep-2024!",
        "aaaaaaaaaaaa",
        "x" * 257,
    ],
)
def test_password_policy(con, password):
    with pytest.raises(AccountError):
        create_user(con, SYSTEM, "cg_rep", "leader", password)
    create_user(con, SYSTEM, "cg_rep", "leader", PW)
    with pytest.raises(AccountError):
        reset_password(con, SYSTEM, "cg_rep", password)
    actor, _ = authenticate(con, "cg_rep", PW)
    with pytest.raises(AccountError):
        change_password(con, actor, PW, password)


def test_a_huge_password_is_refused_before_hashing(con, monkeypatch):
    from tracker.access import users

    monkeypatch.setattr(users, "hash_password", lambda *a: pytest.fail("hashed"))
    with pytest.raises(AccountError, match="256"):
        create_user(con, SYSTEM, "cg_rep", "leader", "x" * 100_000_000)


CSV_ROW = "单位,指标,期间,数值\r\n城管执法局,10.4 城市管理信息化覆盖率,2024年,93%\r\n".encode("gbk")


def test_a_disabled_accounts_session_uploads_nothing(con):
    from tracker.access.users import SessionEnded
    from tracker.ingest.uploads import upload

    create_user(con, SYSTEM, "cg_rep", "reporter", PW, unit="城管执法局")
    actor, _ = authenticate(con, "cg_rep", PW)  # the session's actor, signed in before the disable
    set_disabled(con, SYSTEM, "cg_rep")
    with pytest.raises(SessionEnded, match="停用"):
        upload(con, actor, "a.csv", CSV_ROW)
    actions = [a for _, a, _, _ in audit_rows(con)]
    assert actions[-2:] == ["user_disable", "upload_refused"] and "upload" not in actions
    assert con.execute("SELECT count(*) FROM measurement").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda con: set_disabled(con, SYSTEM, "cg_rep"), "停用"),
        (lambda con: reset_password(con, SYSTEM, "cg_rep", "another secret 7"), "重置"),
        (lambda con: con.execute("UPDATE app_user SET unit = '卫健委' WHERE name = 'cg_rep'"), "单位"),
        (
            lambda con: con.execute("UPDATE app_user SET role = 'leader', unit = NULL WHERE name = 'cg_rep'"),
            "角色",
        ),
        (lambda con: con.execute("DELETE FROM app_user WHERE name = 'cg_rep'"), "不存在"),
    ],
)
def test_current_actor_refuses_a_session_whose_account_changed(con, change, message):
    from tracker.access.users import SessionEnded, current_actor
    from tracker.office.tasks import update_task

    create_user(con, SYSTEM, "cg_rep", "reporter", PW, unit="城管执法局")
    actor, _ = authenticate(con, "cg_rep", PW)
    assert current_actor(con, actor) == actor
    change(con)
    with pytest.raises(SessionEnded, match=message):
        current_actor(con, actor)
    with pytest.raises(SessionEnded):
        update_task(con, actor, 1, "in_progress", "x")  # the services ask the same question


def test_a_one_time_password_allows_nothing_but_the_change(con):
    from tracker.access.users import PasswordChangeRequired
    from tracker.ingest.uploads import upload

    create_user(con, SYSTEM, "cg_rep", "reporter", PW, unit="城管执法局", must_change=True)
    actor, must_change = authenticate(con, "cg_rep", PW)
    assert must_change
    with pytest.raises(PasswordChangeRequired):
        upload(con, actor, "a.csv", CSV_ROW)
    actor = change_password(con, actor, PW, "a new long password")
    assert upload(con, actor, "a.csv", CSV_ROW).accepted == 1


def test_changing_the_password_keeps_this_session_and_ends_older_ones(con):
    from tracker.access.users import SessionEnded, current_actor

    create_user(con, SYSTEM, "cg_rep", "leader", PW)
    here, _ = authenticate(con, "cg_rep", PW)
    elsewhere, _ = authenticate(con, "cg_rep", PW)
    here = change_password(con, here, PW, "a new long password")
    assert current_actor(con, here).name == "cg_rep"
    with pytest.raises(SessionEnded):
        current_actor(con, elsewhere)


def test_actors_made_in_code_pass(con):
    from tracker.access.users import current_actor

    assert current_actor(con, SYSTEM) is SYSTEM
    assert current_actor(con, Actor("cli", "admin")).name == "cli"


# --- sign-in sessions that survive a reload (tracker.access.web_sessions) ------------------------------------------


def signed_in_session(con, name="cg_rep", now=None):
    from tracker.access import web_sessions

    if not con.execute("SELECT count(*) FROM app_user WHERE name = ?", [name]).fetchone()[0]:
        create_user(con, SYSTEM, name, "reporter", PW, unit="城管执法局")
    actor, _ = authenticate(con, name, PW)
    sid, code = web_sessions.start(con, actor, now=now)
    token, max_age = web_sessions.exchange(con, code, now=now)
    return actor, sid, code, token, max_age


def test_a_token_resumes_the_session_and_is_stored_only_as_a_digest(con):
    from tracker.access import web_sessions

    actor, sid, code, token, max_age = signed_in_session(con)
    assert 12 * 3600 - 5 <= max_age <= 12 * 3600
    assert web_sessions.exchange(con, code) is None  # a handoff code works once
    resumed_sid, account = web_sessions.resume(con, token)
    assert resumed_sid == sid and account.actor == actor and not account.must_change
    dump = str(con.execute("SELECT * FROM web_session").fetchall())
    assert token not in dump and code not in dump
    assert web_sessions.resume(con, token + "x") is None and web_sessions.resume(con, "x" * 10**6) is None


@pytest.mark.parametrize(
    "end",
    [
        lambda con, sid: importlib.import_module("tracker.access.web_sessions").end(con, sid, "logout"),
        lambda con, sid: set_disabled(con, SYSTEM, "cg_rep"),
        lambda con, sid: reset_password(con, SYSTEM, "cg_rep", "another secret 7"),
        lambda con, sid: con.execute("UPDATE app_user SET unit = '卫健委' WHERE name = 'cg_rep'"),
    ],
)
def test_the_server_can_end_a_session(con, end):
    from tracker.access import web_sessions

    _, sid, _, token, _ = signed_in_session(con)
    end(con, sid)
    assert web_sessions.resume(con, token) is None
    assert web_sessions.touch(con, sid) is not None


def test_a_password_change_ends_the_accounts_sessions(con):
    from tracker.access import web_sessions

    actor, sid, _, token, _ = signed_in_session(con)
    change_password(con, actor, PW, "a new long password")
    assert web_sessions.resume(con, token) is None and web_sessions.touch(con, sid) == "password_change"


def test_idle_and_expired_sessions_do_not_resume(con):
    from tracker.access import web_sessions

    t0 = dt.datetime(2026, 11, 28, 9, 0)
    _, sid, _, token, _ = signed_in_session(con, now=t0)
    assert web_sessions.resume(con, token, now=t0 + dt.timedelta(minutes=29))  # activity moves the idle limit
    assert web_sessions.resume(con, token, now=t0 + dt.timedelta(minutes=58))
    assert web_sessions.resume(con, token, now=t0 + dt.timedelta(minutes=89)) is None  # 31 minutes idle
    _, sid, _, token, _ = signed_in_session(con, now=t0)
    for minutes in range(20, 12 * 60, 20):  # active all day: still ends after session_hours
        assert web_sessions.touch(con, sid, now=t0 + dt.timedelta(minutes=minutes)) is None
    assert web_sessions.resume(con, token, now=t0 + dt.timedelta(hours=12, minutes=1)) is None


def test_a_handoff_code_expires(con):
    from tracker.access import web_sessions

    t0 = dt.datetime(2026, 11, 28, 9, 0)
    create_user(con, SYSTEM, "cg_rep", "leader", PW)
    actor, _ = authenticate(con, "cg_rep", PW)
    sid, code = web_sessions.start(con, actor, now=t0)
    assert web_sessions.handoff_pending(con, sid, now=t0)
    assert web_sessions.exchange(con, code, now=t0 + dt.timedelta(minutes=3)) is None
    assert not web_sessions.handoff_pending(con, sid, now=t0 + dt.timedelta(minutes=3))


def test_a_weak_administrator_password_from_the_environment_is_named(con, monkeypatch):
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", "admin-password-1")
    with pytest.raises(AccountError, match="TRACKER_ADMIN_PASSWORD 不符合密码规则：密码不能包含账号名"):
        ensure_admin(con)
