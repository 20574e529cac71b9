"""The office's choice of whose figure counts (「与报送单位数据不一致」), among those tracker.engine.figures shows.

The choice counts for that metric/area/period (audited); choosing the reporter again returns to the default. An
office action, so here and not in the engine (issue 25): it ends by syncing the acceptances.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from tracker import periods, text
from tracker.access import audit
from tracker.access.auth import SYSTEM, Actor
from tracker.access.service import service
from tracker.catalogue import Catalogue, catalogue
from tracker.db import transaction
from tracker.office.acceptance import resync
from tracker.strings.office import FIGURE


class FigureError(ValueError):
    """The choice cannot be made; the message says why, in Chinese."""


@service("choose", "choose_figure")
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
