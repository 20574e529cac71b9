"""The briefing (.docx with its two charts) on the demo campaign, against one evaluation (E) of the same date.

  E      one evaluate() of the as-of date (the baseline, measured in this run)
  cold   the first briefing of the process: the chart browser starts while the data is gathered
  warm   a briefing once the browser is up (the app warms it when the reports page is shown)
  old    the two charts rendered the way they were before issue 13: plotly's to_image, one browser per image

Prints the seconds too (the target is ≤ 3 s), and {"as_of", "E_s", "cold_s", "warm_s", "old_charts_s",
"cold_over_E", "warm_over_E", "charts"} on its last line.
Run: .venv/bin/python -m bench.briefing [--as-of 2025-12-31] [--repeat 3] [--skip-old]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from bench.common import median_seconds, report
from tracker import bootstrap
from tracker.demo import load_demo
from tracker.engine.evaluate import evaluate
from tracker.reports import briefing, charts
from tracker.reports.briefing import model
from tracker.reports.chart_images import RENDERER


def _seconds(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--skip-old", action="store_true", help="do not time the old one-browser-per-image way"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        con = bootstrap.connect(Path(tmp) / "demo.duckdb")
        load_demo(con, today=dt.date.today())
        evaluate(con, args.as_of)  # DuckDB's first query plans are not what is measured
        e = median_seconds(lambda: evaluate(con, args.as_of), args.repeat)
        made: list = []
        cold = _seconds(lambda: made.append(briefing.write(con, args.as_of, ".docx")))
        data, b = made[0]
        if b.chart_note:
            raise SystemExit(f"charts were not rendered: {b.chart_note}")
        warm = median_seconds(lambda: briefing.write(con, args.as_of, ".docx"), args.repeat)
        old = None
        if not args.skip_old:
            figures = [fig for _, fig in model.chart_figures(b)]
            w, h, s = charts.WIDTH, charts.HEIGHT, charts.SCALE
            old = _seconds(lambda: [f.to_image(format="png", width=w, height=h, scale=s) for f in figures])
        RENDERER.close()
        con.close()
    print(f"as of {args.as_of}: {len(data) / 1024:.0f} KiB .docx with {len(b.charts)} charts")
    print(f"E (one evaluate)       {e:6.2f} s")
    print(f"briefing, cold         {cold:6.2f} s   ({cold / e:.1f} × E)")
    print(f"briefing, warm         {warm:6.2f} s   ({warm / e:.1f} × E)   target ≤ 3 s")
    if old is not None:
        print(f"charts the old way     {old:6.2f} s   (a browser per image, before issue 13)")
    figures = {
        "as_of": args.as_of.isoformat(),
        "E_s": round(e, 3),
        "cold_s": round(cold, 2),
        "warm_s": round(warm, 2),
        "old_charts_s": None if old is None else round(old, 2),
        "cold_over_E": round(cold / e, 1),
        "warm_over_E": round(warm / e, 1),
        "charts": len(b.charts),
    }
    report(figures)
    return figures


if __name__ == "__main__":
    main()
