"""Act where you look (issue 13), in a real browser: the office opens a task and verifies an answer from the item
page, produces a 督办通知 from the late board and opens it, types an as-of date and presses Enter; a reporter
signs in and lands on its unit's page. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import io

import docx
import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import REPORTER, screenshot, signed_in_page, wait_for_app_run

pytestmark = pytest.mark.browser


def no_exception(page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_enter_applies_a_typed_date(open_page):
    page = open_page("/")
    field = page.get_by_test_id("stSidebar").get_by_test_id("stDateInput")
    field.get_by_role("spinbutton", name="year, 截至日期").click()
    page.keyboard.type("20240315")  # year, month, day: the field moves on by itself
    page.keyboard.press("Enter")
    wait_for_app_run(page)
    expect(page.get_by_text("截至 2024年3月15日 的评估")).to_be_visible()
    assert "as_of=2024-03-15" in page.url


@pytest.mark.changes_shared_data
def test_office_opens_a_task_and_verifies_from_the_item_page(open_page):
    page = open_page("/item?item=10")
    metric = page.locator(".st-key-metric_10_3")
    expect(metric.get_by_role("link", name="城管执法局的报送记录")).to_be_visible()
    metric.get_by_role("button", name="立项").click()
    reason = page.get_by_label("整改事由")
    expect(reason).to_have_value(
        "2025年 道路机械化清扫率 76.0% < 80%（城管执法局）"
    )  # the evaluation's reason
    page.get_by_role("button", name="开立整改任务").click()
    wait_for_app_run(page)
    expect(page.get_by_text("已开立整改任务 #")).to_be_visible()
    expect(metric.get_by_text("已有未销号的整改任务：#")).to_be_visible()
    screenshot(page, "act-item-task-opened")
    no_exception(page)

    page = open_page("/item?item=2")
    metric = page.locator(".st-key-metric_2_2")
    metric.get_by_label("核实依据（现场检查记录、材料名称或文号）").fill("编办批复文件 扎编发〔2025〕3号")
    metric.get_by_role("button", name="核实").click()
    wait_for_app_run(page)
    expect(
        page.get_by_text("已核实：「2025年 爱卫会办公室设置合理、人员满足工作需要」的「是」（市委编办报送）")
    ).to_be_visible()
    expect(metric.get_by_text("达标").first).to_be_visible()
    screenshot(page, "act-item-verified")
    no_exception(page)


@pytest.mark.changes_shared_data
def test_office_produces_a_reminder_from_the_late_board(open_page, tmp_path):
    page = open_page("/late")
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="下载迟报督办表（Excel）").click()
    sheet = tmp_path / info.value.suggested_filename
    info.value.save_as(sheet)
    board = openpyxl.load_workbook(sheet)
    assert board.sheetnames == ["迟报单位", "逾期未报明细"] and board["迟报单位"]["A2"].value == "教育局"

    form = page.get_by_test_id("stForm")
    form.get_by_test_id("stSelectbox").locator("input").click()
    page.keyboard.type("教育局")
    page.keyboard.press("Enter")
    number = form.get_by_label("文号")
    number.fill("扎创卫办督〔2026〕12号")
    form.get_by_role("button", name="生成督办通知").click()
    wait_for_app_run(page)
    expect(page.get_by_text("已生成督办通知 扎创卫办督〔2026〕12号（教育局），已留档。")).to_be_visible()
    screenshot(page, "act-late-reminder")
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="下载督办通知（Word）").click()
    download = info.value
    assert download.suggested_filename == "督办通知-扎创卫办督〔2026〕12号-教育局.docx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    document = docx.Document(io.BytesIO(target.read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "扎创卫办督〔2026〕12号" in text and "教育局：" in text
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert rows[0] == ["序号", "责任单位", "指标", "期间", "报送截止日", "逾期天数"]
    assert len(rows) > 1 and {r[1] for r in rows[1:]} == {"教育局"} and all(int(r[5]) > 0 for r in rows[1:])
    no_exception(page)


def test_a_reporter_lands_on_its_unit_page(browser, app_server):
    name, password, unit = REPORTER
    context, page = signed_in_page(browser, app_server, name, password)
    expect(page.get_by_role("heading", name=unit, exact=True)).to_be_visible()
    for section in ("逾期", "整改任务", "督办通知", "最近被拒绝的行"):
        expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    assert "unit=" in page.url  # its own unit is the default page for a reporter
    screenshot(page, "act-reporter-lands")
    no_exception(page)
    context.close()
