"""The overview's script run right after a write (issue 23: what a reader on another worker waits for once the
replica has the new rows): on a copy of the demo, one AppTest session on 总览; each try commits a one-row file through
the upload service (not the page: the reader's caches are not warmed by the writer, as on another worker) and
times the next run of the overview. The baseline in the same run: the overview's run with nothing written (W).

    .venv/bin/python -m bench.after_write --tries 7

The last line is one JSON object: {"warm_s", "after_write_s", "ratio"} (medians).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # its "no runtime" warnings, once per cached call

from tracker import bootstrap
from tracker.access.auth import Actor
from tracker.config import ROOT
from tracker.demo import load_demo

TODAY = dt.date(2026, 11, 28)


def _overview():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["actor"] = Actor("admin", "admin")
    at.session_state["as_of"] = TODAY
    at.switch_page("pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _timed(at) -> float:
    started = time.perf_counter()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=7)
    tries = parser.parse_args().tries
    folder = Path(tempfile.mkdtemp(prefix="after-write-"))
    try:
        path = folder / "demo.duckdb"
        con = bootstrap.connect(path)
        load_demo(con, today=TODAY)
        con.close()
        os.environ["TRACKER_DB"] = str(path)
        os.environ.setdefault("TRACKER_ADMIN_PASSWORD", "bench-office-secret-1")
        from app import cached, webapp
        from tracker.ingest.service import import_file

        at = _overview()
        warm = [_timed(at) for _ in range(tries)]
        after = []
        for i in range(tries):
            data = f"指标,期间,数值\n12.1,2023年,{30 + i}%\n".encode()
            result = import_file(webapp.cursor(), f"b{i}.csv", data, unit="园林绿化服务中心", user="admin")
            assert result.outcome == "committed", result.message
            after.append(_timed(at))
            cached.settle()
        out = {"warm_s": statistics.median(warm), "after_write_s": statistics.median(after)}
        out["ratio"] = out["after_write_s"] / out["warm_s"]
        print(f"overview run, median of {tries}: warm {out['warm_s']:.3f} s (W), after a write "
              f"{out['after_write_s']:.3f} s = {out['ratio']:.2f} W")  # fmt: skip
        print(json.dumps(out))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
