"""The pictures of docs/使用说明.md, taken from the demo as each role sees it, so that they stay true: each test
signs in with the demo's account for its role (tracker.demo.ACCOUNTS, through the sign-in page's buttons),
opens the screens the guide walks through and writes docs/img/*.png — 1280 px wide, the first screen only,
reduced to a palette (≤ 150 KB each, ≤ 10 in all). Nothing is saved: the reporter's upload stops at the preview."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, TIMEOUT_MS, layout_settled, navigate, wait_for_app_run
from tracker.demo import ACCOUNTS, LATE_UNIT

pytestmark = pytest.mark.browser

IMG = ROOT / "docs" / "img"
WIDTH, HEIGHT = 1280, 800
MAX_BYTES, MAX_PICTURES = 150_000, 10
ENTER = {
    "admin": "以创卫办管理员身份进入",
    "reporter": "以单位上报员身份进入",
    "leader": "以领导（只读）身份进入",
}
LANDS = {"admin": "领导驾驶舱", "reporter": LATE_UNIT, "leader": "领导驾驶舱"}


def _save(page, name: str) -> Path:
    """The window as it is, as a palette PNG (a screen of text needs few colours)."""
    from PIL import Image

    layout_settled(page)  # charts finish their layout
    shot = Image.open(io.BytesIO(page.screenshot()))
    IMG.mkdir(parents=True, exist_ok=True)
    path = IMG / f"{name}.png"
    shot.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    assert shot.width == WIDTH and path.stat().st_size <= MAX_BYTES, (path, path.stat().st_size)
    return path


def _as(browser, app_server, role: str):
    """A new window signed in with the demo's account for `role`, through the sign-in page's button."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(app_server["url"] + "/")
    wait_for_app_run(page)
    account = next(a for a in ACCOUNTS if a.role == role)
    page.get_by_role("button", name=ENTER[role]).click()
    wait_for_app_run(page)
    expect(page.get_by_text(f"当前用户：{account.name}")).to_be_visible()
    expect(page.get_by_role("heading", name=LANDS[role], exact=True)).to_be_visible()
    wait_for_app_run(page)
    return context, page


def _top(page) -> None:
    page.evaluate("document.querySelector('[data-testid=stMain]').scrollTo(0, 0)")


def _down_to(locator) -> None:
    """Scroll as little as shows the element whole at the window's foot (the page's top stays in view)."""
    locator.evaluate("e => e.scrollIntoView({block: 'end'})")
    locator.page.evaluate("document.querySelector('[data-testid=stMain]').scrollBy(0, 24)")


def test_sign_in_picture(browser, app_server):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN")
    page = context.new_page()
    page.goto(app_server["url"] + "/")
    wait_for_app_run(page)
    expect(page.get_by_text(ACCOUNTS[0].name).first).to_be_visible()
    _down_to(page.locator(".st-key-demo_accounts"))
    _save(page, "login")
    context.close()


def test_clerk_pictures(browser, app_server):
    context, page = _as(browser, app_server, "admin")
    navigate(page, "/late")
    expect(page.get_by_role("heading", name="迟报督办")).to_be_visible()
    _save(page, "clerk-late")
    navigate(page, "/item?item=27")  # 27.1's 「是」 of 2025 waits for the office's check
    expect(page.get_by_role("button", name="下一项").first).to_be_visible()
    _down_to(page.get_by_role("button", name="核实").first)
    _save(page, "clerk-item")
    navigate(page, "/tasks")
    expect(page.get_by_role("heading", name="整改台账")).to_be_visible()
    _save(page, "clerk-tasks")
    navigate(page, "/inspections")
    expect(page.get_by_role("tab", name="问题清单")).to_be_visible()
    _save(page, "clerk-inspections")
    navigate(page, "/reports")
    expect(page.get_by_role("heading", name="通报与国家表")).to_be_visible()
    _save(page, "clerk-reports")
    context.close()


def test_reporter_pictures(browser, app_server):
    context, page = _as(browser, app_server, "reporter")
    _top(page)
    _save(page, "reporter-unit")
    navigate(page, "/upload")
    sample = ROOT / "data" / "samples" / f"{LATE_UNIT}-2025年.xlsx"
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(sample))
    wait_for_app_run(page)
    expect(page.get_by_role("button", name="确认导入")).to_be_visible()  # the preview; not imported
    page.get_by_role("tab").first.scroll_into_view_if_needed()
    _save(page, "reporter-upload")
    context.close()


def test_leader_pictures(browser, app_server):
    context, page = _as(browser, app_server, "leader")
    _top(page)
    _save(page, "leader-overview")
    context.close()


def test_the_guide_shows_these_pictures_and_no_others():
    guide = (ROOT / "docs" / "使用说明.md").read_text(encoding="utf-8")
    pictures = sorted(p.name for p in IMG.glob("*.png"))
    assert 0 < len(pictures) <= MAX_PICTURES
    for name in pictures:
        assert f"img/{name}" in guide, name
        assert (IMG / name).stat().st_size <= MAX_BYTES, name
