"""The house's layers: tracker/ is the engine and never imports Streamlit; the glue lives in app/."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import importlib, pkgutil, sys
import tracker
names = [m.name for m in pkgutil.walk_packages(tracker.__path__, "tracker.") if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
print(len(names), "streamlit" in sys.modules, sorted(n for n in sys.modules if n.split(".")[0] == "app"))
"""


def test_no_tracker_module_imports_streamlit_or_the_glue():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split(maxsplit=2)
    count, streamlit_loaded, glue = int(out[0]), out[1], out[2].strip()
    assert count > 40  # every module was imported
    assert streamlit_loaded == "False"
    assert glue == "[]"


def test_service_calls_are_logged_with_actor_action_outcome_and_duration(caplog):
    import logging

    import pytest

    from tracker import db
    from tracker.access import users
    from tracker.access.auth import SYSTEM, Actor, PermissionDenied

    con = db.connect(":memory:")
    with caplog.at_level(logging.INFO, logger="tracker.service"):
        users.create_user(con, SYSTEM, "城管张", "reporter", "a-long-secret-7", unit="城管执法局")
        with pytest.raises(PermissionDenied):
            users.create_user(con, Actor("李市长", "leader"), "x1", "leader", "a-long-secret-8")
    lines = [r.getMessage() for r in caplog.records if r.name == "tracker.service"]
    assert any(
        "actor=system action=create_user" in m and "outcome=ok" in m and "duration=" in m for m in lines
    ), lines
    assert any(
        "actor=李市长 action=create_user" in m and "outcome=error PermissionDenied" in m for m in lines
    )
    assert not any("a-long-secret" in m for m in lines)  # never a password
