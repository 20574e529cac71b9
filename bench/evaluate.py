"""Evaluation speed on synthetic measurements over the real catalogue.

  E  one full evaluation as known now (tracker.engine.evaluate.metric_statuses for one date), as it runs after a
     commit: each unit's latest figure read from the per-commit summary (tracker.engine.counting.refresh_summary)
  K  the same evaluation as known at a past moment (「按当时已知」): every measurement grouped, no summary
  S  one plain DuckDB GROUP BY scan over the same rows (the floor for anything that reads them all)
  H  the 60-month readiness history (one set-based query over 60 dates, folded to items)
  P  a straightforward pandas evaluation of the same rules, on a frame already in memory
  R  the summary's upkeep: rebuilt over every row (a migration), and merged after a commit of 1 000 rows

Prints {"rows", "E_over_S", "K_over_S", "H_over_E", "P_over_E", "R_full_over_S", "R_commit_over_S",
"peak_rss_mb"} on its last line.
Targets (issue 10): E/S ≤ 1.5, H/E ≤ 2.   Run: .venv/bin/python -m bench.evaluate --rows 10000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

import pandas as pd

from bench.common import median_seconds, peak_rss_mb, report
from tracker import bootstrap, db
from tracker.catalogue import catalogue
from tracker.engine import counting
from tracker.engine.catalogue_tables import ensure_catalogue
from tracker.engine.evaluate import metric_statuses, readiness_history

AS_OF = dt.date(2026, 11, 28)

# Rows spread over every metric (and every area of area metrics), 27 years of periods of the metric's type,
# and repeated submissions of the same figure (a newer one supersedes an older one), as a province's
# archive would hold them.
GENERATE = """
INSERT INTO measurement (submission_id, metric, unit, area, period_start, period_end, period_label, value,
                         recorded_at)
