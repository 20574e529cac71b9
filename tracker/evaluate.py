"""Evaluation as of any date: set-based SQL in DuckDB, one query for every metric and every date asked.

The value that counts for a metric/area/period is the most recently recorded one (a newer submission
supersedes an older one; both stay in `measurement`). Only periods ended by the evaluation date count.
Each rule kind (indicators/rules) compiles its metrics to one query; the engine adds the metrics with
no value (无数据) and marks as stale (数据过期) a met or pending metric whose latest value is older than the
latest period whose reporting deadline has passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from indicators.rules import REGISTRY
from tracker import audit
from tracker.catalogue import Catalogue, catalogue
from tracker.config import settings
from tracker.db import transaction
from tracker.reasons import reason
from tracker.strings import STATUSES

# ---------------------------------------------------------------- catalogue tables


def _catalogue_rows(cat: Catalogue) -> tuple[list[tuple], list[tuple]]:
    deadlines = settings()["deadline_days"]
    metrics = [
        (
            m.code,
            m.item,
            m.kind,
            m.period,
            m.scope,
            m.reporter,
            m.rule.get("op"),
            m.threshold,
            m.rule.get("direction"),
            m.rule.get("years", 3),
            m.rule.get("against"),
            deadlines[m.period],
            REGISTRY[m.kind].veto,
        )
        for m in cat.metrics
    ]
    areas = [(m.code, area) for m in cat.metrics for area in m.areas]
    return metrics, areas


_CATALOGUE_LOCK = threading.Lock()  # cursors of one process would otherwise race to write the tables


def ensure_catalogue(con: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    """Write the catalogue's metrics and rule parameters into cat_metric / cat_metric_area when they changed."""
    metrics, areas = _catalogue_rows(cat)
    fingerprint = hashlib.sha256(json.dumps([metrics, areas], default=str).encode()).hexdigest()
    with _CATALOGUE_LOCK:
        con.execute("CREATE TABLE IF NOT EXISTS cat_info (fingerprint VARCHAR)")
        if con.execute("SELECT fingerprint FROM cat_info").fetchone() != (fingerprint,):
            _write_catalogue(con, metrics, areas, fingerprint)


def _write_catalogue(con, metrics: list[tuple], areas: list[tuple], fingerprint: str) -> None:
    """Replace the catalogue tables, and audit which metrics' rules changed (before and after)."""
    had_catalogue = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'cat_metric'"
    ).fetchone()[0]
    old = {r[0]: list(r) for r in con.execute("SELECT * FROM cat_metric").fetchall()} if had_catalogue else {}
    new = {r[0]: list(r) for r in metrics}
    changed = sorted(code for code in old.keys() | new.keys() if old.get(code) != new.get(code))
    with transaction(con):
        con.execute(
            """CREATE OR REPLACE TABLE cat_metric (
                 metric VARCHAR PRIMARY KEY, item INTEGER, kind VARCHAR, period VARCHAR, scope VARCHAR,
                 reporter VARCHAR, op VARCHAR, threshold DOUBLE, direction VARCHAR, years INTEGER,
                 against VARCHAR, deadline_days INTEGER, veto BOOLEAN)"""
        )
        con.execute("CREATE OR REPLACE TABLE cat_metric_area (metric VARCHAR, area VARCHAR)")
        con.executemany("INSERT INTO cat_metric VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", metrics)
        if areas:
            con.executemany("INSERT INTO cat_metric_area VALUES (?, ?)", areas)
        con.execute("DELETE FROM cat_info")
        con.execute("INSERT INTO cat_info VALUES (?)", [fingerprint])
        if old and changed:
            audit.record(
                con,
                "system",
                "catalogue_change",
                f"{len(changed)}个指标",
                before={c: old.get(c) for c in changed},
                after={c: new.get(c) for c in changed},
                detail="指标目录（indicators/）已修改",
            )


# ---------------------------------------------------------------- metric statuses

_RESULTS = "\nUNION ALL BY NAME\n".join(f"({kind.sql})" for kind in REGISTRY.values())

METRIC_STATUS_SQL = f"""
WITH dates AS (SELECT DISTINCT CAST(unnest($dates) AS DATE) AS as_of),
latest_id AS (   -- per metric/area/period, the most recently recorded value (ties: the later id)
    SELECT max_by(id, epoch_us(recorded_at)::HUGEINT * 1099511627776 + id) AS id
    FROM measurement
    WHERE period_end <= (SELECT max(as_of) FROM dates)
    GROUP BY metric, area, period_start
),
eff AS MATERIALIZED (   -- the value that counts per metric/area/period
    SELECT m.id, m.metric, m.unit, m.area, m.period_start, m.period_end, m.period_label, m.value
    FROM measurement m JOIN latest_id USING (id)
),
ranked AS MATERIALIZED (
    SELECT d.as_of, e.*,
           row_number() OVER (PARTITION BY d.as_of, e.metric, e.area ORDER BY e.period_start DESC) AS k
    FROM eff e JOIN dates d ON e.period_end <= d.as_of
),
results AS ({_RESULTS}),
targets AS (
    SELECT d.as_of, c.metric, a.area, c.period,
           date_trunc(c.period, d.as_of - c.deadline_days)
             - CASE c.period WHEN 'year' THEN INTERVAL 1 YEAR WHEN 'quarter' THEN INTERVAL 3 MONTH
                             ELSE INTERVAL 1 MONTH END AS due_start
    FROM dates d CROSS JOIN cat_metric c LEFT JOIN cat_metric_area a ON a.metric = c.metric
)
SELECT t.as_of, t.metric, t.area,
       CASE WHEN r.status IS NULL THEN 'no_data'
            WHEN r.status IN ('met', 'pending') AND r.latest_start < t.due_start THEN 'stale'
            ELSE r.status END AS status,
       r.value, r.ref_value, r.period_label, CAST(r.latest_start AS DATE) AS latest_start,
       r.series, CAST(t.due_start AS DATE) AS due_start
FROM targets t
LEFT JOIN results r ON r.as_of = t.as_of AND r.metric = t.metric AND r.area IS NOT DISTINCT FROM t.area
ORDER BY t.as_of, t.metric, t.area
"""


