"""档案资料 in a real browser (issue 13): the office attaches a PDF to a measurement on the item page, finds it
beside the measurement, downloads it back, and downloads the item's archive zip, whose 目录.xlsx lists it."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, wait_for_app_run
from tracker.catalogue import catalogue

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
NAME = "2025年道路清扫检查记录.pdf"


def test_attach_a_pdf_and_download_the_archive(open_page, tmp_path):
    page = open_page("/item?item=10")
    form = page.locator("[data-testid='stForm']").filter(has_text="上传佐证材料")
    wait_for_app_run(page)
    picker = form.get_by_label("附加到")  # the selectbox: type to filter, pick the measurement of 10.3
    picker.click()
    picker.press_sequentially("10.3 道路")
    option = page.get_by_role("option", name=re.compile(r"^10\.3 道路机械化清扫率 · .*城管执法局"))
    option.click()
    form.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        {"name": NAME, "mimeType": "application/pdf", "buffer": PDF}
    )
    expect(form.get_by_text(NAME)).to_be_visible()
    form.get_by_label("说明（可选）").fill("城管执法局 2025 年度检查记录")
    form.get_by_role("button", name="上传并附加").click()
    wait_for_app_run(page)
    expect(page.get_by_text(f"已附加：「{NAME}」→ 10.3 道路机械化清扫率")).to_be_visible()

    metric = page.locator(".st-key-metric_10_3")
    metric.get_by_text("佐证与报送记录").click()
    expect(metric.get_by_text(NAME)).to_be_visible()
    screenshot(page, "item_evidence")
    # 下载 is a link to the app's own route (/api/evidence, behind the sign-in; never Streamlit's media store)
    downloads = []  # a link opens a tab, which the download closes
    page.context.on("page", lambda tab: tab.on("download", lambda d: downloads.append(d)))
    page.on("download", lambda d: downloads.append(d))
    metric.get_by_role("link", name="下载").first.click()
    for _ in range(600):  # a tenth of a second apart
        if downloads:
            break
        page.wait_for_timeout(100)
    assert downloads, "the evidence link downloaded nothing in a minute"
    assert downloads[0].suggested_filename == NAME
    pdf = tmp_path / NAME
    downloads.pop().save_as(pdf)
    assert pdf.read_bytes() == PDF

    # 导出档案 is a link to the app's own route (app/archive_route.py), which streams the zip from disk
    page.get_by_role("link", name="导出本项目档案（zip）").click()
    for _ in range(1200):  # a tenth of a second apart
        if downloads:
            break
        page.wait_for_timeout(100)
    assert downloads, "the archive link downloaded nothing in 2 minutes"
    download = downloads[0]
    assert re.fullmatch(r"创卫档案资料-第10项-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    folder = f"第10项 {catalogue().item(10).title}"
    with zipfile.ZipFile(target) as z:
        entry = next(n for n in z.namelist() if n.endswith(NAME))
        assert entry.startswith(f"{folder}/10.3 ") and "城管执法局" in entry
        assert z.read(entry) == PDF
        rows = list(load_workbook(io.BytesIO(z.read("目录.xlsx")))["文件清单"].iter_rows(values_only=True))
    assert rows[0][:8] == ("项目", "指标", "期间", "单位", "文件", "上传日期", "上传人", "核实情况")
    listed = next(r for r in rows[1:] if r[4] == entry)
    assert listed[0] == folder and listed[1].startswith("10.3 道路机械化清扫率")
    assert listed[3] == "城管执法局" and listed[6] == "admin" and listed[8] == "城管执法局 2025 年度检查记录"


def test_the_archive_route_needs_a_sign_in(browser, app_server):
    """Without the sign-in cookie the route answers 403 and builds nothing; an unknown item is 404."""
    context = browser.new_context()
    try:
        assert context.request.get(app_server["url"] + "/api/archive?item=10").status == 403
        assert context.request.get(app_server["url"] + "/api/archive").status == 403
        assert context.request.get(app_server["url"] + "/api/archive?item=46").status == 404
        assert context.request.get(app_server["url"] + "/api/archive?item=x").status == 404
        assert context.request.get(app_server["url"] + "/api/backup").status == 403
        assert context.request.get(app_server["url"] + "/api/evidence?link=1").status == 403
    finally:
        context.close()
