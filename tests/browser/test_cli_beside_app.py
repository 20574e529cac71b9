"""The command line while the app runs (issue 12): read-only commands read the app's snapshot, writing
commands say the app holds the file."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.browser.conftest import ROOT
from tracker import snapshot

pytestmark = pytest.mark.browser


def _cli(*argv):
    return subprocess.run(
        [sys.executable, "-m", "tracker", *argv], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_evaluate_reads_the_snapshot_and_import_is_told_to_wait(browser, app_server, tmp_path):
    db_file = app_server["db"]
    deadline = time.monotonic() + 30
    while not snapshot.snapshot_path(db_file).exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    done = _cli("evaluate", "--json", "--db", str(db_file))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["demo"] is True and "快照" in done.stderr
    src = tmp_path / "a.csv"
    src.write_text("单位,指标,期间,数值\n城管执法局,10.3,2023年,81%\n", encoding="utf-8")
    done = _cli("import", str(src), "--db", str(db_file))
    assert done.returncode == 4 and "应用" in done.stderr and "Traceback" not in done.stderr
