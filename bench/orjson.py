"""orjson or not: Streamlit hands every plotly figure to plotly.io.to_json, which uses orjson when it is installed
and the standard json otherwise. Measured as a person feels it — the whole script run of the overview and of an
item page (AppTest, the same session run again, as after a click) over the demo — and inside it, the time spent
in plotly.io.to_json.

The two engines alternate run by run in one process (plotly.io.json.config.default_engine: "json" is exactly the
path taken when orjson is not installed). Two subprocesses, one with orjson blocked, were tried first: on this
shared two-core machine the load changed between them more than the engines differ (2.1× one way, then 0.7× the
other, minutes apart).

Prints {"<page>_run_json_over_orjson", "<page>_to_json_json_over_orjson", "<page>_to_json_share_json", …} on its
last line (> 1: orjson is faster; the share: the part of a run spent serialising figures with json).
Run: .venv/bin/python -m bench.orjson [--repeat 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import report

PASSWORD = "bench-orjson-office-1"
TODAY = dt.date(2026, 11, 28)  # the demo's today, as in the tests
PAGES = {"overview": ("dashboard.py", {}), "item": ("pages/item.py", {"item": "10"})}
ENGINES = ("json", "orjson")


def _timed_to_json(spent: list[float]):
    """plotly.io.to_json, adding the time of each call to spent[0] (Streamlit looks it up at every call)."""
    import plotly.io

    original = plotly.io.to_json

    def to_json(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    plotly.io.to_json = to_json


def _page(name: str, repeat: int, spent: list[float]) -> dict:
    import plotly.io
    from streamlit.testing.v1 import AppTest

    from tracker.access.auth import Actor
    from tracker.config import ROOT

    page, query = PAGES[name]
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    at.session_state["actor"] = Actor("admin", "admin")
    at.session_state["as_of"] = TODAY
    at.run()
    if page != "dashboard.py":
        for key, value in query.items():
            at.query_params[key] = value
        at.switch_page(page)
    at.run()  # the first run of the page fills the caches
    runs = {engine: [] for engine in ENGINES}
    serialising = {engine: [] for engine in ENGINES}
    for i in range(repeat):
        for engine in ENGINES if i % 2 == 0 else ENGINES[::-1]:
            plotly.io.json.config.default_engine = engine
            spent[0] = 0.0
            start = time.perf_counter()
            at.run()
            runs[engine].append(time.perf_counter() - start)
            serialising[engine].append(spent[0])
    if at.exception:
        raise SystemExit(f"{name} failed: {[e.value for e in at.exception]}")
    charts = len(at.get("plotly_chart"))
    if not charts:
        raise SystemExit(f"{name} showed no plotly figure: nothing to measure")
    run = {e: statistics.median(runs[e]) for e in ENGINES}
    ser = {e: statistics.median(serialising[e]) for e in ENGINES}
    print(
        f"{name} ({charts} figures): run json {run['json']:.3f}s orjson {run['orjson']:.3f}s;"
        f" to_json json {ser['json'] * 1000:.1f}ms orjson {ser['orjson'] * 1000:.1f}ms",
        file=sys.stderr,
    )
    return {
        f"{name}_run_json_over_orjson": round(run["json"] / run["orjson"], 2),
        f"{name}_to_json_json_over_orjson": round(ser["json"] / ser["orjson"], 1),
        f"{name}_to_json_share_json": round(ser["json"] / run["json"], 3),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    try:
        import orjson  # noqa: F401 — "with orjson" needs it
    except ImportError:
        raise SystemExit("orjson is not installed: .venv/bin/pip install -r requirements.txt") from None

    from tracker import bootstrap
    from tracker.access.users import ensure_admin
    from tracker.demo import load_demo

    spent = [0.0]
    _timed_to_json(spent)
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        con = bootstrap.connect(db)
        load_demo(con, today=TODAY)
        ensure_admin(con, PASSWORD)
        con.close()
        os.environ["TRACKER_DB"] = str(db)
        os.environ["TRACKER_ADMIN_PASSWORD"] = PASSWORD
        for name in PAGES:
            figures.update(_page(name, args.repeat, spent))
    figures["repeat"] = args.repeat
    report(figures)
    return figures


if __name__ == "__main__":
    main()