WITH m AS (
    SELECT c.metric, c.kind, c.period, c.reporter, a.area,
           row_number() OVER (ORDER BY c.metric, a.area) - 1 AS slot
    FROM cat_metric c LEFT JOIN cat_metric_area a USING (metric)
),
n AS (SELECT count(*) AS slots FROM m),
r AS (
    SELECT i, i % n.slots AS slot, (i // n.slots) AS step FROM range($rows) t(i), n
),
p AS (
    SELECT r.i, m.*,
           CASE m.period WHEN 'year' THEN DATE '2000-01-01' + to_years(CAST(r.step % 27 AS INTEGER))
                         WHEN 'quarter' THEN DATE '2000-01-01' + to_months(CAST(3 * (r.step % 108) AS INTEGER))
                         ELSE DATE '2000-01-01' + to_months(CAST(r.step % 323 AS INTEGER)) END AS start
    FROM r JOIN m USING (slot)
)
SELECT i // 1000, metric, reporter, area, start,
       CAST(start + CASE period WHEN 'year' THEN INTERVAL 1 YEAR WHEN 'quarter' THEN INTERVAL 3 MONTH
                                ELSE INTERVAL 1 MONTH END - INTERVAL 1 DAY AS DATE),
       strftime(start, '%Y-%m'),
       CASE kind WHEN 'zero_incident' THEN CAST(hash(i) % 50 = 0 AS INTEGER)
                 WHEN 'checklist' THEN CAST(hash(i) % 10 <> 0 AS INTEGER)
                 WHEN 'grade' THEN 1 + hash(i) % 4
                 ELSE (hash(i) % 10000) / 100.0 END,
       TIMESTAMP '2000-01-01' + to_seconds(CAST(i AS BIGINT))
FROM p
"""


def pandas_evaluation(frame: pd.DataFrame, metrics: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The same rules written the straightforward pandas way (no staleness: it only makes P cheaper)."""
    ts = pd.Timestamp(as_of)
    f = frame[frame["period_end"] <= ts].sort_values(["recorded_at", "id"])
    f = f.drop_duplicates(["metric", "area", "period_start"], keep="last")
    f = f.sort_values("period_start", ascending=False)
    f["k"] = f.groupby(["metric", "area"], dropna=False).cumcount() + 1
    f = f.merge(metrics, on="metric")
    latest = f[f["k"] == 1]
    out = []

    def holds(x, op, y):
        return (
            ((op == ">=") & (x >= y))
            | ((op == ">") & (x > y))
            | ((op == "<=") & (x <= y))
            | ((op == "<") & (x < y))
            | ((op == "==") & ((x - y).abs() < 1e-9))
        )

    simple = latest[latest["kind"].isin(["threshold", "each_area"])]
    out.append(simple.assign(ok=holds(simple["value"], simple["op"], simple["threshold"])))
    grade = latest[latest["kind"] == "grade"]
    out.append(grade.assign(ok=grade["value"] <= grade["threshold"]))
    check = latest[latest["kind"].isin(["checklist", "reported"])]
    out.append(check.assign(ok=check["value"] >= 0.5))
    three = f[f["kind"].isin(["trend", "threshold_or_trend"]) & (f["k"] <= 3)]
    wide = three.pivot_table(
        index=["metric", "area"], columns="k", values="value", dropna=False
    ).reset_index()
    wide = wide.merge(metrics, on="metric")
    down = (wide[1] < wide[2]) & (wide[2] < wide[3])
    up = (wide[1] > wide[2]) & (wide[2] > wide[3])
    improving = (down & (wide["direction"] == "down")) | (up & (wide["direction"] == "up"))
    out.append(
        wide.assign(
            ok=improving
            | ((wide["kind"] == "threshold_or_trend") & holds(wide[1], wide["op"], wide["threshold"]))
        )
    )
    window = f[(f["kind"] == "zero_incident") & (f["period_end"] > ts - pd.DateOffset(years=3))]
    out.append(
        window.groupby(["metric", "area"], dropna=False)["value"]
        .sum()
        .reset_index()
        .assign(ok=lambda d: d["value"] == 0)
    )
    comp = latest[latest["kind"] == "compare"].merge(
        latest[["metric", "value"]].rename(columns={"metric": "against", "value": "ref"}),
        on="against",
        how="left",
    )
    out.append(comp.assign(ok=holds(comp["value"], comp["op"], comp["ref"])))
    return pd.concat([o[["metric", "area", "ok"]] for o in out], ignore_index=True)


def _rebuild(con) -> None:
    """The summary built over every row, as the migration does on an existing database."""
    con.execute("DELETE FROM latest_by_unit_mark")
    counting.refresh_summary(con)


def _commit_1000(con) -> None:
    """A commit's upkeep: 1 000 new figures (copies of old ones, recorded later) merged into the summary."""
    with db.transaction(con):
        con.execute(
            """INSERT INTO measurement (submission_id, metric, unit, area, period_start, period_end, period_label,
                                        value, recorded_at)
               SELECT 0, metric, unit, area, period_start, period_end, period_label, value, now()::TIMESTAMP
               FROM measurement USING SAMPLE 1000 ROWS"""
        )
        counting.refresh_summary(con)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    cat = catalogue()
    with tempfile.TemporaryDirectory() as tmp:
        con = bootstrap.connect(Path(tmp) / "bench.duckdb")
        ensure_catalogue(con, cat)
        con.execute(GENERATE, {"rows": args.rows})
        con.execute("CHECKPOINT")
        rows = con.execute("SELECT count(*) FROM measurement").fetchone()[0]
        print(f"{rows:,} measurements generated", file=sys.stderr)

        scan = "SELECT metric, area, period_start, count(*), max(value) FROM measurement GROUP BY ALL"
        s = median_seconds(lambda: con.execute(scan).fetchall(), args.repeat)
        r_full = median_seconds(lambda: _rebuild(con), 1)
        r_commit = median_seconds(lambda: _commit_1000(con), args.repeat)
        assert counting.summary_fresh(con)
        e = median_seconds(lambda: metric_statuses(con, [AS_OF], cat), args.repeat)
        past = dt.datetime(2026, 11, 1)
        k = median_seconds(lambda: metric_statuses(con, [AS_OF], cat, known_at=past), args.repeat)
        months = list(pd.date_range(end=AS_OF, periods=60, freq="ME").date)
        h = median_seconds(lambda: readiness_history(con, months, cat), args.repeat)

        frame = con.execute("SELECT * FROM measurement").df()
        metrics = con.execute("SELECT * FROM cat_metric").df()
        p = median_seconds(lambda: pandas_evaluation(frame, metrics, AS_OF), args.repeat)
        print(
            f"S {s:.3f}s  E {e:.3f}s  K {k:.3f}s  H {h:.3f}s  P {p:.3f}s  "
            f"R full {r_full:.3f}s  R commit {r_commit:.3f}s",
            file=sys.stderr,
        )
        con.close()
    figures = {
        "rows": rows,
        "E_over_S": round(e / s, 2),
        "K_over_S": round(k / s, 2),
        "H_over_E": round(h / e, 2),
        "P_over_E": round(p / e, 2),
        "R_full_over_S": round(r_full / s, 2),
        "R_commit_over_S": round(r_commit / s, 2),
        "peak_rss_mb": peak_rss_mb(),
    }
    report(figures)
    return figures


if __name__ == "__main__":
    main()
