"""Figures from units other than the designated reporter (「与报送单位数据不一致」) and the office's choice.

A listed unit may send a figure for a metric another unit reports (城管执法局 sending 住建局's 14.1). It is kept
and shown beside the reporter's, and counts only when the office chooses it for that metric/area/period
(audited); choosing the reporter again returns to the default. What counts is defined in tracker.engine.counting.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from tracker import logs, text
from tracker.access import audit
from tracker.access.auth import SYSTEM, Actor, require
from tracker.access.users import current_actor
from tracker.catalogue import Catalogue, catalogue
from tracker.db import transaction
from tracker.engine import counting, periods
from tracker.engine.catalogue_tables import use_catalogue
from tracker.office.acceptance import resync
from tracker.strings.office import FIGURE


class FigureError(ValueError):
    """The choice cannot be made; the message says why, in Chinese."""


def other_figures(
    con: duckdb.DuckDBPyConnection,
    metrics: list[str],
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    cat: Catalogue | None = None,
) -> pd.DataFrame:
    """Per metric/area/period ended by as_of, each other unit's latest figure beside the one that counts:
    metric, area, period_start, period_label, unit, value, counting_unit, counting_value, differs."""
    use_catalogue(con, cat or catalogue())
    known = known_at or counting.FAR_FUTURE
    return con.execute(
        f"""WITH {counting.ctes(known="CAST($known AS TIMESTAMP)")},
        sent AS (
            SELECT m.metric, m.area, m.period_start, m.unit,
                   max_by(struct_pack(v := m.value, label := m.period_label), (m.recorded_at, m.id)) AS s
            FROM measurement m
            WHERE m.metric IN (SELECT unnest($metrics)) AND m.period_end <= $as_of AND m.recorded_at <= $known
            GROUP BY ALL)
        SELECT p.metric, p.area, p.period_start, p.s.label AS period_label, p.unit, p.s.v AS value,
               e.unit AS counting_unit, e.value AS counting_value,
               e.value IS NULL OR abs(p.s.v - e.value) > 1e-9 AS differs
        FROM sent p
        LEFT JOIN eff e ON e.metric = p.metric AND e.area IS NOT DISTINCT FROM p.area
                       AND e.period_start = p.period_start
        WHERE p.unit IS DISTINCT FROM e.unit
        ORDER BY p.metric, p.period_start DESC, p.area, p.unit""",
        {"known": known, "metrics": list(metrics), "as_of": as_of},
    ).df()


@logs.service("choose")
def choose(
    con: duckdb.DuckDBPyConnection,
    metric: str,
    period: str | periods.Period,
    unit: str,
    *,
    actor: Actor = SYSTEM,
    note: str = "",
    area: str | None = None,
    now: dt.datetime | None = None,
    cat: Catalogue | None = None,
) -> None:
    """The office decides whose figure counts for metric/area/period: `unit` (another listed unit that sent
    one), or the designated reporter again. Audited with before and after."""
    actor = current_actor(con, actor)
    require(actor, "choose_figure")
    note = text.clean(note, "figure_note", FigureError)
    if not note:
        raise FigureError(FIGURE["need_note"])
    cat = cat or catalogue()
    m = cat.find_metric(metric)
    if m is None:
        raise FigureError(FIGURE["unknown_metric"].format(metric=metric))
    p = period if isinstance(period, periods.Period) else periods.parse(period)
    if p is None:
        raise FigureError(FIGURE["bad_period"].format(period=period))
    chosen = cat.resolve_unit(unit)
    if chosen is None or not cat.may_report(chosen, m):
        raise FigureError(FIGURE["not_listed"].format(unit=unit, metric=f"{m.code} {m.name}"))
    sent = con.execute(
        """SELECT count(*) FROM measurement WHERE metric = ? AND area IS NOT DISTINCT FROM ?
           AND period_start = ? AND unit = ?""",
        [m.code, area, p.start, chosen],
    ).fetchone()[0]
    if not sent:
        raise FigureError(
            FIGURE["no_figure"].format(unit=chosen, period=p.label, metric=f"{m.code} {m.name}")
        )
    before = con.execute(
        """SELECT unit FROM figure_choice WHERE metric = ? AND area IS NOT DISTINCT FROM ? AND period_start = ?
           ORDER BY chosen_at DESC LIMIT 1""",
        [m.code, area, p.start],
    ).fetchone()
    stored = None if chosen == m.reporter else chosen
    target = f"{m.code} {p.label}" + (f" {area}" if area else "")
    with transaction(con):
        con.execute(
            "INSERT INTO figure_choice VALUES (?, ?, ?, ?, ?, ?, ?)",
            [m.code, area, p.start, stored, actor.name, now or dt.datetime.now(), note or None],
        )
        audit.record(
            con,
            actor.name,
            "figure_choice",
            target,
            before={"unit": (before[0] if before and before[0] else m.reporter)},
            after={"unit": chosen},
            detail=note or None,
        )
    # The choice can change a status: withdraw an acceptance that no longer holds now, not on a page render.
    resync(con, actor)
