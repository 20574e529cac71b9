"""Evaluation as of any date: set-based SQL in DuckDB, one query for every metric and every date asked.

The value that counts for a metric/area/period is defined once, in tracker.engine.counting (the latest recorded
figure of a unit whose figure counts, as known at a moment). Periods count once they have ended by the
evaluation date (events kinds: once they have started). Each rule kind (indicators/rules) compiles its
metrics to one query; the engine adds the metrics with no value (无数据) and marks as stale (数据过期) a met or
pending metric whose latest value is older than the latest period whose reporting deadline has passed. An item is
a veto risk when a veto metric fails or an open 暗访 否决风险 finding names it: one verdict for every reader.
Evaluating reads only: the catalogue's tables are written when a writing connection opens the database.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import duckdb
import pandas as pd

from indicators.round_kinds import VETO_KINDS
from indicators.rules import REGISTRY
from tracker.catalogue import Catalogue, catalogue
from tracker.engine import counting
from tracker.engine.catalogue_tables import use_catalogue
from tracker.engine.catalogue_versions import in_force, in_force_each
from tracker.engine.due import due_start_sql
from tracker.engine.reasons import reason
from tracker.strings import STATUSES

T = TypeVar("T")

# ---------------------------------------------------------------- metric statuses

# The shape of every kind's result, typed: kinds may leave out the optional columns (UNION ALL BY NAME).
_SHAPE = """SELECT NULL::DATE AS as_of, NULL::VARCHAR AS metric, NULL::VARCHAR AS area, NULL::VARCHAR AS status,
       NULL::DOUBLE AS value, NULL::DOUBLE AS ref_value, NULL::VARCHAR AS period_label,
       NULL::DATE AS latest_start, NULL::DOUBLE[] AS series, NULL::VARCHAR[] AS labels,
       NULL::VARCHAR[] AS missing, NULL::VARCHAR AS ref_label WHERE false"""


# Per date, each metric/area's four latest periods ended by then, k = 1 for the latest (no kind looks further back
# than the trends' three years and one; compare reads older references from eff). The periods are ordered once (g,
# latest first): where their ends fall as their starts do (periods of one type, all but the events kinds), the
# periods ended by a date are the ones from the first ended, and k counts from it; elsewhere a window per date ranks
# them. A window per date over every period costs several times the whole evaluation over 60 dates
# (bench/evaluate.py).
RANKED = """ordered AS MATERIALIZED (
    SELECT o.*, bool_and(o.falls) OVER (PARTITION BY o.known_at, o.metric, o.area) AS monotone
    FROM (
        SELECT e.*, row_number() OVER w AS g, coalesce(lag(e.period_end) OVER w >= e.period_end, true) AS falls
        FROM eff e
        WINDOW w AS (PARTITION BY e.known_at, e.metric, e.area ORDER BY e.period_start DESC, e.period_end DESC)
    ) o
),
firsts AS (
    SELECT d.as_of, o.known_at, o.metric, o.area, min(o.g) AS g0
    FROM ordered o JOIN dates d ON d.known_at = o.known_at AND o.period_end <= d.as_of
    WHERE o.monotone GROUP BY ALL
),
ranked AS MATERIALIZED (
    SELECT f.as_of, o.* EXCLUDE (g, falls, monotone), o.g - f.g0 + 1 AS k
    FROM firsts f JOIN ordered o ON o.known_at = f.known_at AND o.metric = f.metric
                                 AND o.area IS NOT DISTINCT FROM f.area AND o.g BETWEEN f.g0 AND f.g0 + 3
    UNION ALL BY NAME
    SELECT d.as_of, o.* EXCLUDE (g, falls, monotone),
           row_number() OVER (PARTITION BY d.as_of, o.metric, o.area ORDER BY o.g) AS k
    FROM ordered o JOIN dates d ON d.known_at = o.known_at AND o.period_end <= d.as_of
    WHERE NOT o.monotone
    QUALIFY k <= 4
)"""


# Statuses worst first, as a SQL list: a group's worst status is the one at the least position.
_WORST_FIRST = "[" + ", ".join(f"'{s}'" for s in STATUSES) + "]"


def _worst(column: str) -> str:
    return f"{_WORST_FIRST}[min(list_position({_WORST_FIRST}, {column}))]"


# Per date, the open 否决风险 findings of rounds whose kind carries the veto (暗访), as known then: each is a veto risk
# on its item until it is closed after 复查. The one definition of an inspection's veto: the evaluation folds it into
# item_rows, and tracker.inspections.verdict.veto_risks lists the findings it names (site, description, unit).
# In SQL PostgreSQL runs too (a service evaluates inside its transaction, read there): a finding's latest event by
# row_number, not arg_max.
VETO_FINDINGS = f"""veto_findings AS (
    SELECT as_of, item, finding
    FROM (
        SELECT d.as_of, f.item, f.id AS finding, e.to_status,
               row_number() OVER (PARTITION BY d.as_of, f.id ORDER BY e.happened_at DESC) AS latest
        FROM dates d
        JOIN finding_event e ON e.happened_at < d.as_of + INTERVAL '1 day' AND e.happened_at <= d.known_at
        JOIN finding f ON f.id = e.finding_id
        JOIN inspection_round r ON r.id = f.round_id
        WHERE f.severity = '否决风险' AND r.kind IN ({", ".join(f"'{k}'" for k in VETO_KINDS)})
    ) events
    WHERE latest = 1 AND to_status <> 'closed'
)"""

INSPECTION_VETOES = f"""
WITH dates AS (SELECT CAST($as_of AS DATE) AS as_of, CAST($known AS TIMESTAMP) AS known_at),
{VETO_FINDINGS}
SELECT f.item, f.id AS finding, f.round_id, r.kind AS round_kind, s.name AS site, s.street, f.description,
       f.unit, f.deadline
