"""A unit reporter in a real browser: signs in, sees only what a reporter may, uploads for its own unit."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import navigate, screenshot, wait_for_app_run

pytestmark = pytest.mark.browser

# 城管执法局's own figure, and a row for another unit that the reporter may not send (refused).
ROWS = [
    "单位,指标,期间,数值,备注",
    "城管执法局,10.4 城市管理信息化覆盖率,2024年,93%,上报员浏览器测试",
    "卫健委,9.1 15岁以上人群吸烟率,2024年,18%,上报员浏览器测试",
]


def test_reporter_menu_and_own_upload(reporter_page, tmp_path):
    page = reporter_page
    nav = page.get_by_test_id("stSidebarNav")
    for allowed in ("总览", "上报数据", "报送记录", "整改台账"):
        expect(nav.get_by_text(allowed, exact=True)).to_be_visible()
    for hidden in ("账号管理", "审计日志", "逐项验收", "通报与国家表"):
        expect(nav.get_by_text(hidden, exact=True)).to_have_count(0)

    navigate(page, "/users")  # a deep link to an administrator's page shows nothing of it
    expect(page.get_by_text("账号管理")).to_have_count(0)

    navigate(page, "/upload")
    expect(page.get_by_text("报送单位：城管执法局")).to_be_visible()
    csv = tmp_path / "城管-2024.csv"
    csv.write_bytes(("\r\n".join(ROWS) + "\r\n").encode("gbk"))
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(csv))
    wait_for_app_run(page)
    expect(page.get_by_role("tab", name="可导入的行（1）")).to_be_visible()
    expect(page.get_by_role("tab", name="被拒绝的行（1）")).to_be_visible()  # the 卫健委 row
    screenshot(page, "reporter-upload-preview")
    page.get_by_role("button", name="确认导入").click()
    wait_for_app_run(page)
    expect(page.get_by_text("已导入 1 行")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, "reporter-upload-committed")
