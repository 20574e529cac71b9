"""Getting around (issue 24, finding 11) in a real browser: 上一项/下一项 on the item page keep the as-of date and
the language; the demo's sign-in page names its accounts for the three roles and signs one in; on a phone
(390 × 844) the inspections page shows its tabs and the findings grid within the first screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN_PASSWORD,
    TIMEOUT_MS,
    navigate,
    resumed_page,
    screenshot,
    wait_for_app_run,
)
from tracker.demo import ACCOUNTS

pytestmark = pytest.mark.browser


def _step(page, name: str) -> None:
    page.get_by_role("button", name=name).first.click()
    wait_for_app_run(page)


def test_next_on_item_1_opens_item_2_and_the_last_has_no_next(open_page):
    page = open_page("/item?item=1&as_of=2025-12-31")
    expect(page.get_by_role("heading", name="第1项", exact=False).first).to_be_visible()
    expect(page.get_by_role("button", name="上一项")).to_have_count(0)  # the first item has no previous
    _step(page, "下一项")
    expect(page.get_by_role("heading", name="第2项", exact=False).first).to_be_visible()
    assert "item=2" in page.url and "as_of=2025-12-31" in page.url  # the as-of date travels with it
    expect(page.get_by_text("截至 2025年12月31日").first).to_be_visible()
    _step(page, "上一项")
    expect(page.get_by_role("heading", name="第1项", exact=False).first).to_be_visible()
    screenshot(page, "item_steps")
    navigate(page, "/item?item=45")
    expect(page.get_by_role("heading", name="第45项", exact=False).first).to_be_visible()
    expect(page.get_by_role("button", name="下一项")).to_have_count(0)  # the last item has no next
    expect(page.get_by_role("button", name="上一项").first).to_be_visible()


def test_the_steps_keep_the_language(open_page):
    page = open_page("/item?item=3")
    page.get_by_text("English").click()
    wait_for_app_run(page)
    _step(page, "Next")
    expect(page.get_by_role("heading", name="Item 4", exact=False).first).to_be_visible()
    page.get_by_text("中文").click()
    wait_for_app_run(page)


def test_the_demo_sign_in_names_its_accounts_and_signs_one_in(browser, app_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(app_server["url"] + "/")
    wait_for_app_run(page)
    for account in ACCOUNTS:
        expect(page.get_by_text(account.name).first).to_be_visible()
        expect(page.get_by_text(account.password).first).to_be_visible()
    screenshot(page, "login_demo_accounts")
    leader = next(a for a in ACCOUNTS if a.role == "leader")
    page.get_by_role("button", name="以领导（只读）身份进入").click()
    wait_for_app_run(page)
    expect(page.get_by_text(f"当前用户：{leader.name}")).to_be_visible()
    expect(page.get_by_role("heading", name="领导驾驶舱", exact=True)).to_be_visible()
    context.close()


def test_on_a_phone_the_tabs_and_the_findings_come_first(browser, app_server, sign_ins):
    phone = {"width": 390, "height": 844}
    context, page = resumed_page(
        browser, app_server, sign_ins, "admin", ADMIN_PASSWORD, phone, "/inspections"
    )
    expect(page.get_by_role("heading", name="检查与暗访")).to_be_visible()
    page.evaluate("document.querySelector('[data-testid=stMain]').scrollTo(0, 0)")
    tabs = page.get_by_role("tablist").first.bounding_box()
    grid = page.get_by_test_id("stDataFrame").first.bounding_box()
    screenshot(page, "inspections_phone")
    assert tabs["y"] + tabs["height"] <= 844, tabs
    assert grid["y"] < 844, grid  # the findings themselves begin on the first screen
