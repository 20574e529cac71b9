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
