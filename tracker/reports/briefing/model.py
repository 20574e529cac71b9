"""The briefing's numbers for an as-of date: one Briefing gathered from the engine — the evaluation, reporting
completeness, the rectification ledger, item acceptance and the inspections' findings as they stood on the date.
tracker.reports.briefing.document and .workbook only lay it out.

The charts are the overview's own (tracker.reports.charts) in their print look, rendered to PNG by kaleido in one
long-lived Chromium; where kaleido or a browser is missing the document goes out without them (Briefing.charts stays
empty and chart_note says why).
known_then (「按当时已知」, issue 8): the verdicts use only what had been recorded by the end of the as-of day, as a
phase-end briefing read at the time would have said.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from tracker.catalogue import Catalogue, Phase, catalogue
from tracker.engine import views
from tracker.engine.evaluate import Evaluation, evaluate, readiness_history
from tracker.engine.items import item_rows
from tracker.engine.reasons import fmt_value
from tracker.inspections import findings as inspection_findings
from tracker.office import acceptance, completeness, tasks
from tracker.reports.briefing import text
from tracker.reports.chart_images import RENDERER
from tracker.reports.charts import category_chart, png, trend_chart
from tracker.stored import is_demo
from tracker.strings import STATUS_LABEL
from tracker.strings.formats import pct
from tracker.strings.office import BRIEF, DEMO_MARK

Rendered = tuple[list[tuple[str, bytes]], str | None]  # the charts' (caption, PNG), or none and why


@dataclass
class Briefing:
    as_of: dt.date
    demo: bool
    title: str
    summary: dict
    items: pd.DataFrame  # one row per item, catalogue order
    metrics: pd.DataFrame  # one row per metric
    vetoes: pd.DataFrame  # item, title, metric, reason, unit
    units: pd.DataFrame  # ranking: unit, metrics, met, share_met, due, on_time, late, missing, on_time_rate
    late: pd.DataFrame  # late board (completeness.late_board)
    late_detail: pd.DataFrame  # every late or missing figure
    since: dt.date
    totals: dict  # due, on_time over every unit
    ledger: pd.DataFrame  # tasks as they stood
    overdue: pd.DataFrame
    acceptances: pd.DataFrame
    phase: Phase | None
    next_phase: Phase | None
    history: pd.DataFrame
    categories: dict[int, str]
    category_counts: pd.DataFrame = field(default_factory=pd.DataFrame)  # views.category_counts
    targets: pd.DataFrame = field(default_factory=pd.DataFrame)  # the phases' targets: end, target
    charts: list[tuple[str, bytes]] = field(default_factory=list)
    chart_note: str | None = None
    known_then: bool = False
    number: str = ""  # 文号, e.g. 扎创卫办〔2025〕12号; empty on a draft
    issue_no: str = ""  # 期数 as printed, e.g. 第3期
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)  # inspection findings as they stood
    inspection_vetoes: pd.DataFrame = field(default_factory=pd.DataFrame)  # open 暗访 否决风险 findings

    @property
    def readiness_text(self) -> str:
        s = self.summary
        return f"{s['met']}/{s['items']}（{pct(s['readiness'])}）"

    @property
    def late_units(self) -> list[str]:
        return list(self.late["unit"])


# ---------------------------------------------------------------- gathering


def _phases(cat: Catalogue, as_of: dt.date) -> tuple[Phase | None, Phase | None]:
    """The phase under way on the date (none before the first starts), and the next top-level phase with a target
    to start after it."""
    current = views.current_phase(cat, as_of)
    if current is not None and current.start > as_of:  # none under way: views names the next one to start
        current = None
    upcoming = [
        p for p in cat.phases if p.start > as_of and p.target_readiness is not None and p.parent is None
    ]
    return current, min(upcoming, key=lambda p: p.start, default=None)


def _item_rows(ev: Evaluation, cat: Catalogue, accepted: pd.DataFrame) -> pd.DataFrame:
    item_of = {m.code: m.item for m in cat.metrics}
    metrics = ev.metrics.assign(item=ev.metrics["metric"].map(item_of), met=ev.metrics["status"].eq("met"))
    reasons = metrics[~metrics["met"]].groupby("item")["reason"].agg("；".join)
    notes = {code: text.short_note(part) for code, part in metrics[~metrics["met"]].groupby("item")}
    out = item_rows(ev, cat).merge(
        accepted[["item", "accepted", "accepted_on", "withdrawn"]],
        on="item",
        how="left",
        validate="one_to_one",
    )
    out["accepted"] = out["accepted"].astype(bool)
    out["withdrawn"] = out["withdrawn"].astype(bool)
    out["reasons"] = [reasons.get(code, "") for code in out["item"]]
    out["note"] = [notes.get(code, "") for code in out["item"]]
    return out


def _vetoes(ev: Evaluation, cat: Catalogue) -> pd.DataFrame:
    """The failed veto metrics (views.veto_risks) with the unit reporting each, then the open 暗访 否决风险
    findings: the same verdict's other veto risks."""
    rows = [
        {"item": r.item, "title": r.title, "metric": r.metric, "reason": r.reason,
         "unit": cat.metric(r.metric).reporter}
        for r in views.veto_risks(ev, cat).itertuples(index=False)
    ]  # fmt: skip
    rows += [
        {"item": int(f.item), "title": cat.item(int(f.item)).title, "metric": None,
         "reason": text.visit_reason(f), "unit": f.unit}
        for f in ev.inspection_vetoes.itertuples(index=False)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["item", "title", "metric", "reason", "unit"])


