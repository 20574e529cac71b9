"""The office downloads the briefing for the end of 2023 in a real browser and reads it as a leader would."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tracker import db
from tracker.engine.demo import load_demo
from tracker.engine.evaluate import evaluate

pytestmark = pytest.mark.browser
AS_OF = dt.date(2023, 12, 31)


@pytest.fixture(scope="module")
def engine(app_server, tmp_path_factory):
    """The engine's evaluation of the demo the app loaded into its empty database, as of 2023-12-31."""
    path = tmp_path_factory.mktemp("briefing") / "demo.duckdb"
    con = db.connect(path)
    load_demo(con, today=app_server["today"])
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
    assert "一、总体进展" in text and "七、下一步工作" in text
    assert text.rstrip().endswith("2023年12月31日")
    assert len(document.tables) >= 7  # a table per category, and the ranking
