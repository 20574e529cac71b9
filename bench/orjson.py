"""orjson or not: Streamlit hands every plotly figure to plotly.io.to_json, which uses orjson when it is installed
and the standard json otherwise. Measured here as a person feels it: the whole script run of the overview and of
an item page (AppTest, the same session run again, as after a click), over one copy of the demo, in four
subprocesses one after another, with orjson blocked in two (json, orjson, orjson, json): `--repeat` runs of each
page per mode in all, after a first run of each that fills the caches.

Prints {"overview_json_over_orjson", "item_json_over_orjson", …} on its last line (> 1: orjson is faster).
Run: .venv/bin/python -m bench.orjson [--repeat 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import report

PASSWORD = "bench-orjson-office-1"
TODAY = dt.date(2026, 11, 28)  # the demo's today, as in the tests
PAGES = {"overview": ("dashboard.py", {}), "item": ("pages/item.py", {"item": "10"})}


def _child(mode: str, repeat: int) -> dict:
    """One store of figures: orjson importable or blocked (sys.modules[name] = None makes `import` fail, which
    plotly takes for 'not installed')."""
    if mode == "json":
        sys.modules["orjson"] = None
    else:
        import orjson  # noqa: F401 — refuse to measure "with orjson" without it

    from streamlit.testing.v1 import AppTest

    from tracker.access.auth import Actor
    from tracker.config import ROOT

    figures = {}
    for name, (page, query) in PAGES.items():
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
        at.session_state["actor"] = Actor("admin", "admin")
        at.session_state["as_of"] = TODAY
        at.run()
        if page != "dashboard.py":
            for key, value in query.items():
                at.query_params[key] = value
            at.switch_page(page)
        at.run()  # the first run of the page fills the caches
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
        if at.exception:
            raise SystemExit(f"{name} failed: {[e.value for e in at.exception]}")
        charts = len(at.get("plotly_chart"))
        if not charts:
            raise SystemExit(f"{name} showed no plotly figure: nothing to measure")
        figures[name] = {"times": times, "charts": charts}
    figures["orjson_loaded"] = sys.modules.get("orjson") is not None
    return figures


def _run(mode: str, db: Path, repeat: int) -> dict:
    env = {**os.environ, "TRACKER_DB": str(db), "TRACKER_ADMIN_PASSWORD": PASSWORD}
    argv = [sys.executable, "-m", "bench.orjson", "--child", mode, "--repeat", str(repeat)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the {mode} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--child", choices=("json", "orjson"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        figures = _child(args.child, args.repeat)
        print(json.dumps(figures))
        return figures

    from tracker import bootstrap
    from tracker.access.users import ensure_admin
    from tracker.demo import load_demo

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        con = bootstrap.connect(db)
        load_demo(con, today=TODAY)
        ensure_admin(con, PASSWORD)
        con.close()
        # json, orjson, orjson, json: a machine getting busier or quieter during the run weighs on both alike
        runs = {"json": [], "orjson": []}
        for mode in ("json", "orjson", "orjson", "json"):
            runs[mode].append(_run(mode, db, max(1, args.repeat // 2)))
    if any(r["orjson_loaded"] for r in runs["json"]) or not all(r["orjson_loaded"] for r in runs["orjson"]):
        raise SystemExit(f"orjson was not blocked / not used as asked: {runs}")
    figures = {}
    for name in PAGES:
        median = {
            mode: statistics.median(t for r in rs for t in r[name]["times"]) for mode, rs in runs.items()
        }
        print(
            f"{name}: json {median['json']:.3f}s, orjson {median['orjson']:.3f}s"
            f" ({runs['orjson'][0][name]['charts']} figures)",
            file=sys.stderr,
        )
        figures[f"{name}_json_over_orjson"] = round(median["json"] / median["orjson"], 2)
    figures["repeat"] = args.repeat
    report(figures)
    return figures


if __name__ == "__main__":
    main()
