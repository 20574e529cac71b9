"""Every page in English in a real browser (issue 13): no Chinese left once the data values are taken out, with a
screenshot of each to look at; and in Chinese the upload widget's own English words replaced by ours."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import app_database, screenshot, wait_for_app_run
from tests.test_language_parity import CJK, _data_values

pytestmark = pytest.mark.browser

PATHS = [
    "/overview",
    "/item?item=30",
    "/item?item=1",
    "/unit?unit=教育局",
    "/phases",
    "/upload",
    "/submissions",
    "/late",
    "/tasks",
    "/acceptance",
    "/reports",
    "/users",
    "/audit",
    "/password",
]


@pytest.fixture(scope="module")
def data_pattern(app_server, tmp_path_factory):
    """The data values of the app's own database (the app holds the file itself)."""
    con = app_database(app_server, tmp_path_factory.mktemp("data"))
    values = _data_values(con)
    con.close()
    return re.compile("|".join(re.escape(v) for v in values))


def _english(page) -> None:
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    wait_for_app_run(page)
    expect(page.get_by_role("heading", name="Leaders' dashboard")).to_be_visible()


def test_every_page_in_english(open_page, data_pattern):
    page = open_page("/")
    _english(page)
    left: dict[str, list[str]] = {}
    for path in PATHS:
        page = open_page(path)
        name = "en-" + re.sub(r"\W+", "-", path.strip("/")).strip("-")
        screenshot(page, name)
        text = page.inner_text("[data-testid=stMain]") + "\n" + page.inner_text("[data-testid=stSidebar]")
        lines = {line.strip() for line in text.splitlines() if CJK.search(data_pattern.sub("", line))}
        if lines:
            left[path] = sorted(lines)[:10]
    assert left == {}


def test_upload_widget_speaks_chinese(open_page):
    page = open_page("/upload")
    zone = page.get_by_test_id("stFileUploaderDropzone")
    expect(zone).to_be_visible()
    after = page.evaluate(
        """() => [...document.querySelectorAll(
                 "[data-testid=stFileUploaderDropzone] span, [data-testid=stFileUploaderDropzone] small,"
                 + " [data-testid=stFileUploaderDropzone] button p")]
               .map(e => getComputedStyle(e, '::after').content).filter(c => c && c !== 'none')"""
    )
    assert '"选择文件"' in after and '"每个文件不超过 25 MB"' in after
    screenshot(page, "zh-upload-widget")
