"""Data shaped for the dashboard pages, from an Evaluation, a readiness history and a few set-based queries;
reporting timeliness (due, late, on-time rates) comes from tracker.office.completeness.

Pages only draw: every figure they show comes from here (or from tracker.engine.progress). Functions take the
connection, the catalogue and dates explicitly so that tests can call them outside Streamlit.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from tracker.catalogue import Catalogue, Item, Phase, catalogue
from tracker.config import settings
from tracker.engine import answers, counting
from tracker.engine.catalogue_tables import use_catalogue
from tracker.engine.evaluate import Evaluation, evaluate, item_statuses
from tracker.engine.items import item_rows
from tracker.strings import STATUSES

# ---------------------------------------------------------------- dates


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def last_month_end(day: dt.date) -> dt.date:
    """The last day of the month before `day`'s: where 较上月 compares from."""
    return day.replace(day=1) - dt.timedelta(days=1)


def end_of(day: dt.date) -> dt.datetime:
    """The moment a day ends: what was known then is what had been recorded by it."""
    return dt.datetime.combine(day, dt.time.max)


def campaign_start(cat: Catalogue) -> dt.date:
    return min(p.start for p in cat.phases)


def month_ends(start: dt.date, as_of: dt.date) -> list[dt.date]:
    """Each month's end from start's month up to (not after) as_of, then as_of itself."""
    out, day = [], month_end(start)
    while day < as_of:
        out.append(day)
        day = month_end(day + dt.timedelta(days=1))
    out.append(as_of)
    return out


def trend_dates(cat: Catalogue, as_of: dt.date) -> list[dt.date]:
    """Dates for the readiness trend: month ends since the campaign began, the phase ends passed, as_of."""
    dates = set(month_ends(campaign_start(cat), as_of))
    dates.update(p.end for p in cat.phases if p.end <= as_of)
    return sorted(dates)


def current_phase(cat: Catalogue, as_of: dt.date) -> Phase | None:
    """The innermost phase containing as_of (a sub-phase before its parent), else the next one to start."""
    containing = [p for p in cat.phases if p.start <= as_of <= p.end]
    if containing:
        return min(containing, key=lambda p: (p.end - p.start, p.parent is None))
    upcoming = [p for p in cat.phases if p.start > as_of]
    return min(upcoming, key=lambda p: p.start) if upcoming else None


def phase_state(phase: Phase, as_of: dt.date) -> str:
    if phase.end <= as_of:
        return "done"
    return "current" if phase.start <= as_of else "future"


def phases_in_time_order(cat: Catalogue) -> list[Phase]:
    """The phases by the date they are judged at (their end), a sub-phase before the phase that holds it: the
    catalogue lists P3 before P3.1 and P3.2, and a heatmap in that order would seem to go back in time."""
    return sorted(cat.phases, key=lambda p: (p.end, -p.start.toordinal()))


def phase_eval_date(phase: Phase, as_of: dt.date) -> dt.date | None:
    """Where a phase is judged: its end once passed, as_of while it runs, not at all before it starts."""
    state = phase_state(phase, as_of)
    return phase.end if state == "done" else as_of if state == "current" else None


def once_per_evaluation(view: Callable[[Evaluation, Catalogue], pd.DataFrame]):
    """A view of an evaluation and the catalogue alone, computed once per Evaluation (Evaluation.derived): the
    app hands every session the same evaluation of a data generation and date, so they share its views too."""

    @functools.wraps(view)
    def once(ev: Evaluation, cat: Catalogue) -> pd.DataFrame:
        return ev.derived((view.__name__, id(cat)), lambda: view(ev, cat))

    return once


# ---------------------------------------------------------------- items and categories


