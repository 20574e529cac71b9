"""The value that counts — one definition, used by the evaluation, the views, the national form and uploads.

For a metric, area and period, the value that counts is the most recently recorded one (ties: the later id)
among the units whose figure counts, as known at a moment (values recorded, and the office's choices made, by
then; the default is everything known now):
  - the metric's designated reporter, the office (创卫办), and for an area metric the area's own unit
    (indicators.rules.common.counts_by_default, the one definition the checklist's check and uploads use too);
  - unless the office chose another listed unit's figure for that metric/area/period (figure_choice): then
    that unit's, until a later choice returns it to the reporter.
Figures from other listed units are kept and shown beside it (tracker.engine.figures), never counted silently.
Incidents (the kinds that count events: zero-incident metrics) are the exception: every listed unit's report
counts (uploads admit only the item's listed units and the office), and the worst wins — hiding an incident is
worse than counting one twice. The office's explicit choice still decides.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from indicators.rules.common import counts_by_default
from tracker import db

FAR_FUTURE = dt.datetime(9999, 12, 31)

# A measurement's order among a unit's figures for one metric/area/period: recorded_at, then id (low 40 bits).
ID_BITS = 1099511627776
KEY = f"epoch_us(m.recorded_at)::HUGEINT * {ID_BITS} + m.id"

# Each unit's latest figure per metric/area/period, as known now, kept by every writer of measurements
# (refresh_summary in the writer's transaction); latest_by_unit_mark says which rows it has seen.
SUMMARY = "latest_by_unit"
_SUMMARY_COLUMNS = "key, id, metric, unit, area, period_start, period_end, period_label, value, recorded_at"
_GROUP = "m.metric, m.area, m.period_start, m.unit, m.period_end"

# Among the figures that count for one metric/area/period: the latest, or for incidents the worst (the highest
# count), then the latest.
PICK = "CASE WHEN c.events THEN p.value END DESC NULLS LAST, p.key DESC"


def ctes(
    max_start: str = "DATE '9999-12-31'", where: str = "true", known: str | None = None, summary: bool = False
) -> str:
    """CTEs ending in `eff`: per known_at, the value that counts per metric/area/period (columns known_at, id,
    metric, unit, area, period_start, period_end, period_label, value, recorded_at), for periods starting by
    `max_start` and measurements `m` for which `where` holds (a caller's narrowing, e.g. to a few metrics).

    `known`: a SQL expression of the one moment every value is known at (the common case); None reads the
    moments from a CTE `knowns(known_at)` that the caller defines (histories 「按当时已知」, one per date).

    The latest figure is found per unit first and the units whose figure counts are chosen among those few
    rows: grouping by the unit costs less than judging each of millions of rows against its metric's reporter.
    The key orders by recorded_at, then id, and carries the id in its low 40 bits.

    `summary`: read each unit's latest figure from latest_by_unit instead of grouping every measurement — only
    for everything known now, and only while the summary is fresh (summary_fresh)."""
    if known is None:  # a moment per date, from the caller's knowns(known_at): the moment is a group key
        moments = "SELECT DISTINCT known_at FROM knowns"
        scan = "measurement m JOIN knowns k ON m.recorded_at <= k.known_at WHERE"
        row_moment, group_key, moment, group_moment = (
            "k.known_at",
            "k.known_at, ",
            "p.known_at",
            ", p.known_at",
        )
    else:
        moments = f"SELECT CAST({known} AS TIMESTAMP) AS known_at"
        scan = f"measurement m WHERE m.recorded_at <= {known} AND"
        row_moment, group_key, moment, group_moment = "NULL", "", f"CAST({known} AS TIMESTAMP)", ""
    per_unit = f"""SELECT p.known_at, p.key, m.id, m.metric, m.unit, m.area, m.period_start, m.period_end, m.period_label,
           m.value, m.recorded_at
    FROM (
        SELECT {row_moment} AS known_at,
               max({KEY}) AS key
        FROM {scan} m.period_start <= {max_start} AND ({where})
        -- Unit and period end enter the key as one hash: grouping on the two columns themselves costs a
        -- fifth more on ten million rows (bench/evaluate.py); the row itself is read back by its id.
        GROUP BY {group_key}m.metric, m.area, m.period_start, hash(m.unit, m.period_end)
    ) p JOIN measurement m ON m.id = CAST(p.key % {ID_BITS} AS BIGINT)"""
    if summary:
        if known is None:
            raise ValueError("the summary holds what is known now: one moment only")
        per_unit = f"""SELECT NULL AS known_at, m.key, m.id, m.metric, m.unit, m.area, m.period_start, m.period_end,
           m.period_label, m.value, m.recorded_at
    FROM {SUMMARY} m WHERE m.period_start <= {max_start} AND ({where})"""
    return f"""
knowns_used AS ({moments}),
choice AS (   -- the office's latest choice per metric/area/period, as known then
    SELECT k.known_at, f.metric, coalesce(f.area, '') AS area_k, f.period_start, f.unit
    FROM figure_choice f JOIN knowns_used k ON f.chosen_at <= k.known_at
    QUALIFY row_number() OVER (PARTITION BY k.known_at, f.metric, f.area, f.period_start
                               ORDER BY f.chosen_at DESC) = 1
),
per_unit AS MATERIALIZED (   -- each unit's latest figure per metric/area/period, as its row
    {per_unit}
),
eff AS MATERIALIZED (   -- the latest among the units whose figure counts
    SELECT {moment} AS known_at, p.id, p.metric, p.unit, p.area, p.period_start, p.period_end, p.period_label,
           p.value, p.recorded_at
    FROM per_unit p JOIN cat_metric c ON c.metric = p.metric
    LEFT JOIN choice ch ON ch.known_at = {moment} AND ch.metric = p.metric
                       AND ch.area_k = coalesce(p.area, '') AND ch.period_start = p.period_start
    WHERE CASE WHEN ch.unit IS NOT NULL THEN p.unit = ch.unit
               ELSE {counts_by_default("p.unit", "c.reporter", "p.area", "c.events")} END
    QUALIFY row_number() OVER (PARTITION BY p.metric, p.area, p.period_start, p.period_end{group_moment}
                               ORDER BY {PICK}) = 1
)"""


def _latest_rows(since_id: int, unique: bool = False) -> str:
    """Each unit's latest figure per metric/area/period among the measurements with id > since_id (`unique`:
    those rows hold one figure each already, and the window that picks the latest is left out)."""
    latest = "" if unique else f"QUALIFY row_number() OVER (PARTITION BY {_GROUP} ORDER BY {KEY} DESC) = 1"
    return f"""SELECT {KEY} AS key, m.id, m.metric, m.unit, m.area, m.period_start, m.period_end, m.period_label,
           m.value, m.recorded_at
    FROM measurement m WHERE m.id > {int(since_id)}
    {latest}"""


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    return tuple(con.execute("SELECT count(*), coalesce(max(id), 0) FROM measurement").fetchone())


def summary_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether latest_by_unit has seen exactly the measurements there are (checked from the table's counts,
    well under a millisecond): a stale summary is never read, the measurements are grouped instead."""
    mark = con.execute("SELECT rows, max_id FROM latest_by_unit_mark").fetchone()
    return mark is not None and tuple(mark) == _counts(con)