FROM veto_findings v JOIN finding f ON f.id = v.finding
JOIN inspection_round r ON r.id = f.round_id JOIN site s ON s.id = f.site_id
ORDER BY f.item, f.id
"""


def inspection_vetoes(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, known_at: dt.datetime | None = None
) -> pd.DataFrame:
    """The open 暗访 否决风险 findings as of the date (as known at `known_at`), one row each: item, finding,
    round_id, round_kind, site, street, description, unit, deadline — the findings the verdict's veto risks name."""
    return con.execute(INSPECTION_VETOES, {"as_of": as_of, "known": counting.known(known_at)}).df()


# The rows a caller selects from: metric_rows (date × metric × area), metric_worst (a metric's worst status over
# its areas) and item_rows (an item is met only when all its metrics are, else its worst status; a failed
# zero-incident metric, or an open 暗访 否决风险 finding (inspection_veto: their ids), makes it a veto risk,
# 一票否决风险). Folding in the query costs a few milliseconds where pandas took a third of a 60-date history
# (bench/evaluate.py).
METRIC_ROWS = """SELECT m.*, w.metric_status, w.item, i.status AS item_status, i.veto_risk, i.inspection_veto
FROM metric_rows m JOIN metric_worst w USING (as_of, metric) JOIN item_rows i USING (as_of, item)
ORDER BY m.as_of, m.metric, m.area"""
ITEM_ROWS = "SELECT as_of, item, status, veto_risk, inspection_veto FROM item_rows ORDER BY as_of, item"
HISTORY = """SELECT as_of, count(*) FILTER (WHERE status = 'met') AS met, count(*) FILTER (WHERE veto_risk) AS veto_risks
FROM item_rows GROUP BY as_of ORDER BY as_of"""


def status_sql(one_moment: bool = True, summary: bool = False, select: str = METRIC_ROWS) -> str:
    """The one evaluation query, built from the registry as it stands (a kind registered later joins in).
    one_moment: every date knows the same values (the default, and `known_at`); otherwise each its own.
    summary: everything known now, read from the per-commit summary (tracker.engine.counting.summary_fresh).
    select: what to read from metric_rows, metric_worst and item_rows."""
    results = "\nUNION ALL BY NAME\n".join([f"({_SHAPE})", *(f"({kind.sql})" for kind in REGISTRY.values())])
    return f"""
WITH dates AS (
    SELECT DISTINCT CAST(d.as_of AS DATE) AS as_of, CAST(d.known_at AS TIMESTAMP) AS known_at
    FROM (SELECT unnest($dates) AS as_of, unnest($known) AS known_at) d
),
knowns AS (SELECT DISTINCT known_at FROM dates),
{counting.ctes("CAST($max_start AS DATE)", known="CAST($moment AS TIMESTAMP)" if one_moment else None, summary=summary)},
{RANKED},
current AS (   -- every period started by as_of, for kinds that count events
    SELECT d.as_of, e.*
    FROM eff e JOIN dates d ON d.known_at = e.known_at AND e.period_start <= d.as_of
    WHERE e.metric IN (SELECT metric FROM cat_metric WHERE events)
),
results AS ({results}),
targets AS (
    SELECT d.as_of, c.metric, a.area, c.period,
           {due_start_sql("c.period", "d.as_of", "c.deadline_days")} AS due_start
    FROM (SELECT DISTINCT as_of FROM dates) d CROSS JOIN cat_metric c
    LEFT JOIN cat_metric_area a ON a.metric = c.metric
),
metric_rows AS MATERIALIZED (
    SELECT t.as_of, t.metric, t.area,
           CASE WHEN r.status IS NULL THEN 'no_data'
                WHEN r.status IN ('met', 'pending') AND r.latest_start < t.due_start THEN 'stale'
                ELSE r.status END AS status,
           r.value, r.ref_value, r.period_label, CAST(r.latest_start AS DATE) AS latest_start,
           r.series, r.labels, r.missing, r.ref_label, CAST(t.due_start AS DATE) AS due_start
    FROM targets t
    LEFT JOIN results r ON r.as_of = t.as_of AND r.metric = t.metric AND r.area IS NOT DISTINCT FROM t.area
),
metric_worst AS (
    SELECT m.as_of, m.metric, c.item, c.veto, {_worst("m.status")} AS metric_status
    FROM metric_rows m JOIN cat_metric c ON c.metric = m.metric
    GROUP BY m.as_of, m.metric, c.item, c.veto
),
{VETO_FINDINGS},
item_rows AS (
    SELECT w.as_of, w.item, {_worst("w.metric_status")} AS status,
           bool_or(w.veto AND w.metric_status = 'not_met') OR any_value(v.findings) IS NOT NULL AS veto_risk,
           coalesce(any_value(v.findings), []::BIGINT[]) AS inspection_veto
    FROM metric_worst w
    LEFT JOIN (SELECT as_of, item, list(finding ORDER BY finding) AS findings FROM veto_findings GROUP BY ALL) v
           ON v.as_of = w.as_of AND v.item = w.item
    GROUP BY w.as_of, w.item
)
{select}
"""


