"""总览 — the leaders' page: readiness, veto risks first, categories, trend, phases, lagging units,
changes since last month, and the progress of every item not yet met."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import cached, session, state, tables, webapp
from app.markup import plain
from tracker.engine import views
from tracker.engine.progress import item_progress
from tracker.engine.reasons import fmt_value
from tracker.office import completeness
from tracker.reports import charts
from tracker.strings import SHOWN_OP, STATUS_COLOUR, STATUSES, ui
from tracker.strings.formats import pct
from tracker.strings.ui import t, ti

session.guard("overview")

cat = webapp.cat()
as_of = state.as_of()
data = views.overview(webapp.cursor(), as_of, cat, webapp.evaluation)
ev, before, before_date = data.ev, data.before, data.before.as_of
summary, summary_before = data.summary, data.summary_before

st.title(t("overview_title"))
st.caption(t("as_of_caption", date=ui.date_text(as_of)))

# ---------------------------------------------------------------- readiness
with st.container(key="readiness"):
    st.markdown(
        "## "
        + t(
            "readiness_text",
            met=summary["met"],
            total=summary["items"],
            pct=100 * summary["met"] / summary["items"],
        )
    )


def _delta(n: int) -> str:
    """The change as a signed number; 「0」 is shown grey, without an arrow (Streamlit reads the string 「0」 so)."""
    return f"{n:+d}" if n else "0"


cols = st.columns(6)
cols[0].metric(
    t("readiness_label"),
    f"{summary['met']}/{summary['items']}",
    delta=_delta(data.deltas["met"]),
    delta_description=t("delta_since"),  # short: a metric cuts long text; the dates are in 较上月变化
)
for col, status in zip(cols[1:5], ("not_met", "stale", "no_data", "pending"), strict=True):
    col.metric(
        t(f"metric_{status}"),
        summary[status],
        delta=_delta(data.deltas[status]),
        delta_color="inverse",
    )
cols[5].metric(t("metric_veto"), len(summary["veto_risks"]))

# ---------------------------------------------------------------- veto risks first
st.subheader(t("veto_header"))
vetoes, visits = data.vetoes, data.visits  # failed veto metrics; open 暗访 否决风险 findings (issue 14)
if vetoes.empty and visits.empty:
    st.success(t("veto_none"))
for row in vetoes.itertuples(index=False):
    st.error(
        plain(t("veto_line", code=row.item, title=row.title, reason=getattr(row, ui.reason_column()))),
        icon=":material/gpp_bad:",
    )
    st.page_link("pages/item.py", label=t("open_item", code=row.item), query_params={"item": str(row.item)})
for row in visits.itertuples(index=False):
    st.error(plain(ti("overview_veto_line", item=row.item, title=cat.item(int(row.item)).title, site=row.site,
                street=row.street or "—", description=row.description, unit=row.unit)), icon=":material/gpp_bad:")  # fmt: skip
findings_now = cached.findings(as_of)
if not findings_now.empty:
    st.caption(ti("overview_findings", open=int(findings_now["status"].ne("closed").sum()),
                  overdue=int(findings_now["overdue"].sum())))  # fmt: skip
    st.page_link("pages/inspections.py", label=ti("open_page"), icon=":material/travel_explore:")

# ---------------------------------------------------------------- items not met, with progress
st.subheader(t("notmet_header"))
table = views.item_table(ev, cat)
open_items = table[table["status"] != "met"]
progress = cached.progress_table(as_of)
per_item = item_progress(progress).set_index("item")["progress"] if len(progress) else pd.Series(dtype=str)
phase = views.current_phase(cat, as_of)
if open_items.empty:
    st.success(t("notmet_none"))
else:
    st.caption(
        t(
            "notmet_caption",
            deadline=ui.date_text(phase.end) if phase else "—",
            phase=phase.name if phase else "—",
        )
    )

    def _note(r) -> str:
        return ui.progress_note(r.note, kind=ui.kind_label(r.kind)) if isinstance(r.note, str) else ""

    def _item_progress(code: int) -> str:
        category = per_item.get(code, "not_assessable")
        if category != "not_assessable":
            return ui.progress_label(category)
        notes = [_note(r) for r in progress[progress["item"] == code].itertuples(index=False)]
        return (
            t("with_note", text=ui.progress_label(category), note=notes[0])
            if notes and notes[0]
            else ui.progress_label(category)
        )

    for row in open_items.itertuples(index=False):
        c1, c2, c3 = st.columns([6, 1.8, 1.2], vertical_alignment="center")
        c1.markdown(
            f"{ui.badge(row.status)} **{t('item_title', code=row.item, title=row.title)}** "
            f"<span style='color:#666'>{plain(ui.reasons_text(getattr(row, ui.reasons_column())))}</span>",
            unsafe_allow_html=True,
        )
        c2.markdown(_item_progress(row.item))
        c3.page_link(
            "pages/item.py", label=t("open_item", code=row.item), query_params={"item": str(row.item)}
        )

    def _target(r) -> str:
        if r.method != "target":
            return "—"
        return f"{SHOWN_OP.get(r.op, r.op)} {fmt_value(r.target, cat.metric(r.metric))}"

    with st.container(key="progress"):
        for r in progress[progress["category"] != "not_assessable"].itertuples(index=False):
            metric = cat.metric(r.metric)
            parts = {
                "metric": t("with_note", text=f"{r.metric} {metric.name}", note=r.area)
                if isinstance(r.area, str)
                else f"{r.metric} {metric.name}",
                "base": t("with_note", text=fmt_value(r.base, metric), note=r.base_period),
                "latest": t("with_note", text=fmt_value(r.latest, metric), note=r.latest_period),
                "progress": ui.progress_label(r.category),
            }
            if r.method == "trend":
                line = t("progress_line_trend", growth=ui.fmt_growth(r.ratio), **parts)
            else:
                line = t(
                    "progress_line",
                    observed=ui.fmt_rate(r.observed, metric.unit),
                    target=_target(r),
                    deadline=ui.date_text(r.deadline),
                    needed=ui.fmt_rate(r.needed, metric.unit),
                    ratio=f"{r.ratio:.2f}",
                    **parts,
                )
            st.markdown(f"- {line}")
    with st.expander(t("progress_method_title")):
        st.markdown(t("progress_method"))


# ---------------------------------------------------------------- categories and lagging units
def category_chart() -> go.Figure:
    """Items per category, stacked by status."""
    counts = views.category_counts(ev, cat)
    return charts.category_chart(
        counts, ui.status_label, t("category_axis"), legend_title=t("category_legend")
    )


left, right = st.columns([3, 2])
with left:
    st.subheader(t("category_header"))
    # The three charts are the same for every session at this generation, date, toggle and language: built once
    # (cached.figure), as on the phase page, and not changed afterwards (one object for every session).
    st.plotly_chart(cached.figure("overview_categories", (as_of,), category_chart), key="category_chart")
with right:
    st.subheader(t("lagging_header"))
    ranking = cached.ranking(ev, as_of)
    lagging = views.lagging_units(ranking)
    if lagging.empty:
        st.success(t("lagging_none"))
    for row in lagging.itertuples(index=False):
        # The unit as the link, its figures beneath: a link's label is cut to one line in a narrow column.
        st.page_link(
            "pages/unit.py", label=row.unit, query_params={"unit": row.unit}, icon=":material/warning:"
        )
        st.caption(t("lagging_line", met=row.met, total=row.metrics, timely=pct(row.on_time_rate)))
    # 「是」 answers waiting for the office's 核实: the office's own backlog, never a unit's lag
    backlog = completeness.pending_checks(ev, cat)
    if not backlog.empty:
        st.caption(
            t("office_backlog", n=len(backlog), units=t("reason_separator").join(backlog["unit"].unique()))
        )

# ---------------------------------------------------------------- trend and phases
known_then = state.known_then("overview_known_then")


def trend_and_phases() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Readiness at each month's end of the last five years, and each phase's target against it."""
    readiness = webapp.history(views.trend_dates(cat, as_of), known_then)
    return views.trend_table(readiness, cat), views.phase_table(cat, readiness, as_of)