def refresh_summary(con: duckdb.DuckDBPyConnection, added_unique: bool = False) -> None:
    """Bring latest_by_unit up to the measurements, in the caller's transaction (a commit, the demo loader):
    the rows added since the mark merge into it; after anything else (rows deleted) it is rebuilt.
    added_unique: the rows added hold at most one figure per unit/metric/area/period (an upload, which refuses
    repeats): ranking them costs half a second per million rows, and is skipped.

    On PostgreSQL the summary lives in each process's replica and is refreshed when the replica loads the rows
    (tracker.bootstrap's derivation, under the replica's lock), not in a write's transaction: two sessions of one
    process committing at once would both rewrite it, and DuckDB refuses the second. Until then it is not fresh,
    and the transaction's own reads group the measurements (summary_fresh)."""
    if db.shared(con):
        return
    rows, max_id = _counts(con)
    mark = con.execute("SELECT rows, max_id FROM latest_by_unit_mark").fetchone()
    if mark is not None and tuple(mark) == (rows, max_id):
        return
    added_only = (
        mark is not None
        and max_id >= mark[1]
        and rows
        == mark[0] + con.execute("SELECT count(*) FROM measurement WHERE id > ?", [mark[1]]).fetchone()[0]
    )
    if added_only:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _latest_new AS {_latest_rows(mark[1], added_unique)}")
        same = """l.metric = n.metric AND l.area IS NOT DISTINCT FROM n.area AND l.period_start = n.period_start
                  AND l.unit = n.unit AND l.period_end = n.period_end"""
        con.execute(f"DELETE FROM {SUMMARY} l USING _latest_new n WHERE {same} AND l.key < n.key")
        con.execute(
            f"""INSERT INTO {SUMMARY} SELECT {_SUMMARY_COLUMNS} FROM _latest_new n
                WHERE NOT EXISTS (SELECT 1 FROM {SUMMARY} l WHERE {same})"""
        )
        con.execute("DROP TABLE _latest_new")
    else:
        con.execute(f"DELETE FROM {SUMMARY}")
        con.execute(f"INSERT INTO {SUMMARY} SELECT {_SUMMARY_COLUMNS} FROM ({_latest_rows(0)})")
    con.execute("DELETE FROM latest_by_unit_mark")
    con.execute("INSERT INTO latest_by_unit_mark VALUES (?, ?)", [rows, max_id])


def values_sql(where: str, select: str = "SELECT * EXCLUDE (known_at) FROM eff") -> str:
    """A query over `eff`, the values that count as known at $known (bind known(...)), narrowed by `where`."""
    return f"""WITH {ctes(where=where, known="CAST($known AS TIMESTAMP)")}
    {select}"""


def known(known_at: dt.datetime | None = None) -> dt.datetime:
    return known_at or FAR_FUTURE
