"""Signing in through the app (AppTest): the login page, the menu per role, the guard on every page,
the forced password change, the idle timeout, and the audit page."""

from __future__ import annotations

import shutil
import time

import pytest
from streamlit.testing.v1 import AppTest

from app import navigation
from tracker import bootstrap
from tracker.access.auth import SYSTEM, Actor
from tracker.access.users import create_user
from tracker.config import ROOT
from tracker.strings.auth import ACCOUNT

PW = "office-secret-1"


@pytest.fixture(scope="module")
def accounts_db(demo_pristine, tmp_path_factory):
    """The session's demo (tests/conftest.py) with a reporter and two leaders, built once for the module: a copy,
    not a second load of the demo (which takes seconds)."""
    path = tmp_path_factory.mktemp("auth") / "accounts.duckdb"
    shutil.copyfile(demo_pristine, path)
    con = bootstrap.connect(path)
    create_user(con, SYSTEM, "城管上报员", "reporter", PW, unit="城管执法局")
    create_user(con, SYSTEM, "副市长", "leader", PW)
    create_user(con, SYSTEM, "新同事", "leader", PW, must_change=True)
    con.close()
    return path


@pytest.fixture
def app_db(accounts_db, tmp_path, monkeypatch):
    """A copy of its own of the demo with the accounts; the administrator is made on the app's first run (from
    TRACKER_ADMIN_PASSWORD), as on a deployment."""
    from app import webapp

    path = tmp_path / "auth.duckdb"
    shutil.copyfile(accounts_db, path)
    monkeypatch.setenv("TRACKER_DB", str(path))
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", PW)
    webapp._connection.clear()
    yield path
    webapp._connection.clear()


def dashboard() -> AppTest:
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)


def sign_in(name: str, password: str = PW) -> AppTest:
    at = dashboard().run()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def menu_urls(role: str | None) -> set[str]:
    return {p["url"] for p in navigation.PAGES if navigation.allowed(p, role)}


def test_without_a_login_only_the_login_page_shows(app_db):
    at = dashboard().run()
    assert not at.exception
    assert at.title[0].value == "登录创卫指标达标监测"
    assert menu_urls(None) == {"login"}


def signed_in(actor: Actor, **state) -> AppTest:
    """The dashboard's first run for a session already signed in (AppTest keeps the sidebar of a first run
    only: later runs execute the page alone, which is why every page guards itself too)."""
    at = dashboard()
    at.session_state["actor"] = actor
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def test_administrator_signs_in_with_the_environment_password(app_db):
    at = sign_in("admin")
    assert at.session_state["actor"] == Actor("admin", "admin")
    assert at.title[0].value == "领导驾驶舱"
    frame = signed_in(Actor("admin", "admin"))
    assert any("当前用户：admin（创卫办管理员）" in c.value for c in frame.sidebar.text)


def test_wrong_password_is_refused_on_screen(app_db):
    at = sign_in("admin", "not the password")
    assert [e.value for e in at.error] == [ACCOUNT["zh"]["login_failed"]]
    assert "actor" not in at.session_state


def test_menus_per_role():
    assert {"users", "audit", "upload", "acceptance"} <= menu_urls("admin")
    assert menu_urls("reporter") == {
        "overview",
        "item",
        "unit",
        "phases",
        "upload",
        "submissions",
        "tasks",
        "inspections",  # a unit answers its own findings (issue 14)
        "password",
    }
    assert "upload" not in menu_urls("leader") and "users" not in menu_urls("leader")
    assert "reports" in menu_urls("leader")


def test_reporter_uploads_only_for_its_unit(app_db):
    at = sign_in("城管上报员")
    at.switch_page("pages/upload.py").run()
    assert not at.exception
    assert any("报送单位：**城管执法局**" in m.value for m in at.markdown)
    assert not [s for s in at.selectbox if s.key == "upload_unit"]  # no unit to pick


@pytest.mark.parametrize(
    ("actor", "page", "message"),
    [
        (None, "users.py", "请先登录。"),
        (Actor("城管上报员", "reporter", "城管执法局"), "users.py", "您的账号（单位上报员）无权打开此页面。"),
        (Actor("副市长", "leader"), "upload.py", "您的账号（领导（只读））无权打开此页面。"),
    ],
)
def test_a_deep_link_is_guarded_too(app_db, actor, page, message):
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=60)
    if actor:
        at.session_state["actor"] = actor
    at.run()
    assert not at.exception
    assert message in [e.value for e in at.warning] + [e.value for e in at.error]
    assert not at.dataframe and not at.file_uploader


def test_one_time_password_must_be_changed_first(app_db):
    at = sign_in("新同事")
    assert at.title[0].value == "首次登录请修改密码"
    inputs = [t for t in at.text_input]
    inputs[0].input(PW)
    inputs[1].input("a brand new password")
    inputs[2].input("a brand new password")
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["must_change"] is False
    at.run()  # the run after the change leaves for the overview
    assert not at.exception and at.title[0].value == "领导驾驶舱"


