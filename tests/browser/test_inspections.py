"""检查与暗访 in a real browser: the office records a finding with a photo on a phone-wide screen (390 px), and a
finding walks from the office to its unit and back to closed after 复查."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN_PASSWORD,
    REPORTER,
    navigate,
    resumed_page,
    screenshot,
    wait_for_app_run,
)

pytestmark = pytest.mark.browser

# A 1×1 PNG (what a phone's camera sends is a JPEG or PNG picked through the file picker)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108020000009077"
    "53de0000000c4944415408d763f8ffff3f0005fe02fea7d6a4a10000000049454e44ae426082"
)


def _page(browser, app_server, sign_ins, name: str, password: str, width: int = 1440):
    """Signed in as `name` (once per session: later from its cookie, tests.browser.conftest.resumed_page)."""
    viewport = {"width": width, "height": 900}
    context, page = resumed_page(browser, app_server, sign_ins, name, password, viewport, "/inspections")
    expect(page.get_by_role("heading", name="检查与暗访")).to_be_visible()
    return context, page


def _pick(page, label: str, text: str) -> None:
    """Choose an option of a select box by typing part of it, as one does on a phone."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).first
    box.locator("input").click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    wait_for_app_run(page)


def _record(page, site: str, description: str, tmp_path=None) -> None:
    page.get_by_role("tab", name="录入问题").click()
    _pick(page, "点位", site)
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="记录问题"))
    form.get_by_label("问题描述").fill(description)
    if tmp_path is not None:
        photo = tmp_path / "现场.png"
        photo.write_bytes(PNG)
        form.locator("input[type='file']").set_input_files(str(photo))
        expect(form.get_by_text("现场.png")).to_be_visible()
    form.get_by_role("button", name="记录问题").click()
    wait_for_app_run(page)
    expect(page.get_by_text("并交办整改任务")).to_be_visible()


def test_record_a_finding_with_a_photo_on_a_phone(browser, app_server, sign_ins, tmp_path):
    context, page = _page(browser, app_server, sign_ins, "admin", ADMIN_PASSWORD, width=390)
    try:
        screenshot(page, "inspections-phone")
        _record(page, "河西早市", "手机录入：地面污水横流", tmp_path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is wider than the phone ({width} px)"
        page.get_by_role("tab", name="问题清单").click()
        _pick(page, "选择问题", "手机录入")
        # the picked finding's own text (the grid's cells are drawn on a canvas; their DOM copies stay hidden)
        expect(page.get_by_test_id("stText").filter(has_text="地面污水横流").first).to_be_visible()
        expect(page.get_by_test_id("stImage")).to_have_count(1)  # the photo, attached to the finding
        expect(page.get_by_test_id("stException")).to_have_count(0)
        screenshot(page, "inspections-phone-recorded")
    finally:
        context.close()


def test_a_finding_walks_to_closed(browser, app_server, sign_ins):
    office_context, office = _page(browser, app_server, sign_ins, "admin", ADMIN_PASSWORD)
    name, password, _ = REPORTER
    unit_context, unit = _page(browser, app_server, sign_ins, name, password)
    try:
        _record(office, "站前广场公厕", "浏览器测试：地面积水未清理")
        screenshot(office, "inspections-desktop")

        navigate(unit, "/inspections")  # the unit sees it among its own findings, and answers
        expect(unit.get_by_text("本页显示「城管执法局」负责整改的问题")).to_be_visible()
        _pick(unit, "选择问题", "浏览器测试")
        form = unit.get_by_test_id("stForm").filter(has=unit.get_by_role("button", name="提交整改"))
        form.get_by_label("整改情况说明").fill("已安排保洁，地面已清理干净")
        form.get_by_role("button", name="提交整改").click()
        wait_for_app_run(unit)
        expect(unit.get_by_text("已提交整改，待创卫办复查")).to_be_visible()
        expect(unit.get_by_role("button", name="复查合格，销号")).to_have_count(0)  # the unit cannot close it

        navigate(office, "/inspections")  # the office re-inspects and closes
        _pick(office, "选择问题", "浏览器测试")
        expect(office.get_by_test_id("stMarkdown").filter(has_text="已整改待复查").first).to_be_visible()
        form = office.get_by_test_id("stForm").filter(has=office.get_by_role("button", name="复查合格，销号"))
        form.get_by_label("复查意见").fill("复查：地面干净，无积水")
        form.get_by_role("button", name="复查合格，销号").click()
        wait_for_app_run(office)
        expect(office.get_by_text("已复查合格并销号")).to_be_visible()
        _pick(office, "选择问题", "浏览器测试")
        expect(office.get_by_test_id("stMarkdown").filter(has_text="复查合格已销号").first).to_be_visible()
        expect(office.get_by_test_id("stException")).to_have_count(0)
    finally:
        unit_context.close()
        office_context.close()