def trend_chart() -> go.Figure:
    """Readiness month by month, with the targets of the phases begun."""
    history, phases = trend_and_phases()
    targets = phases[phases["target"].notna() & (phases["state"] != "future")]
    return charts.trend_chart(
        history,
        targets.assign(label=targets["phase"] + " " + targets["name"]),
        (t("trend_actual"), t("trend_target")),
        t("trend_axis_y"),
        axis_x=t("trend_axis_x"),
    )


def timeline_chart() -> go.Figure:
    """The phases on a time line, coloured by whether their target was reached, with today's date."""
    _, phases = trend_and_phases()
    fig = go.Figure()
    for row in phases.itertuples(index=False):
        if row.state == "future":
            colour, opacity = STATUS_COLOUR["no_data"], 0.6
        else:
            colour = STATUS_COLOUR["met" if row.reached else "not_met"]
            opacity = 1.0 if row.state == "done" else 0.6
        label = t(
            "phase_target_actual",
            target=pct(row.target),
            actual=pct(row.actual),
        )
        name = f"{row.phase} {row.name}"
        fig.add_bar(
            y=[f"{name}<br><span style='font-size:11px'>{label}</span>"],
            x=[
                (pd.Timestamp(row.end) + pd.Timedelta(days=1) - pd.Timestamp(row.start))
                / pd.Timedelta(milliseconds=1)
            ],
            base=[pd.Timestamp(row.start)],
            orientation="h",
            marker={"color": colour, "opacity": opacity},
            showlegend=False,
            hovertemplate=f"{name}<br>{row.start} – {row.end}<br>{label}<extra></extra>",
        )
    fig.update_xaxes(type="date", tickformat="%Y")
    today = pd.Timestamp(as_of)
    fig.add_shape(
        type="line", x0=today, x1=today, y0=0, y1=1, yref="paper", line={"color": "#333", "dash": "dash"}
    )
    fig.add_annotation(
        x=today, y=1, yref="paper", text=t("timeline_today"), showarrow=False, yanchor="bottom"
    )
    fig.update_layout(
        height=400,
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
        yaxis={"autorange": "reversed", "title": ""},
        xaxis_title="",
        uniformtext={"minsize": 9, "mode": "hide"},
    )
    return fig


