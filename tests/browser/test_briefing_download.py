"""The office downloads the briefing for the end of 2023 in a real browser and reads it as a leader would; then
issues it under a 文号 and 期数 (印发并存档) and downloads the archived copy twice: the same bytes each time."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import docx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, wait_for_app_run
from tracker import bootstrap
from tracker.engine.evaluate import evaluate

pytestmark = pytest.mark.browser
AS_OF = dt.date(2023, 12, 31)


@pytest.fixture(scope="module")
def engine(app_demo):
    """The engine's evaluation of the demo the app loaded into its empty database, as of 2023-12-31."""
    con = bootstrap.connect(app_demo)
    ev = evaluate(con, AS_OF)
    con.close()
    return ev


def test_download_the_briefing(open_page, engine, tmp_path):
    page = open_page(f"/reports?as_of={AS_OF.isoformat()}")
    expect(page.get_by_text("关于创建国家卫生城市工作进展情况的通报（演示数据）")).to_be_visible()
    s = engine.summary
    expect(page.get_by_text(f"通报要点：达标 {s['met']}/{s['items']} 项")).to_be_visible()
    screenshot(page, "reports")
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="下载通报（Word）").click()
    download = info.value
    assert download.suggested_filename == "创卫工作进展通报-2023-12-31.docx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    document = docx.Document(io.BytesIO(target.read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "关于创建国家卫生城市工作进展情况的通报（演示数据）" in text
    assert f"截至2023年12月31日，45项指标中达标{s['met']}项，达标率{100 * s['readiness']:.1f}%" in text
    assert "一、总体进展" in text and "八、下一步工作" in text
    assert text.rstrip().endswith("2023年12月31日")
    assert len(document.tables) >= 7  # a table per category, and the ranking


def test_issue_and_download_the_archived_copy(open_page, tmp_path):
    page = open_page(f"/reports?as_of={AS_OF.isoformat()}")
    page.get_by_role("textbox", name="文号", exact=True).fill("扎创卫办〔2024〕1号")
    page.get_by_role("textbox", name="期数", exact=True).fill("4")
    page.get_by_role("textbox", name="期数", exact=True).press("Enter")
    wait_for_app_run(page)
    page.get_by_role("button", name="印发并存档").click()
    expect(page.get_by_text("已印发并存档：扎创卫办〔2024〕1号")).to_be_visible(timeout=120_000)
    wait_for_app_run(page)
    screenshot(page, "reports-issued")
    digests = []
    for _ in range(2):
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="下载存档（Word）").click()
        download = info.value
        assert download.suggested_filename == "创卫工作进展通报-2023-12-31-扎创卫办〔2024〕1号.docx"
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        digests.append(hashlib.sha256(target.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    expect(
        page.get_by_text(digests[0])
    ).to_be_attached()  # the archive table (a canvas grid) holds the stored sha256
    paragraphs = [p.text for p in docx.Document(io.BytesIO(target.read_bytes())).paragraphs if p.text]
    assert paragraphs[1:3] == ["第4期", "扎创卫办〔2024〕1号"]
    assert len(docx.Document(io.BytesIO(target.read_bytes())).inline_shapes) == 2  # both charts