def _ranking(ev: Evaluation, by_unit: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    out = completeness.ranking(ev, by_unit, cat)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def _metrics(ev: Evaluation, cat: Catalogue) -> pd.DataFrame:
    return ev.metrics.assign(
        name=ev.metrics["metric"].map(lambda c: cat.metric(c).name),
        item=ev.metrics["metric"].map(lambda c: cat.metric(c).item),
        reporter=ev.metrics["metric"].map(lambda c: cat.metric(c).reporter),
        shown=[
            fmt_value(v, cat.metric(c))
            for c, v in zip(ev.metrics["metric"], ev.metrics["value"], strict=True)
        ],
    )


def history_dates(cat: Catalogue, as_of: dt.date) -> list[dt.date]:
    """The month ends the briefing's readiness history is drawn at."""
    return views.month_ends(views.campaign_start(cat), as_of)


def build(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    cat: Catalogue | None = None,
    charts: bool = True,
    *,
    known_then: bool = False,
    number: str | None = None,
    issue_no: str | int | None = None,
    evaluation: Evaluation | None = None,
    history: pd.DataFrame | None = None,
    rendered: Rendered | None = None,
) -> Briefing:
    """Everything the briefing says, as of the date; known_then: as known at the end of that day.
    evaluation, history: the verdict as of the date and the readiness at each month's end, known_then alike,
    when the caller has them already (the app shares them per data generation); computed here otherwise.
    rendered: render_charts' answer for that same evaluation and history (the app draws it while the page is
    read), taken as it is instead of drawing the charts again."""
    if charts and rendered is None:
        RENDERER.warm()  # the browser starts while DuckDB gathers the figures
    cat = cat or catalogue()
    ev = evaluation or evaluate(con, as_of, cat, known_at=views.end_of(as_of) if known_then else None)
    demo = is_demo(con)
    since = completeness.default_since(as_of)
    by_unit = completeness.by_unit(con, as_of, since, cat)
    detail = completeness.obligations(con, as_of, since, cat)
    ledger = tasks.ledger(con, as_of)
    accepted = acceptance.acceptance_table(con, as_of, ev, cat)
    phase, next_phase = _phases(cat, as_of)
    start = views.campaign_start(cat)
    if as_of < start:
        history = pd.DataFrame()
    elif history is None:
        history = readiness_history(con, history_dates(cat, as_of), cat, known_then=known_then)
    b = Briefing(
        as_of=as_of,
        demo=demo,
        title=BRIEF["title"] + (DEMO_MARK if demo else ""),
        summary={**ev.summary, "accepted": int(accepted["accepted"].sum())},
        items=_item_rows(ev, cat, accepted),
        metrics=_metrics(ev, cat),
        vetoes=_vetoes(ev, cat),
        units=_ranking(ev, by_unit, cat),
        late=completeness.late_board(con, as_of, since, cat),
        late_detail=detail[detail["state"].isin(["late", "missing"])].reset_index(drop=True),
        since=since,
        totals={"due": int(by_unit["due"].sum()), "on_time": int(by_unit["on_time"].sum())},
        ledger=ledger,
        overdue=ledger[ledger["overdue"]].reset_index(drop=True),
        acceptances=accepted,
        phase=phase,
        next_phase=next_phase,
        history=history,
        categories=dict(cat.categories),
        category_counts=views.category_counts(ev, cat),
        targets=pd.DataFrame(
            [(p.end, p.target_readiness) for p in cat.phases if p.target_readiness is not None],
            columns=["end", "target"],
        ),
        known_then=known_then,
        number=(number or "").strip(),
        issue_no=text.issue_label(issue_no),
        findings=inspection_findings.findings(con, as_of),
        inspection_vetoes=ev.inspection_vetoes,
    )
    if rendered is not None:
        b.charts, b.chart_note = rendered
    elif charts:
        b.charts, b.chart_note = render_charts(b)
    return b


# ---------------------------------------------------------------- charts


def chart_figures(b: Briefing) -> list[tuple[str, object]]:
    """The overview's two charts in print: items per category by status, and readiness month by month."""
    label = STATUS_LABEL["zh"].__getitem__
    figures = [
        (
            BRIEF["chart_categories"],
            category_chart(b.category_counts, label, BRIEF["axis_items"], printed=True),
        )
    ]
    if len(b.history) > 1:
        h = b.history.sort_values("as_of")
        history = h.assign(as_of=pd.to_datetime(h["as_of"]))
        first = history["as_of"].min().date()
        targets = b.targets[[first <= end <= b.as_of for end in b.targets["end"]]]
        targets = targets.assign(end=[pd.Timestamp(end) for end in targets["end"]])
        names = (BRIEF["legend_actual"], BRIEF["legend_target"])
        figures.append(
            (
                BRIEF["chart_trend"],
                trend_chart(history, targets, names, BRIEF["axis_readiness"], printed=True),
            )
        )
    return figures


def render_charts(b: Briefing) -> Rendered:
    """PNG images of the charts, or none and the reason (kaleido missing, no browser to render with)."""
    try:
        import kaleido  # noqa: F401 — plotly's PNG export goes through it
    except ImportError:
        return [], BRIEF["no_kaleido"]
    figures = chart_figures(b)
    try:
        images = png([fig for _, fig in figures])
    except Exception as exc:  # noqa: BLE001 — any rendering failure leaves the charts out, never the briefing
        return [], BRIEF["charts_failed"].format(why=f"{type(exc).__name__}: {exc}")[:300]
    return [(caption, image) for (caption, _), image in zip(figures, images, strict=True)], None