left, right = st.columns(2)
with left:
    st.subheader(t("trend_header"))
    st.plotly_chart(cached.figure("overview_trend", (as_of, known_then), trend_chart), key="trend_chart")
with right:
    st.subheader(t("timeline_header"))
    st.plotly_chart(
        cached.figure("overview_timeline", (as_of, known_then), timeline_chart), key="timeline_chart"
    )

# ---------------------------------------------------------------- changes since last month
st.subheader(t("changes_header", before=ui.date_text(before_date), after=ui.date_text(as_of)))
changed = data.changes
st.markdown(t("changes_readiness", before=summary_before["met"], after=summary["met"]))
if changed.empty:
    st.info(t("changes_none"))
for row in changed.itertuples(index=False):
    st.markdown(
        f"- {t('changes_line', code=row.item, title=row.title, before=ui.badge(row.before), after=ui.badge(row.after))}",
        unsafe_allow_html=True,
    )

# ---------------------------------------------------------------- all items
st.subheader(t("all_items_header"))
shown = pd.DataFrame(
    {
        t("col_code"): table["item"],
        t("col_title"): table["title"],
        t("col_category"): table["category_name"],
        t("col_lead"): table["lead"],
        t("col_status"): table["status"].map(ui.status_label),
        t("col_veto"): table["veto_risk"],
        t("col_metrics_met"): table["metrics_met"].astype(str) + "/" + table["metrics_total"].astype(str),
        t("col_link"): "item?item=" + table["item"].astype(str),
    }
)
tables.show(
    shown.style.map(
        lambda v: (
            f"color: {STATUS_COLOUR[_s]}; font-weight: 600"
            if (_s := {ui.status_label(s): s for s in STATUSES}.get(v))
            else ""
        ),
        subset=[t("col_status")],
    ),
    hide_index=True,
    column_config={t("col_link"): st.column_config.LinkColumn(display_text=t("col_link"))},
    height=35 * (len(shown) + 1) + 3,
    key="items_table",
)
