"""Evaluation as of any date: set-based SQL in DuckDB, one query for every metric and every date asked.

The value that counts for a metric/area/period is defined once, in tracker.engine.counting (the latest recorded
figure of a unit whose figure counts, as known at a moment). Periods count once they have ended by the
evaluation date (events kinds: once they have started). Each rule kind (indicators/rules) compiles its
metrics to one query; the engine adds the metrics with no value (无数据) and marks as stale (数据过期) a met or
pending metric whose latest value is older than the latest period whose reporting deadline has passed.
Evaluating reads only: the catalogue's tables are written when a writing connection opens the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from indicators.rules import REGISTRY
from tracker.engine import counting
from tracker.engine.catalogue import Catalogue, catalogue
from tracker.engine.catalogue_tables import use_catalogue
from tracker.engine.reasons import reason
from tracker.strings import STATUSES

# ---------------------------------------------------------------- metric statuses

# The shape of every kind's result, typed: kinds may leave out the optional columns (UNION ALL BY NAME).
_SHAPE = """SELECT NULL::DATE AS as_of, NULL::VARCHAR AS metric, NULL::VARCHAR AS area, NULL::VARCHAR AS status,
       NULL::DOUBLE AS value, NULL::DOUBLE AS ref_value, NULL::VARCHAR AS period_label,
       NULL::DATE AS latest_start, NULL::DOUBLE[] AS series, NULL::VARCHAR[] AS labels,
       NULL::VARCHAR[] AS missing, NULL::VARCHAR AS ref_label WHERE false"""


def status_sql(one_moment: bool = True) -> str:
    """The one evaluation query, built from the registry as it stands (a kind registered later joins in).
    one_moment: every date knows the same values (the default, and `known_at`); otherwise each its own."""
    results = "\nUNION ALL BY NAME\n".join([f"({_SHAPE})", *(f"({kind.sql})" for kind in REGISTRY.values())])
    return f"""
WITH dates AS (
    SELECT DISTINCT CAST(d.as_of AS DATE) AS as_of, CAST(d.known_at AS TIMESTAMP) AS known_at
    FROM (SELECT unnest($dates) AS as_of, unnest($known) AS known_at) d
),
knowns AS (SELECT DISTINCT known_at FROM dates),
{counting.ctes("CAST($max_start AS DATE)", known="CAST($moment AS TIMESTAMP)" if one_moment else None)},
ranked AS MATERIALIZED (
    SELECT d.as_of, e.*,
           row_number() OVER (PARTITION BY d.as_of, e.metric, e.area
                              ORDER BY e.period_start DESC, e.period_end DESC) AS k
    FROM eff e JOIN dates d ON d.known_at = e.known_at AND e.period_end <= d.as_of
),
current AS (   -- every period started by as_of, for kinds that count events
    SELECT d.as_of, e.*
    FROM eff e JOIN dates d ON d.known_at = e.known_at AND e.period_start <= d.as_of
    WHERE e.metric IN (SELECT metric FROM cat_metric WHERE events)
),
results AS ({results}),
targets AS (
    SELECT d.as_of, c.metric, a.area, c.period,
           date_trunc(c.period, d.as_of - c.deadline_days)
             - CASE c.period WHEN 'year' THEN INTERVAL 1 YEAR WHEN 'quarter' THEN INTERVAL 3 MONTH
                             ELSE INTERVAL 1 MONTH END AS due_start
    FROM (SELECT DISTINCT as_of FROM dates) d CROSS JOIN cat_metric c
    LEFT JOIN cat_metric_area a ON a.metric = c.metric
)
SELECT t.as_of, t.metric, t.area,
       CASE WHEN r.status IS NULL THEN 'no_data'
            WHEN r.status IN ('met', 'pending') AND r.latest_start < t.due_start THEN 'stale'
            ELSE r.status END AS status,
       r.value, r.ref_value, r.period_label, CAST(r.latest_start AS DATE) AS latest_start,
       r.series, r.labels, r.missing, r.ref_label, CAST(t.due_start AS DATE) AS due_start