def _known(dates: Sequence[dt.date], known_at: dt.datetime | None, known_then: bool) -> list[dt.datetime]:
    """What each date may know: everything recorded now (default), by one moment, or by the end of that day."""
    if known_then:
        return [dt.datetime.combine(d, dt.time.max) for d in dates]
    return [known_at or counting.FAR_FUTURE] * len(dates)


def _statuses(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[dt.date],
    cat: Catalogue | None,
    select: str,
    known_at: dt.datetime | None,
    known_then: bool,
) -> pd.DataFrame:
    cat = cat or catalogue()
    dates = list(dates)
    known = _known(dates, known_at, known_then)
    # Each date is judged by the catalogue in force when its values were known (an edited rule does not rewrite
    # what was known before): dates under one version share a query, the versions' results are put in order.
    cats = in_force_each(con, cat, [None if k == counting.FAR_FUTURE else k for k in known])
    groups: dict[int, tuple[Catalogue, list[int]]] = {}
    for i, each in enumerate(cats):
        groups.setdefault(id(each), (each, []))[1].append(i)
    if len(groups) <= 1:
        return _run(con, dates, known, cats[0] if cats else cat, select)
    parts = [
        _run(con, [dates[i] for i in at], [known[i] for i in at], each, select)
        for each, at in groups.values()
    ]
    return pd.concat(parts).sort_values("as_of", kind="stable").reset_index(drop=True)


def _run(
    con: duckdb.DuckDBPyConnection,
    dates: list[dt.date],
    known: list[dt.datetime],
    cat: Catalogue,
    select: str,
) -> pd.DataFrame:
    use_catalogue(con, cat)
    one = len(set(known)) <= 1
    params = {"dates": dates, "known": known, "max_start": max(dates) if dates else dt.date.min}
    now = False
    if one:
        params["moment"] = known[0] if known else counting.FAR_FUTURE
        now = params["moment"] == counting.FAR_FUTURE and counting.summary_fresh(con)
    return con.execute(status_sql(one, now, select), params).df()


def metric_statuses(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[dt.date],
    cat: Catalogue | None = None,
    *,
    known_at: dt.datetime | None = None,
    known_then: bool = False,
) -> pd.DataFrame:
    """One row per date × metric × area (area null for city-wide metrics), with its status, the metric's worst
    status over its areas (metric_status), its item, the item's status (item_status) and veto_risk. Reads only.

    known_at: judge with the values recorded (and the office's checks and choices made, inspections' steps taken)
    by then;
    known_then: each date with what was known at its end (「按当时已知」)."""
    return _statuses(con, dates, cat, METRIC_ROWS, known_at, known_then)


def item_statuses(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[dt.date],
    cat: Catalogue | None = None,
    *,
    known_then: bool = False,
) -> pd.DataFrame:
    """One row per date × item: status and veto_risk (see metric_statuses)."""
    return _statuses(con, dates, cat, ITEM_ROWS, None, known_then)


