"""The overview page at scale: its whole script run in AppTest over N synthetic measurements, cold (nothing
cached) and warm (the same session again), against one evaluation (E) of the same data.

Prints {"rows", "cold_over_E", "warm_over_E"} on its last line.
Run: .venv/bin/python -m bench.dashboard --rows 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from bench.common import median_seconds, report
from bench.evaluate import GENERATE
from tracker import bootstrap
from tracker.access.auth import Actor
from tracker.catalogue import catalogue
from tracker.config import ROOT
from tracker.engine.catalogue_tables import ensure_catalogue
from tracker.engine.evaluate import evaluate


def run_overview(as_of: dt.date, at: AppTest | None = None) -> tuple[float, AppTest]:
    if at is None:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
        at.session_state["actor"] = Actor("bench", "admin")
        at.session_state["as_of"] = as_of
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise SystemExit(f"the overview failed: {[e.value for e in at.exception]}")
    return elapsed, at


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    as_of = dt.date(2026, 11, 28)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        con = bootstrap.connect(path)
        ensure_catalogue(con, catalogue())
        con.execute(GENERATE, {"rows": args.rows})
        rows = con.execute("SELECT count(*) FROM measurement").fetchone()[0]
        e = median_seconds(lambda: evaluate(con, as_of), args.repeat)
        con.close()
        os.environ["TRACKER_DB"] = str(path)
        colds, warms = [], []
        for _ in range(args.repeat):
            st.cache_resource.clear()  # as a new server process: no connection, nothing cached
            st.cache_data.clear()
            cold, at = run_overview(as_of)
            warm, _ = run_overview(as_of, at)
            colds.append(cold)
            warms.append(warm)
        cold, warm = sorted(colds)[len(colds) // 2], sorted(warms)[len(warms) // 2]
        print(f"E {e:.3f}s  cold {cold:.3f}s  warm {warm:.3f}s", file=sys.stderr)
    figures = {"rows": rows, "cold_over_E": round(cold / e, 2), "warm_over_E": round(warm / e, 2)}
    report(figures)
    return figures


if __name__ == "__main__":
    main()