FROM targets t
LEFT JOIN results r ON r.as_of = t.as_of AND r.metric = t.metric AND r.area IS NOT DISTINCT FROM t.area
ORDER BY t.as_of, t.metric, t.area
"""


def _known(dates: Sequence[dt.date], known_at: dt.datetime | None, known_then: bool) -> list[dt.datetime]:
    """What each date may know: everything recorded now (default), by one moment, or by the end of that day."""
    if known_then:
        return [dt.datetime.combine(d, dt.time.max) for d in dates]
    return [known_at or counting.FAR_FUTURE] * len(dates)


def metric_statuses(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[dt.date],
    cat: Catalogue | None = None,
    *,
    known_at: dt.datetime | None = None,
    known_then: bool = False,
) -> pd.DataFrame:
    """One row per date × metric × area (area null for city-wide metrics), with its status. Reads only.

    known_at: judge with the values recorded (and the office's checks and choices made) by then;
    known_then: each date with what was known at its end (「按当时已知」)."""
    cat = cat or catalogue()
    use_catalogue(con, cat)
    dates = list(dates)
    known = _known(dates, known_at, known_then)
    one = len(set(known)) <= 1
    params = {"dates": dates, "known": known, "max_start": max(dates) if dates else dt.date.min}
    if one:
        params["moment"] = known[0] if known else counting.FAR_FUTURE
    return con.execute(status_sql(one), params).df()


_RANK = {status: i for i, status in enumerate(STATUSES)}


def worst(statuses: pd.Series) -> str:
    return min(statuses, key=_RANK.__getitem__)


def fold_items(metric_rows: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Item status per date: met only when all its metrics are; the worst status otherwise.

    A failed zero-incident metric makes its item a veto risk (一票否决风险). Folded on the statuses' ranks with
    pandas' own min, not a Python function per group: over the months of a history that was half a briefing's
    data time (issue 13)."""
    ranked = metric_rows[["as_of", "metric"]].assign(rank=metric_rows["status"].map(_RANK))
    per_metric = ranked.groupby(["as_of", "metric"], as_index=False)["rank"].min()
    info = pd.DataFrame([(m.code, m.item, m.kind) for m in cat.metrics], columns=["metric", "item", "kind"])
    per_metric = per_metric.merge(info, on="metric")
    per_metric["veto"] = per_metric["kind"].map(lambda k: REGISTRY[k].veto) & (
        per_metric["rank"] == _RANK["not_met"]
    )
    out = per_metric.groupby(["as_of", "item"], as_index=False).agg(
        rank=("rank", "min"), veto_risk=("veto", "any")
    )
    out.insert(2, "status", out.pop("rank").map(dict(enumerate(STATUSES))))
    return out


def readiness_history(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[dt.date],
    cat: Catalogue | None = None,
    *,
    known_then: bool = False,
) -> pd.DataFrame:
    """Items met and readiness (0..1) at each date, from one set-based evaluation over all dates."""
    cat = cat or catalogue()
    items = fold_items(metric_statuses(con, dates, cat, known_then=known_then), cat)
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
    metrics: pd.DataFrame  # one row per metric: status, value, period, reason (and reason_en), areas
    items: pd.DataFrame  # one row per item: status, veto_risk
    areas: pd.DataFrame  # per-area rows of area metrics
    known_at: dt.datetime | None = None  # None: with everything known now

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


def evaluate(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    cat: Catalogue | None = None,
    *,
    known_at: dt.datetime | None = None,
) -> Evaluation:
    """Every metric and item as of a date, with reasons; `known_at`: as known at that moment (default: now)."""
    cat = cat or catalogue()
    rows = metric_statuses(con, [as_of], cat, known_at=known_at)
    area_rows = rows[rows["area"].notna()].copy()
    per_metric = rows.groupby("metric", as_index=False, sort=False).agg(
        status=("status", worst),
        value=("value", "first"),
        ref_value=("ref_value", "first"),
        period_label=("period_label", "first"),
        latest_start=("latest_start", "max"),
        due_start=("due_start", "first"),
        series=("series", "first"),
        labels=("labels", "first"),
        missing=("missing", "first"),
        ref_label=("ref_label", "first"),
    )
    # each metric's area rows split once: a boolean filter per metric and language was three quarters of the
    # evaluation's time (cProfile, issue 13)
    areas_of = dict(tuple(area_rows.groupby("metric", sort=False)))
    no_areas = area_rows.iloc[0:0]
    for lang, column in (("zh", "reason"), ("en", "reason_en")):
        per_metric[column] = [
            reason(cat.metric(r.metric), r._asdict(), areas_of.get(r.metric, no_areas), as_of, lang)
            for r in per_metric.itertuples(index=False)
        ]
    order = {m.code: i for i, m in enumerate(cat.metrics)}
    per_metric = per_metric.sort_values("metric", key=lambda s: s.map(order)).reset_index(drop=True)
    items = fold_items(rows, cat).drop(columns="as_of")
    return Evaluation(as_of, per_metric, items, area_rows.drop(columns="as_of"), known_at)


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
    known = ev.known_at.isoformat(sep=" ", timespec="seconds") if ev.known_at else None
    return {"as_of": ev.as_of.isoformat(), "known_at": known, "summary": ev.summary, "items": items}
