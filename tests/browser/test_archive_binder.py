"""导出档案 as the 资料审核 binder in a real browser (issue 24, finding 3): the office records a finding, answers it
with a photo of the rectification and closes it at 复查 with another, exports the whole archive from 通报与国家表,
and finds both photos in the finding's item folder, and that item's row in 目录 with its files."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import navigate, screenshot, wait_for_app_run
from tracker.catalogue import catalogue

pytestmark = pytest.mark.browser

# A 1×1 PNG; the second carries a byte more, so the two photos are two files
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108020000009077"
    "53de0000000c4944415408d763f8ffff3f0005fe02fea7d6a4a10000000049454e44ae426082"
)
AFTER, REVIEW = PNG, PNG + b"\n"
WORDS = "档案测试：便池污垢未清理"


def _pick(page, label: str, text: str) -> None:
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).first
    box.locator("input").click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    wait_for_app_run(page)


def _form(page, button: str):
    return page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name=button))


def _photo(form, name: str, data: bytes) -> None:
    form.locator("input[type='file']").set_input_files(
        {"name": name, "mimeType": "image/png", "buffer": data}
    )
    expect(form.get_by_text(name)).to_be_visible()


def test_close_a_finding_with_a_photo_and_find_it_in_the_archive(open_page, tmp_path):
    page = open_page("/inspections")
    expect(page.get_by_role("heading", name="检查与暗访")).to_be_visible()
    page.get_by_role("tab", name="录入问题").click()
    _pick(page, "点位", "站前广场公厕")
    form = _form(page, "记录问题")
    form.get_by_label("问题描述").fill(WORDS)
    form.get_by_role("button", name="记录问题").click()
    wait_for_app_run(page)
    expect(page.get_by_text("并交办整改任务")).to_be_visible()

    page.get_by_role("tab", name="问题清单").click()
    _pick(page, "选择问题", "档案测试")
    item = int(re.search(r"第(\d+)项", page.get_by_text("站前广场公厕（").first.inner_text()).group(1))
    form = _form(page, "提交整改")
    form.get_by_label("整改情况说明").fill("已清洗便池并补充洗手液")
    _photo(form, "整改后照片.png", AFTER)
    form.get_by_role("button", name="提交整改").click()
    wait_for_app_run(page)
    expect(page.get_by_text("已提交整改，待创卫办复查")).to_be_visible()

    _pick(page, "选择问题", "档案测试")
    form = _form(page, "复查合格，销号")
    form.get_by_label("复查意见").fill("复查：干净整洁")
    _photo(form, "复查照片.png", REVIEW)
    form.get_by_role("button", name="复查合格，销号").click()
    wait_for_app_run(page)
    expect(page.get_by_text("已复查合格并销号")).to_be_visible()

    navigate(page, "/reports")
    downloads = []  # the export is a link to the app's own route: it may open a tab, which the download closes
    page.context.on("page", lambda tab: tab.on("download", lambda d: downloads.append(d)))
    page.on("download", lambda d: downloads.append(d))
    page.get_by_role("link", name="导出全部档案（zip）").click()
    for _ in range(1800):  # a tenth of a second apart
        if downloads:
            break
        page.wait_for_timeout(100)
    assert downloads, "the archive link downloaded nothing in 3 minutes"
    target = tmp_path / downloads[0].suggested_filename
    downloads[0].save_as(target)

    folder = f"第{item:02d}项 {catalogue().item(item).title}"
    with zipfile.ZipFile(target) as z:
        mine = {n.rsplit(" - ", 1)[-1]: n for n in z.namelist() if n.startswith(folder + "/")}
        assert z.read(mine["整改后照片.png"]) == AFTER and z.read(mine["复查照片.png"]) == REVIEW
        assert "检查问题#" in mine["复查照片.png"]
        book = load_workbook(io.BytesIO(z.read("目录.xlsx")))
    rows = list(book["目录"].iter_rows(values_only=True))
    assert len(rows) == 46 and rows[0][:3] == ("项目", "牵头单位", "材料数")
    row = next(r for r in rows[1:] if r[0] == folder)
    assert row[2] >= 2 and row[4] is None  # its files counted, not flagged 缺材料
    listed = [r[3] for r in book[f"第{item:02d}项"].iter_rows(min_row=3, values_only=True)]
    assert mine["整改后照片.png"] in listed and mine["复查照片.png"] in listed
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, "archive-binder-reports")


def test_a_task_update_takes_a_file_and_the_ledger_exports(open_page):
    """整改台账 (finding 4): an update with a PDF lists it under the task; the ledger downloads as .xlsx and .docx."""
    page = open_page("/tasks")
    expect(page.get_by_role("heading", name="整改台账")).to_be_visible()
    form = _form(page, "保存")
    form.get_by_label("进展说明").fill("整改报告见附件")
    form.locator("input[type='file']").set_input_files(
        {"name": "整改报告.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
    )
    expect(form.get_by_text("整改报告.pdf")).to_be_visible()
    form.get_by_role("button", name="保存").click()
    wait_for_app_run(page)
    expect(page.get_by_text("已保存。")).to_be_visible()
    expect(page.get_by_test_id("stMarkdown").filter(has_text="整改报告.pdf").first).to_be_visible()
    for label in ("台账 Excel", "台账 Word"):
        with page.expect_download() as got:
            page.get_by_role("button", name=label).click()
        assert got.value.suggested_filename.startswith("整改台账-")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, "tasks-update-with-file")
    navigate(page, "/acceptance")
    files = page.get_by_text("验收材料（检查记录、照片、PDF，可多选）")
    if not files.is_visible():  # the form opens by itself only when an item is ready
        page.get_by_text("验收一项").first.click()
    if page.get_by_text("目前没有可验收的项目").count() == 0:
        expect(files).to_be_visible()
    screenshot(page, "acceptance-with-files")