def readiness_history(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[dt.date],
    cat: Catalogue | None = None,
    *,
    known_then: bool = False,
) -> pd.DataFrame:
    """Items met, veto risks and readiness (0..1) at each date, from one set-based evaluation over all dates."""
    cat = cat or catalogue()
    out = _statuses(con, dates, cat, HISTORY, None, known_then)
    out["items"] = len(cat.items)
    out["readiness"] = out["met"] / len(cat.items)
    return out


# ---------------------------------------------------------------- one evaluation, with reasons


@dataclass
class Evaluation:
    as_of: dt.date
    metrics: pd.DataFrame  # one row per metric: status, value, period, reason (and reason_en), areas
    # one row per item: status, veto_risk, inspection_veto (the ids of its open 暗访 否决风险 findings)
    items: pd.DataFrame
    areas: pd.DataFrame  # per-area rows of area metrics
    known_at: dt.datetime | None = None  # None: with everything known now
    # the open 暗访 否决风险 findings behind items' inspection_veto, with their site and description
    inspection_vetoes: pd.DataFrame = field(default_factory=pd.DataFrame)
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A table computed from this evaluation alone, computed once and kept with it: the app hands one
        Evaluation per data generation and date to every session, so its tables are shared too. Each caller
        gets its own copy, so none can change what the next one sees."""
        if key not in self._derived:
            self._derived[key] = compute()
        return copy.deepcopy(self._derived[key])

    @property
    def summary(self) -> dict:
        return self.derived("summary", self._summary)

    def _summary(self) -> dict:
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
    """Every metric and item as of a date, with reasons; `known_at`: as known at that moment (default: now), by the
    rules then in force."""
    cat = in_force(con, cat or catalogue(), known_at)
    rows = metric_statuses(con, [as_of], cat, known_at=known_at)
    fold = ["metric_status", "item", "item_status", "veto_risk", "inspection_veto"]
    area_rows = rows.loc[rows["area"].notna(), [c for c in rows.columns if c not in fold]]
    # A metric's figure is that of an area with the metric's status: an unmet area metric shows a failing area's
    # value, not the first area's (which may pass).
    telling = rows.assign(_other=rows["status"].ne(rows["metric_status"])).sort_values(
        "_other", kind="stable"
    )
    per_metric = telling.groupby("metric", as_index=False, sort=False).agg(
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
    status = rows.drop_duplicates("metric").set_index("metric")["metric_status"]
    per_metric.insert(1, "status", per_metric["metric"].map(status))
    by_metric = dict(tuple(area_rows.groupby("metric", sort=False)))  # once, not a filter per metric
    no_areas = area_rows.iloc[0:0]
    for lang, column in (("zh", "reason"), ("en", "reason_en")):
        per_metric[column] = [
            reason(cat.metric(r.metric), r._asdict(), by_metric.get(r.metric, no_areas), as_of, lang)
            for r in per_metric.itertuples(index=False)
        ]
    order = {m.code: i for i, m in enumerate(cat.metrics)}
    per_metric = per_metric.sort_values("metric", key=lambda s: s.map(order)).reset_index(drop=True)
    items = (
        rows.drop_duplicates("item")[["item", "item_status", "veto_risk", "inspection_veto"]]
        .rename(columns={"item_status": "status"})
        .sort_values("item")
        .reset_index(drop=True)
    )
    items["veto_risk"] = items["veto_risk"].astype(bool)
    items["inspection_veto"] = [[int(f) for f in ids] for ids in items["inspection_veto"]]
    findings = inspection_vetoes(con, as_of, known_at)
    return Evaluation(as_of, per_metric, items, area_rows.drop(columns="as_of"), known_at, findings)


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
        visits = ev.inspection_vetoes
        findings = visits[visits["item"] == item.code] if len(visits) else visits
        items.append(
            {
                "code": item.code,
                "title": item.title,
                "category": item.category,
                "status": item_status.loc[item.code, "status"],
                "veto_risk": bool(item_status.loc[item.code, "veto_risk"]),
                "inspection_veto": [
                    {
                        "finding": int(f.finding),
                        "round": int(f.round_id),
                        "site": f.site,
                        "street": _plain(f.street),
                        "description": f.description,
                        "unit": f.unit,
                        "deadline": None
                        if pd.isna(f.deadline)
                        else pd.Timestamp(f.deadline).date().isoformat(),
                    }
                    for f in findings.itertuples(index=False)
                ],
                "metrics": metrics,
            }
        )
    known = ev.known_at.isoformat(sep=" ", timespec="seconds") if ev.known_at else None
    return {"as_of": ev.as_of.isoformat(), "known_at": known, "summary": ev.summary, "items": items}
