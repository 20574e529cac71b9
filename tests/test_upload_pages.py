"""The upload and submissions pages, driven with streamlit.testing.v1.AppTest (file uploads included)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ingest_fixtures import FIXTURES, count, fixture_bytes
from tracker import bootstrap
from tracker.access.auth import Actor

ROOT = FIXTURES.parent.parent


@pytest.fixture
def page_db(tmp_path, monkeypatch):
    """A tracker database holding one unrelated figure (so the app loads no demo data) that the pages open."""
    from app import webapp
    from tracker.ingest import import_file

    path = tmp_path / "pages.duckdb"
    con = bootstrap.connect(path)
    import_file(con, "seed.csv", "单位,指标,期间,数值\n卫健委,45.1,2019,C\n".encode(), user="seed")
    con.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    webapp._connection.clear()
    yield path
    webapp._connection.clear()


OFFICE = Actor("admin", "admin")


def upload_page(actor: Actor = OFFICE) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "upload.py"), default_timeout=60)
    at.session_state["actor"] = actor
    return at


def test_upload_preview_then_commit(page_db):
    at = upload_page().run()
    assert not at.exception
    at.selectbox(key="upload_unit").set_value("城管执法局").run()
    at.file_uploader(key="upload_file").upload(
        "a.csv", fixture_bytes("gbk_title_fullwidth.csv"), "text/csv"
    ).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"可导入": "5", "有提醒": "1", "被拒绝": "11"}  # row 14: a co-responsible unit's figure
    refused = at.dataframe[2].value
    assert list(refused["行号"])[:2] == [5, 7] and "超出0–100%" in refused["原因"].iloc[1]
    at.button(key="upload_commit").click().run()
    assert not at.exception
    assert any("已导入 5 行" in s.value for s in at.success)
    from app import webapp

    con = webapp.cursor()
    assert count(con, "measurement") == 1 + 5 and count(con, "submission") == 2


def test_refused_rows_show_empty_cells_blank(page_db):
    # The refused tab drew a cell the clerk left empty (区域 on most rows) as a grey 「None」.
    at = upload_page().run()
    at.selectbox(key="upload_unit").set_value("城管执法局").run()
    at.file_uploader(key="upload_file").upload(
        "a.csv", fixture_bytes("gbk_title_fullwidth.csv"), "text/csv"
    ).run()
    refused = at.dataframe[2].value
    assert len(refused) == 11 and not refused.isna().any().any()


def test_upload_refuses_a_broken_file_with_its_message(page_db):
    at = upload_page().run()
    at.selectbox(key="upload_unit").set_value("卫健委").run()
    at.file_uploader(key="upload_file").upload("x.xlsx", fixture_bytes("encrypted.xlsx")).run()
    assert not at.exception
    assert any("打开密码" in e.value for e in at.error)
    assert not [
        b for b in at.button if b.key == "upload_commit"
    ]  # nothing to import: no 「确认导入」 (issue 13)


def test_any_file_type_reaches_the_service_and_is_refused_in_words(page_db):
    """No type= on the widget (its refusal would be English): a file of another type gets our message."""
    at = upload_page().run()
    assert at.file_uploader(key="upload_file").proto.type == []
    at.selectbox(key="upload_unit").set_value("卫健委").run()
    at.file_uploader(key="upload_file").upload("报表.pdf", b"%PDF-1.4\n\x00\x01\x02binary\xff\xfe").run()
    assert not at.exception
    assert any("CSV 或 Excel" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "upload_commit"]


def test_upload_with_an_alias_typed_in(page_db):
    at = upload_page().run()
    at.selectbox(key="upload_unit").set_value("市教育局").run()
    assert not at.exception and not at.error
    at.file_uploader(key="upload_file").upload("c.xlsx", fixture_bytes("merged_title.xlsx")).run()
    assert {m.label: m.value for m in at.metric} == {"可导入": "6", "有提醒": "1", "被拒绝": "3"}


def test_submissions_page_lists_and_offers_the_original(page_db):
    from app import webapp
    from tracker.ingest import import_file

    import_file(webapp.cursor(), "d.csv", fixture_bytes("office_collected.csv"), user="web")
    at = AppTest.from_file(str(ROOT / "pages" / "submissions.py"), default_timeout=60)
    at.session_state["actor"] = OFFICE
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["文件"]) == ["d.csv", "seed.csv"] and list(table["结果"]) == ["已导入", "已导入"]
    # d.csv names a unit on each row (the office's collected form): said so, in the table and the choice
    assert table["单位"].iloc[0] == "文件中各行的单位"
    assert at.selectbox(key="submission_pick").options[0].startswith("#2 d.csv（文件中各行的单位，")
    assert int(table["导入"].iloc[0]) == 6 and int(table["拒绝"].iloc[0]) == 5
    assert not at.dataframe[1].value.isna().any().any()  # an empty cell shows blank, not 「None」
    # the refused rows of the chosen submission, then its rows with warnings
    assert len(at.dataframe) == 3 and len(at.dataframe[2].value) == int(table["提醒"].iloc[0]) > 0


def test_warnings_beyond_the_first_rows_are_counted_and_kept(page_db, monkeypatch):
    """The page lists the first rows with warnings only (a form may warn on every one of a million rows) and says
    where all of them are; 报送记录 shows them after the import, with a download."""
    from tracker.ingest import preview

    monkeypatch.setattr(preview, "PREVIEW_ROWS", 0)
    at = upload_page().run()
    at.selectbox(key="upload_unit").set_value("城管执法局").run()
    at.file_uploader(key="upload_file").upload(
        "a.csv", fixture_bytes("gbk_title_fullwidth.csv"), "text/csv"
    ).run()
    assert {m.label: m.value for m in at.metric}["有提醒"] == "1"
    assert any("全部 1 行的提醒随报送保存" in c.value for c in at.caption)
    at.button(key="upload_commit").click().run()
    assert not at.exception

    monkeypatch.setattr(preview, "PREVIEW_ROWS", 1000)
    sub = AppTest.from_file(str(ROOT / "pages" / "submissions.py"), default_timeout=60)
    sub.session_state["actor"] = OFFICE
    sub.run()
    assert not sub.exception
    assert any(h.value == "报送记录 #2 有提醒的行（1）" for h in sub.subheader)
    warned = sub.dataframe[-1].value
    assert list(warned["行号"]) == [14] and "不是该指标的报送单位" in warned["提醒"].iloc[0]
    assert any(b.proto.label == "下载有提醒的行" for b in sub.get("download_button"))