def test_idle_session_is_signed_out(app_db):
    at = signed_in(Actor("副市长", "leader"), last_seen=time.monotonic() - 31 * 60)
    assert "actor" not in at.session_state
    assert at.title[0].value == "登录创卫指标达标监测"
    assert any("已自动退出" in w.value for w in at.warning)


def test_active_session_stays_signed_in(app_db):
    at = signed_in(Actor("副市长", "leader"), last_seen=time.monotonic() - 29 * 60)
    assert at.session_state["actor"] == Actor("副市长", "leader")
    assert at.title[0].value == "领导驾驶舱"


def test_audit_page_shows_the_logins(app_db):
    sign_in("admin", "wrong one")
    at = sign_in("admin")
    at.switch_page("pages/audit.py").run()
    assert not at.exception
    log = at.dataframe[0].value  # columns and actions in words (issue 13), not `action`, `login_failed`
    assert {"登录", "登录失败"} <= set(log["操作"])


def test_forced_change_under_a_padded_name_is_stored(app_db):
    from app import webapp
    from tracker.access.users import authenticate

    at = sign_in("新同事 ")
    assert at.title[0].value == "首次登录请修改密码"
    old, new, again = at.text_input
    old.input(PW)
    new.input("a brand new password")
    again.input("a brand new password")
    at.button[0].click().run()
    assert not at.exception
    con = webapp.cursor()
    assert authenticate(con, "新同事", "a brand new password")[1] is False
    changes = con.execute("SELECT actor FROM audit_log WHERE action = 'password_change'").fetchall()
    assert changes == [("新同事",)]


def test_a_disabled_accounts_open_session_is_signed_out_at_its_next_action(app_db):
    from app import webapp
    from tracker.access.users import set_disabled

    at = sign_in("城管上报员")
    at.switch_page("pages/upload.py").run()
    assert at.session_state["actor"].name == "城管上报员"
    set_disabled(webapp.cursor(), SYSTEM, "城管上报员")
    at.run()
    assert not at.exception
    assert "actor" not in at.session_state
    assert not at.file_uploader
    frame = dashboard()
    frame.session_state["actor"] = Actor("城管上报员", "reporter", "城管执法局")
    frame.run()
    assert "actor" not in frame.session_state
    assert any("停用" in w.value for w in frame.warning)


def test_names_render_as_plain_text(app_db):
    """An account from before the name rules, named like a Markdown link: shown as typed, never as a link."""
    from app import webapp

    name = "[x](javascript:alert(1))"
    webapp.cursor().execute(
        "INSERT INTO app_user (name, role, salt, pw_hash, created_at) VALUES (?, 'leader', '', '', now())",
        [name],
    )
    frame = signed_in(Actor(name, "leader"))
    assert not frame.exception
    assert any(f"当前用户：{name}" in t.value for t in frame.sidebar.text)
    assert not [m for m in frame.sidebar.markdown if "javascript" in m.value]


def test_a_one_time_password_confines_the_session_whatever_its_state_says(app_db):
    """must_change comes from the stored account on every run, not from what the session remembers."""
    at = signed_in(Actor("新同事", "leader"), must_change=False)
    assert not at.exception
    assert at.title[0].value == "首次登录请修改密码"
    assert at.session_state["must_change"] is True


def test_a_huge_name_on_the_login_page_is_refused_and_recorded_bounded(app_db):
    from app import webapp

    at = sign_in("名" * 5_000_000, "x")
    assert [e.value for e in at.error] == [ACCOUNT["zh"]["login_failed"]]
    ((actor, target),) = (
        webapp.cursor()
        .execute("SELECT actor, target FROM audit_log WHERE action = 'login_failed'")
        .fetchall()
    )
    assert len(actor) <= 80 and len(target) <= 80


def test_a_reporter_lands_on_its_own_unit(app_db):
    """A reporter's first page is its unit's (its missing figures, its tasks, its refused rows), not the city
    overview; the office still lands on the overview (issue 13)."""
    at = sign_in("城管上报员")
    assert at.title[0].value == "城管执法局"
    assert at.selectbox(key="unit_pick").value == "城管执法局"
    headers = [h.value for h in at.subheader]
    assert {"逾期", "整改任务", "最近被拒绝的行", "督办通知"} <= set(headers), headers
    assert sign_in("副市长").title[0].value == "领导驾驶舱"


def test_the_unit_page_opens_on_the_reporters_unit(app_db):
    """责任单位 opened from the menu (no ?unit=) shows the reporter's unit; another unit can still be picked."""
    at = signed_in(Actor("城管上报员", "reporter", "城管执法局"))
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/unit.py").run()
    assert not at.exception and at.title[0].value == "城管执法局"
    at.selectbox(key="unit_pick").set_value("住建局").run()
    assert at.title[0].value == "住建局"