@once_per_evaluation
def item_table(ev: Evaluation, cat: Catalogue) -> pd.DataFrame:
    """One row per item (items.item_rows): code, title, category and its name, lead, status, veto risk, metrics
    met/total and the reasons of its metrics not met (lists `reasons` and `reasons_en`): the substantive ones
    first (not met, then stale, no data, pending), in catalogue order within each; veto risks first, then worst
    status, then code."""
    rank = {s: i for i, s in enumerate(STATUSES)}
    order = {m.code: i for i, m in enumerate(cat.metrics)}
    failing = (
        ev.metrics[ev.metrics["status"] != "met"]
        .assign(
            item=lambda d: d["metric"].map({m.code: m.item for m in cat.metrics}),
            _rank=lambda d: d["status"].map(rank),
            _order=lambda d: d["metric"].map(order),
        )
        .sort_values(["item", "_rank", "_order"])
        .groupby("item")
    )
    reasons, reasons_en = failing["reason"].agg(list), failing["reason_en"].agg(list)
    out = item_rows(ev, cat)
    out.insert(3, "category_name", out["category"].map(cat.categories))
    out["reasons"] = [reasons.get(code, []) for code in out["item"]]
    out["reasons_en"] = [reasons_en.get(code, []) for code in out["item"]]
    return (
        out.assign(_rank=out["status"].map(rank))
        .sort_values(["veto_risk", "_rank", "item"], ascending=[False, True, True])
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


@once_per_evaluation
def veto_risks(ev: Evaluation, cat: Catalogue) -> pd.DataFrame:
    """Items at veto risk, with the reason of each failed veto metric."""
    from indicators.rules import REGISTRY

    items = set(ev.summary["veto_risks"])
    metrics = ev.metrics.assign(item=ev.metrics["metric"].map({m.code: m.item for m in cat.metrics}))
    failed = metrics[
        metrics["item"].isin(items)
        & metrics["metric"].map(lambda c: REGISTRY[cat.metric(c).kind].veto)
        & metrics["status"].eq("not_met")
    ]
    return pd.DataFrame(
        {
            "item": failed["item"].astype(int),
            "title": failed["item"].map(lambda c: cat.item(int(c)).title),
            "metric": failed["metric"],
            "reason": failed["reason"],
            "reason_en": failed["reason_en"],
        }
    ).reset_index(drop=True)


@once_per_evaluation
def category_counts(ev: Evaluation, cat: Catalogue) -> pd.DataFrame:
    """Items per category and status (every status, zeros included), in catalogue order."""
    category = {i.code: i.category for i in cat.items}
    counts = ev.items.assign(category=ev.items["item"].map(category)).groupby(["category", "status"]).size()
    rows = [
        {
            "category": code,
            "category_name": name,
            "status": status,
            "items": int(counts.get((code, status), 0)),
        }
        for code, name in cat.categories.items()
        for status in reversed(STATUSES)
    ]
    return pd.DataFrame(rows)


def trend_table(history: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """The readiness history as dates with met, items, readiness, and each phase's target at its end."""
    out = history[["as_of", "met", "items", "readiness", "veto_risks"]].copy()
    out["as_of"] = pd.to_datetime(out["as_of"]).dt.date
    targets = {p.end: p.target_readiness for p in cat.phases if p.target_readiness is not None}
    out["target"] = out["as_of"].map(targets)
    return out.sort_values("as_of").reset_index(drop=True)


def phase_table(cat: Catalogue, history: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Each phase: dates, goal, target, actual readiness (at its end, or at as_of while current), state."""
    by_date = {
        d: (int(m), float(r))
        for d, m, r in zip(
            pd.to_datetime(history["as_of"]).dt.date, history["met"], history["readiness"], strict=True
        )
    }
    rows = []
    for p in cat.phases:
        when = phase_eval_date(p, as_of)
        met, readiness = by_date.get(when, (None, None)) if when else (None, None)
        state = phase_state(p, as_of)
        rows.append(
            {
                "phase": p.code,
                "name": p.name,
                "parent": p.parent,
                "start": p.start,
                "end": p.end,
                "goal": p.goal,
                "target": p.target_readiness,
                "target_set_by": p.target_set_by,
                "set_by": p.set_by,
                "evaluated_at": when,
                "met": met,
                "actual": readiness,
                "state": state,
                "reached": None
                if readiness is None or p.target_readiness is None
                else readiness >= p.target_readiness - 1e-9,
            }
        )
    return pd.DataFrame(rows)


def phase_matrix(
    con: duckdb.DuckDBPyConnection, cat: Catalogue, as_of: dt.date, known_then: bool = False
) -> pd.DataFrame:
    """Item status at each phase's end (the current phase at as_of; future phases 'future'), long form:
    phase, item, status, veto_risk, evaluated_at. One item_statuses call over all the dates.
    known_then: each phase judged with what was known at its end (「按当时已知」), not with later corrections."""
    when = {p.code: phase_eval_date(p, as_of) for p in cat.phases}
    dates = sorted({d for d in when.values() if d is not None})
    folded = item_statuses(con, dates, cat, known_then=known_then) if dates else pd.DataFrame()
    if len(folded):
        folded["as_of"] = pd.to_datetime(folded["as_of"]).dt.date
        folded = folded.set_index(["as_of", "item"])
    rows = []
    for p in cat.phases:
        for item in cat.items:
            d = when[p.code]
            if d is None:
                rows.append((p.code, item.code, "future", False, None))
            else:
                r = folded.loc[(d, item.code)]
                rows.append((p.code, item.code, r["status"], bool(r["veto_risk"]), d))
    return pd.DataFrame(rows, columns=["phase", "item", "status", "veto_risk", "evaluated_at"])


def phase_readiness(matrix: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Items met per phase from the matrix (future phases have none)."""
    done = matrix[matrix["status"] != "future"]
    met = done.assign(met=done["status"].eq("met")).groupby("phase")["met"].sum()
    rows = []
    for p in cat.phases:
        m = int(met[p.code]) if p.code in met.index else None
        rows.append(
            {
                "phase": p.code,
                "met": m,
                "readiness": None if m is None else m / len(cat.items),
                "target": p.target_readiness,
            }
        )
    return pd.DataFrame(rows)


def changes(now: Evaluation, before: Evaluation, cat: Catalogue) -> pd.DataFrame:
    """Items whose status changed between two evaluations, with both statuses."""
    merged = now.items.merge(before.items, on="item", suffixes=("", "_before"))
    changed = merged[merged["status"] != merged["status_before"]]
    return pd.DataFrame(
        {
            "item": changed["item"].astype(int),
            "title": changed["item"].map(lambda c: cat.item(int(c)).title),
            "before": changed["status_before"],
            "after": changed["status"],
        }
    ).reset_index(drop=True)


# ---------------------------------------------------------------- the overview


@dataclass(frozen=True)
class Overview:
    """What the overview's head says: the verdict now and at last month's end as known then, the change of each
    count (this month's work is progress: a figure sent or a check made today is not last month's), the veto
    risks — failed veto metrics (vetoes) and open 暗访 否决风险 findings (visits), together summary["veto_risks"] —
    and the items whose status changed."""

    ev: Evaluation
    before: Evaluation
    summary: dict
    summary_before: dict
    deltas: dict[str, int]  # met and each status but met: now − at last month's end
    vetoes: pd.DataFrame
    visits: pd.DataFrame
    changes: pd.DataFrame


def overview(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    cat: Catalogue | None = None,
    evaluation: Callable[[dt.date, dt.datetime | None], Evaluation] | None = None,
) -> Overview:
    """The overview's data as of a date. `evaluation(day, known_at)`: where evaluations come from (the app passes
    its shared cache); the engine's evaluate by default."""
    cat = cat or catalogue()
    evaluation = evaluation or (lambda day, known_at: evaluate(con, day, cat, known_at=known_at))
    ev = evaluation(as_of, None)
    before_day = last_month_end(as_of)
    before = evaluation(before_day, end_of(before_day))
    summary, summary_before = ev.summary, before.summary
    counted = ("met", *(s for s in STATUSES if s != "met"))
    return Overview(
        ev=ev,
        before=before,
        summary=summary,
        summary_before=summary_before,
        deltas={s: summary[s] - summary_before[s] for s in counted},
        vetoes=veto_risks(ev, cat),
        visits=ev.inspection_vetoes,
        changes=changes(ev, before, cat),
    )


# ---------------------------------------------------------------- units


def lagging_units(ranking: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The units lagging most (rows of completeness.ranking): a metric not met for a reason of the unit's, or a
    figure not on time; worst first. A 「是」 waiting for the office's 核实 is the office's backlog, not the unit's
    lag (completeness.pending_checks)."""
    done = (ranking["met"] + ranking["pending"]) / ranking["metrics"]
    lag = ranking.assign(_d=done)[(done < 1) | (ranking["on_time_rate"].fillna(1) < 1)]
    return (
        lag.assign(_t=lag["on_time_rate"].fillna(1))
        .sort_values(["_d", "_t", "unit"])
        .drop(columns=["_d", "_t"])
        .head(n)
        .reset_index(drop=True)
    )


def unit_options(cat: Catalogue) -> list[str]:
    """Units named by the plan: those reporting metrics first, then the others, each in catalogue order."""
    reporters = {m.reporter for m in cat.metrics}
    named = {u for i in cat.items for u in i.units}
    ordered = [u for u in cat.units if u in reporters] + [u for u in cat.units if u in named - reporters]
    return ordered


def unit_items(ev: Evaluation, cat: Catalogue, unit: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The unit's items as lead and as co-responsible, with status (rows of item_table)."""
    table = item_table(ev, cat).sort_values("item")
    lead = [i.code for i in cat.items if i.lead == unit]
    co = [i.code for i in cat.items if unit in i.units[1:]]
    return (
        table[table["item"].isin(lead)].reset_index(drop=True),
        table[table["item"].isin(co)].reset_index(drop=True),
    )


def unit_metrics(ev: Evaluation, cat: Catalogue, unit: str) -> pd.DataFrame:
    """The metrics the unit reports, with status and reason."""
    codes = [m.code for m in cat.metrics if m.reporter == unit]
    out = ev.metrics[ev.metrics["metric"].isin(codes)][
        ["metric", "status", "period_label", "reason", "reason_en"]
    ].copy()
    out.insert(1, "name", out["metric"].map(lambda c: cat.metric(c).name))
    out.insert(1, "item", out["metric"].map(lambda c: cat.metric(c).item))
    return out.reset_index(drop=True)


def unit_due_and_late(
    obligations_df: pd.DataFrame, cat: Catalogue, unit: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(due, late) for a unit from completeness.obligations(per_area=True, current=True): due = what it sends
    next (per metric and area the earliest figure not received whose deadline is ahead), soonest first;
    late = missing, then sent late."""
    mine = obligations_df[obligations_df["unit"] == unit].copy()
    mine["name"] = mine["metric"].map(lambda c: cat.metric(c).name)
    cols = ["metric", "name", "area", "period_label", "deadline", "days_left", "state", "received_at"]
    due = mine[mine["next_due"]].sort_values(["deadline", "metric"])[cols]
    late = mine[mine["state"].isin(["missing", "late"])]
    late = late.assign(_o=late["state"].map({"missing": 0, "late": 1})).sort_values(
        ["_o", "deadline", "metric"]
    )
    return due.reset_index(drop=True), late[cols].reset_index(drop=True)


SUBMISSIONS_SQL = """
SELECT id, submitted_at, submitted_by, unit, file_name, accepted, refused, warned, outcome, message, is_demo
FROM submission
WHERE unit = $unit AND submitted_at < CAST($as_of AS DATE) + INTERVAL 1 DAY
ORDER BY submitted_at DESC, id DESC
LIMIT $limit
"""


def unit_submissions(
    con: duckdb.DuckDBPyConnection, unit: str, as_of: dt.date, limit: int = 200
) -> pd.DataFrame:
    """The unit's submissions up to as_of, newest first (without the file bytes)."""
    return con.execute(SUBMISSIONS_SQL, {"unit": unit, "as_of": as_of, "limit": limit}).df()


# ---------------------------------------------------------------- one item's metrics

# The office's check is matched by what was answered (metric/area/period/value), not by the row: an identical
# answer sent again shows as verified, an answer changed after the check does not (tracker.office.verification).
HISTORY_SQL = counting.values_sql(
    "m.metric IN (SELECT unnest($metrics)) AND m.period_end <= CAST($as_of AS DATE)",
    f"""SELECT e.id, e.metric, e.area, e.period_start, e.period_end, e.period_label, e.value, m.grade,
       m.note, m.evidence, e.recorded_at, e.unit, s.file_name, s.submitted_at, s.is_demo,
       v.verified_by, v.verified_at, v.verification_note
FROM eff e
JOIN measurement m ON m.id = e.id
LEFT JOIN submission s ON s.id = m.submission_id
LEFT JOIN ({answers.answers_sql(answers.REP)}) v ON v.id = e.id
ORDER BY e.metric, e.area, e.period_start""",
)


def metric_history(con: duckdb.DuckDBPyConnection, metrics: Sequence[str], as_of: dt.date) -> pd.DataFrame:
    """The value that counts per metric/area/period ended by as_of (the latest recorded), with its evidence,
    note, file and the office's verification: the series behind each chart on the item page."""
    cat = catalogue()
    use_catalogue(con, cat)
    checklist = [m for m in cat.metrics if m.code in set(metrics) and m.vtype.answer]
    params = {
        "metrics": list(metrics),
        "as_of": as_of,
        "known": counting.known(),
        **answers.rep_params(checklist),
    }
    out = con.execute(HISTORY_SQL, params).df()
    for col in ("period_start", "period_end"):
        out[col] = pd.to_datetime(out[col]).dt.date
    return out


def item_units(item: Item) -> tuple[str, list[str]]:
    """Lead unit and the others, in the plan's order."""
    return item.lead, list(item.units[1:])


def deadline_days() -> dict[str, int]:
    return dict(settings()["deadline_days"])
