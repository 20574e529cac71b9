"""A start that fails (issue 25): a refused TRACKER_ADMIN_PASSWORD, a database file that is not a database. The page
says why in its own language, lists none of pages/' files in the sidebar and shows no traceback — also when a
deep link is the server's very first request, before any script run has built the navigation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, TIMEOUT_MS, serve, wait_for_app_run
from tracker.strings.ui import t

pytestmark = pytest.mark.browser

PAGE_FILES = [p.stem for p in (ROOT / "pages").glob("*.py")]


def _sidebar_and_main(page) -> str:
    return page.inner_text("[data-testid=stApp]")


def _check(browser, url: str, reason_zh: str, reason_en: str) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        for path in ("/upload", "/"):  # a deep link first: the server's first request
            page.goto(url + path)
            wait_for_app_run(page)
            text = _sidebar_and_main(page)
            assert "Traceback" not in text and "encountered an error" not in text, text
            assert page.get_by_test_id("stSidebarNav").count() == 0
            for name in PAGE_FILES:  # no menu entry made from a file name (upload, login, late …)
                assert page.locator(f"a[href$='/{name}']").count() == 0, name
            expect(page.get_by_text(reason_zh).first).to_be_visible()
            assert t("start_failed") in text
        page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
        wait_for_app_run(page)
        expect(page.get_by_text(reason_en).first).to_be_visible()
    finally:
        context.close()


def test_a_refused_admin_password_says_so(browser, tmp_path):
    with serve(tmp_path, TRACKER_DB=str(tmp_path / "new.duckdb"), TRACKER_ADMIN_PASSWORD="short") as url:
        _check(browser, url, "TRACKER_ADMIN_PASSWORD", "TRACKER_ADMIN_PASSWORD")
        _check(browser, url, "密码至少", "at least")


def test_a_file_that_is_no_database_says_so(browser, tmp_path):
    bad = tmp_path / "tracker.duckdb"
    bad.write_bytes(b"this is a spreadsheet, not a database\n" * 200)
    with serve(tmp_path, TRACKER_DB=str(bad), TRACKER_ADMIN_PASSWORD="browser-office-1") as url:
        _check(browser, url, "不是 DuckDB 数据库文件", "not a DuckDB database")
