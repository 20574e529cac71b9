"""Signing in, in a real browser (issue 12): a padded name still counts towards the lockout; a reload, a new
tab and a bookmarked page keep the sign-in through the HttpOnly session cookie; a sign-out ends it; a
disabled account's open session is signed out at its next action."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN_PASSWORD,
    DISABLED,
    LOCKOUT,
    REPORTER,
    TIMEOUT_MS,
    login,
    navigate,
    signed_in_page,
    wait_for_app_run,
)
from tracker.access.web_sessions import COOKIE
from tracker.strings.auth import ACCOUNT

pytestmark = pytest.mark.browser


def new_page(browser, app_server, path: str = "/"):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(app_server["url"] + path)
    wait_for_app_run(page)
    return context, page


def try_login(page, name: str, password: str) -> None:
    page.get_by_label("账号").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    wait_for_app_run(page)


def session_cookie(context) -> dict | None:
    """The sign-in cookie once the page has fetched it (it is set by the app's route, after the sign-in)."""
    for _ in range(50):
        cookies = [c for c in context.cookies() if c["name"] == COOKIE]
        if cookies:
            return cookies[0]
        context.pages[0].wait_for_timeout(200)
    return None


def test_a_padded_name_locks_the_account(browser, app_server):
    name, password, _ = LOCKOUT
    context, page = new_page(browser, app_server)
    for _ in range(5):
        try_login(page, f"{name} ", "wrong password 1")
        expect(page.get_by_text(ACCOUNT["zh"]["login_failed"])).to_be_visible()
    try_login(page, name, password)  # the right password, the account locked under its one name
    expect(page.get_by_text(ACCOUNT["zh"]["login_failed"])).to_be_visible()
    expect(page.get_by_text("当前用户：")).to_have_count(0)
    context.close()


def test_a_reload_a_new_tab_and_a_bookmark_keep_the_sign_in(browser, app_server):
    name, password, _ = REPORTER
    context, page = signed_in_page(browser, app_server, name, password)
    cookie = session_cookie(context)
    assert cookie is not None, "the page did not fetch its session cookie"
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["value"] not in page.url and password not in cookie["value"]
    assert page.evaluate("document.cookie").find(COOKIE) == -1  # scripts cannot read it

    page.reload()  # F5
    wait_for_app_run(page)
    expect(page.get_by_text(f"当前用户：{name}")).to_be_visible()

    second = context.new_page()  # a second tab, straight to a bookmarked page
    second.goto(app_server["url"] + "/upload")
    wait_for_app_run(second)
    expect(second.get_by_text(f"当前用户：{name}")).to_be_visible()
    expect(second.get_by_text("报送单位：城管执法局")).to_be_visible()

    page.get_by_role("button", name="退出登录").click()  # sign out in the first tab …
    wait_for_app_run(page)
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.reload()
    wait_for_app_run(page)
    expect(page.get_by_text("当前用户：")).to_have_count(0)

    navigate(second, "/submissions")  # … and the second tab is signed out at its next action
    expect(second.get_by_text("当前用户：")).to_have_count(0)
    expect(second.get_by_text("已在其他窗口退出登录")).to_be_visible()
    context.close()


def test_a_disabled_accounts_open_session_is_signed_out_at_its_next_action(browser, app_server):
    name, password, _ = DISABLED
    reporter, page = signed_in_page(browser, app_server, name, password)
    assert session_cookie(reporter) is not None
    navigate(page, "/upload")
    expect(page.get_by_text("报送单位：城管执法局")).to_be_visible()

    office, admin = new_page(browser, app_server)
    login(admin, "admin", ADMIN_PASSWORD)
    navigate(admin, "/users")
    pick = admin.get_by_test_id("stSelectbox").filter(has_text="账号").last
    pick.locator("input").click()
    admin.keyboard.type(name)  # the list filters as one types
    admin.keyboard.press("Enter")
    wait_for_app_run(admin)
    expect(pick.get_by_role("combobox")).to_have_value(name)
    admin.get_by_role("button", name="切换停用状态").click()
    wait_for_app_run(admin)
    expect(admin.get_by_text(f"已更新账号「{name}」")).to_be_visible()

    navigate(page, "/tasks")  # the reporter's next action
    expect(page.get_by_text("当前用户：")).to_have_count(0)
    expect(page.get_by_text("账号已停用")).to_be_visible()
    expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
    page.reload()  # and its cookie opens nothing any more
    wait_for_app_run(page)
    expect(page.get_by_text("当前用户：")).to_have_count(0)
    office.close()
    reporter.close()
