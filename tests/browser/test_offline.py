"""An office network may be offline (issue 22, finding 9): the pages load nothing from outside the app —
no icon, font or favicon from a public host (Streamlit 1.67 fetches a `:material/…:` page icon from
fonts.gstatic.com)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser.conftest import ADMIN_PASSWORD, TIMEOUT_MS, login, navigate, wait_for_app_run

pytestmark = pytest.mark.browser


def test_the_pages_request_nothing_from_another_host(browser, app_server):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.goto(app_server["url"] + "/")
    wait_for_app_run(page)
    login(page, "admin", ADMIN_PASSWORD)
    for path in ("/", "/item?item=10", "/upload"):
        navigate(page, path)
    page.wait_for_timeout(1000)  # the favicon is set after the run
    icon = page.evaluate("document.querySelector(\"link[rel='shortcut icon']\")?.href || ''")
    context.close()
    app = urlparse(app_server["url"]).netloc
    outside = {
        urlparse(url).netloc
        for url in [*requested, icon]
        if urlparse(url).scheme in ("http", "https", "ws", "wss") and urlparse(url).netloc != app
    }
    assert not outside, sorted(outside)
    assert requested, "no request was recorded"
