"""A start that fails (issue 25), without a browser: dashboard.py shows the reason in the page's language and raises
nothing to Streamlit (tests/browser/test_failed_start.py checks the sidebar and a deep link in Chromium)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app import webapp
from tracker.config import ROOT


@pytest.fixture
def start(tmp_path, monkeypatch):
    def run(db_file, password="tests-office-secret-1", lang=None) -> AppTest:
        monkeypatch.setenv("TRACKER_DB", str(db_file))
        monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", password)
        webapp._connection.clear()
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        if lang:
            at.session_state["lang"] = lang
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    yield run
    webapp._connection.clear()


def test_a_refused_admin_password_is_named(start, tmp_path):
    at = start(tmp_path / "new.duckdb", password="short")
    assert [h.value for h in at.header] == ["应用未能启动"]
    assert at.error[0].value.startswith("TRACKER_ADMIN_PASSWORD 不符合密码规则：密码至少")
    at = start(tmp_path / "new.duckdb", password="short", lang="en")
    assert at.error[0].value.startswith("TRACKER_ADMIN_PASSWORD does not meet the password rules: A password")


def test_a_file_that_is_no_database_is_named(start, tmp_path):
    bad = tmp_path / "tracker.duckdb"
    bad.write_bytes(b"not a database\n" * 500)
    at = start(bad)
    assert "不是 DuckDB 数据库文件" in at.error[0].value
    assert (
        "no such" not in at.error[0].value and str(tmp_path) not in at.error[0].value
    )  # no path, no DuckDB words
    assert not at.text_input and not at.dataframe  # nothing of the login page or any other page


def test_a_folder_is_named(start, tmp_path):
    assert "无法读写" in start(tmp_path).error[0].value