def metric_statuses(
    con: duckdb.DuckDBPyConnection, dates: Sequence[dt.date], cat: Catalogue | None = None
) -> pd.DataFrame:
    """One row per date × metric × area (area null for city-wide metrics), with its status."""
    cat = cat or catalogue()
    ensure_catalogue(con, cat)
    return con.execute(METRIC_STATUS_SQL, {"dates": list(dates)}).df()


_RANK = {status: i for i, status in enumerate(STATUSES)}


def worst(statuses: pd.Series) -> str:
    return min(statuses, key=_RANK.__getitem__)


def fold_items(metric_rows: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Item status per date: met only when all its metrics are; the worst status otherwise.

    A failed zero-incident metric makes its item a veto risk (一票否决风险)."""
    per_metric = metric_rows.groupby(["as_of", "metric"], as_index=False)["status"].agg(worst)
    info = pd.DataFrame([(m.code, m.item, m.kind) for m in cat.metrics], columns=["metric", "item", "kind"])
    per_metric = per_metric.merge(info, on="metric")
    per_metric["veto"] = per_metric["kind"].map(lambda k: REGISTRY[k].veto) & (
        per_metric["status"] == "not_met"
    )
    return per_metric.groupby(["as_of", "item"], as_index=False).agg(
        status=("status", worst), veto_risk=("veto", "any")
    )


def readiness_history(
    con: duckdb.DuckDBPyConnection, dates: Sequence[dt.date], cat: Catalogue | None = None
) -> pd.DataFrame:
    """Items met and readiness (0..1) at each date, from one set-based evaluation over all dates."""
    cat = cat or catalogue()
    items = fold_items(metric_statuses(con, dates, cat), cat)
    out = (
        items.assign(met=items["status"].eq("met"))
        .groupby("as_of", as_index=False)
        .agg(met=("met", "sum"), veto_risks=("veto_risk", "sum"))
    )
    out["items"] = len(cat.items)
    out["readiness"] = out["met"] / len(cat.items)
    return out


# ---------------------------------------------------------------- one evaluation, with reasons


@dataclass
class Evaluation:
    as_of: dt.date
    metrics: pd.DataFrame  # one row per metric: status, value, period, reason, areas
    items: pd.DataFrame  # one row per item: status, veto_risk
    areas: pd.DataFrame  # per-area rows of area metrics

    @property
    def summary(self) -> dict:
        counts = self.items["status"].value_counts()
        total = len(self.items)
        met = int(counts.get("met", 0))
        return {
            "items": total,
            **{
                status: int(counts.get(status, 0))
                for status in ("met", "not_met", "no_data", "stale", "pending")
            },
            "readiness": round(met / total, 4) if total else 0.0,
            "veto_risks": [int(c) for c in self.items.loc[self.items["veto_risk"], "item"]],
        }


def evaluate(con: duckdb.DuckDBPyConnection, as_of: dt.date, cat: Catalogue | None = None) -> Evaluation:
    cat = cat or catalogue()
    rows = metric_statuses(con, [as_of], cat)
    area_rows = rows[rows["area"].notna()].copy()
    per_metric = rows.groupby("metric", as_index=False, sort=False).agg(
        status=("status", worst),
        value=("value", "first"),
        ref_value=("ref_value", "first"),
        period_label=("period_label", "first"),
        latest_start=("latest_start", "max"),
        due_start=("due_start", "first"),
        series=("series", "first"),
    )
    per_metric["reason"] = [
        reason(cat.metric(r.metric), r._asdict(), area_rows[area_rows["metric"] == r.metric])
        for r in per_metric.itertuples(index=False)
    ]
    order = {m.code: i for i, m in enumerate(cat.metrics)}
    per_metric = per_metric.sort_values("metric", key=lambda s: s.map(order)).reset_index(drop=True)
    items = fold_items(rows, cat).drop(columns="as_of")
    return Evaluation(as_of, per_metric, items, area_rows.drop(columns="as_of"))


def _plain(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def to_json(ev: Evaluation, cat: Catalogue | None = None) -> dict:
    """The evaluate JSON other tools read (see README)."""
    cat = cat or catalogue()
    by_metric = ev.metrics.set_index("metric")
    item_status = ev.items.set_index("item")
    items = []
    for item in cat.items:
        metrics = []
        for m in item.metrics:
            row = by_metric.loc[m.code]
            areas = ev.areas[ev.areas["metric"] == m.code]
            metrics.append(
                {
                    "code": m.code,
                    "name": m.name,
                    "kind": m.kind,
                    "status": row["status"],
                    "value": _plain(row["value"]),
                    "period": _plain(row["period_label"]),
                    "reason": row["reason"],
                    "areas": [
                        {
                            "area": a.area,
                            "status": a.status,
                            "value": _plain(a.value),
                            "period": _plain(a.period_label),
                        }
                        for a in areas.itertuples(index=False)
                    ],
                }
            )
        items.append(
            {
                "code": item.code,
                "title": item.title,
                "category": item.category,
                "status": item_status.loc[item.code, "status"],
                "veto_risk": bool(item_status.loc[item.code, "veto_risk"]),
                "metrics": metrics,
            }
        )
    return {"as_of": ev.as_of.isoformat(), "summary": ev.summary, "items": items}
