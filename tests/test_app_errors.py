"""An unexpected error on a page shows a short message with an error id, never a traceback; the log has the
traceback under that id."""

from __future__ import annotations

import logging

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tracker.access.auth import Actor


def test_a_page_error_shows_an_id_that_the_log_holds(app_env, monkeypatch, caplog):
    from app import cached

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(cached, "ranking", broken)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.session_state["actor"] = Actor("admin", "admin")
    # The tracker logger does not propagate once the app has set it up (tracker.logs.setup): listen on it.
    tracker_log = logging.getLogger("tracker")
    tracker_log.addHandler(caplog.handler)
    try:
        at.run()
    finally:
        tracker_log.removeHandler(caplog.handler)
    assert not at.exception  # nothing reaches Streamlit's own error box (with its traceback)
    shown = [e.value for e in at.error if "错误编号" in e.value]
    assert shown, [e.value for e in at.error]
    error_id = shown[0].split("错误编号 ")[1][:8]
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and "simulated bug" in (logged[0].exc_text or str(logged[0].exc_info))
