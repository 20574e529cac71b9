"""责任单位 — one unit: its items as lead and as co-responsible, the metrics it reports, what is due and what
is late, its submissions; then every unit ranked by share of metrics met and timeliness. ?unit=教育局."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import cached, session, state, tables, unit_sections, webapp
from tracker.engine import views
from tracker.strings import STATUS_COLOUR, ui
from tracker.strings.formats import pct
from tracker.strings.ui import t

actor = session.guard("unit")

cat = webapp.cat()
as_of = state.as_of()
options = views.unit_options(cat)

wanted = cat.resolve_unit(str(st.query_params.get("unit", ""))) if st.query_params.get("unit") else None
if wanted in options and st.session_state.get("unit_pick") != wanted:
    st.session_state["unit_pick"] = wanted
elif wanted is None and actor.unit in options and "unit_pick" not in st.session_state:
    st.session_state["unit_pick"] = actor.unit  # a reporter opens on its own unit


def _sync_query() -> None:
    st.query_params["unit"] = st.session_state["unit_pick"]


unit = st.selectbox(t("unit_pick"), options, key="unit_pick", on_change=_sync_query)
st.query_params["unit"] = unit
info = cat.units[unit]
ev = webapp.evaluation(as_of)
ranking = cached.ranking(ev, as_of)
mine = ranking[ranking["unit"] == unit]
due, late = views.unit_due_and_late(cached.obligations(as_of), cat, unit)

st.title(t("unit_title", unit=unit))
st.caption(
    "　·　".join(
        [t("unit_full_name", name=info.name)]
        + ([t("unit_contact", contact=info.contact)] if info.contact else [])
        + [t("as_of_caption", date=ui.date_text(as_of))]
    )
)

cols = st.columns(3)
if mine.empty:
    cols[0].metric(t("unit_metrics_met"), "—")
    cols[1].metric(t("unit_timeliness"), "—")
    cols[2].metric(t("unit_late_count"), 0)
else:
    r = mine.iloc[0]
    cols[0].metric(t("unit_metrics_met"), f"{r['met']}/{r['metrics']}")
    cols[1].metric(t("unit_timeliness"), pct(r["on_time_rate"]))
    cols[2].metric(t("unit_late_count"), int(r["missing"]))


def days_text(days_left: int, state: str) -> str:
    """「剩余 12 天」, 「今天截止」, 「逾期 280 天」 — never a negative count; a figure already sent: —."""
    if state in ("on_time", "late"):
        return "—"
    if days_left > 0:
        return t("days_left", n=int(days_left))
    return t("days_today") if days_left == 0 else t("days_overdue", n=-int(days_left))


def obligations_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("col_metric"): frame["metric"] + " " + frame["name"],
            t("col_area"): frame["area"].fillna(""),
            t("col_period"): frame["period_label"],
            t("col_due_date"): frame["deadline"].astype(str),
            t("col_days"): [days_text(d, s) for d, s in zip(frame["days_left"], frame["state"], strict=True)],
            t("col_state"): frame["state"].map(lambda s: t(f"state_{s}")),
        }
    )


# What the unit has to act on comes first (a reporter lands here): figures overdue, tasks, notices, refusals.
st.subheader(t("unit_late"))
if late.empty:
    st.success(t("unit_late_none"))
else:
    tables.show(obligations_frame(late), hide_index=True, key="late")
unit_sections.tasks_section(unit, as_of)
unit_sections.reminders_section(unit)
unit_sections.refused_section(cached.submissions(unit, as_of))


def items_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("col_code"): frame["item"],
            t("col_title"): frame["title"],
            t("col_status"): frame["status"].map(ui.status_label),
            t("col_metrics_met"): frame["metrics_met"].astype(str) + "/" + frame["metrics_total"].astype(str),
            t("col_lead"): frame["lead"],
            t("col_link"): "item?item=" + frame["item"].astype(str),
        }
    )


def show_items(title: str, frame: pd.DataFrame, key: str) -> None:
    st.subheader(title)
    if frame.empty:
        st.caption(t("unit_none"))
        return
    for row in frame[frame["status"] != "met"].itertuples(index=False):
        st.page_link(
            "pages/item.py",
            label=t(
                "item_with_status",
                item=t("item_title", code=row.item, title=row.title),
                status=ui.status_label(row.status),
            ),
            query_params={"item": str(row.item)},
            icon=":material/error:",
        )
    tables.show(
        items_frame(frame),
        hide_index=True,
        column_config={t("col_link"): st.column_config.LinkColumn(display_text=t("col_link"))},
        key=key,
    )


lead_items, co_items = views.unit_items(ev, cat, unit)
left, right = st.columns(2)
with left:
    show_items(t("unit_lead_items"), lead_items, "lead_items")
with right:
    show_items(t("unit_co_items"), co_items, "co_items")

st.subheader(t("unit_metrics"))
reported = views.unit_metrics(ev, cat, unit)
if reported.empty:
    st.caption(t("unit_no_metrics"))
else:
    tables.show(
        pd.DataFrame(
            {
                t("col_metric"): reported["metric"] + " " + reported["name"],
                t("col_status"): reported["status"].map(ui.status_label),
                t("col_period"): reported["period_label"].fillna("—"),
                t("col_reason"): reported[ui.reason_column()],
            }
        ),
        hide_index=True,
        key="unit_metrics",
    )


st.subheader(t("unit_due"))
if due.empty:
    st.caption(t("unit_due_none"))
else:
    tables.show(obligations_frame(due), hide_index=True, key="due")

st.subheader(t("unit_submissions"))
subs = cached.submissions(unit, as_of)
if subs.empty:
    st.caption(t("unit_submissions_none"))
else:
    tables.show(
        pd.DataFrame(
            {
                t("col_submitted_at"): subs["submitted_at"],
                t("col_file_name"): subs["file_name"],
                t("col_accepted"): subs["accepted"],
                t("col_refused"): subs["refused"],
                t("col_outcome"): subs["outcome"].map(ui.outcome_word),
            }
        ),
        hide_index=True,
        key="submissions",
    )

# ---------------------------------------------------------------- ranking of units
st.subheader(t("unit_ranking"))
days = views.deadline_days()
st.caption(t("unit_ranking_caption", year=days["year"], quarter=days["quarter"], month=days["month"]))
fig = go.Figure()
fig.add_bar(
    y=ranking["unit"],
    x=ranking["share_met"] * 100,
    orientation="h",
    name=t("col_share_met"),
    marker_color=STATUS_COLOUR["met"],
    hovertemplate="%{y}：%{x:.1f}%<extra></extra>",
)
fig.add_bar(
    y=ranking["unit"],
    x=ranking["on_time_rate"] * 100,
    orientation="h",
    name=t("col_timeliness"),
    marker_color="#7a8699",
    hovertemplate="%{y}：%{x:.1f}%<extra></extra>",
)
fig.update_layout(
    barmode="group",
    height=max(320, 34 * len(ranking)),
    margin={"l": 10, "r": 10, "t": 10, "b": 10},
    xaxis={"title": t("unit_ranking_axis"), "range": [0, 100]},
    yaxis={"autorange": "reversed"},
    legend={"orientation": "h", "y": -0.08},
)
st.plotly_chart(fig, key="ranking_chart")
tables.show(
    pd.DataFrame(
        {
            t("col_unit"): ranking["unit"],
            t("col_metrics_n"): ranking["metrics"],
            t("col_met_n"): ranking["met"],
            t("col_share_met"): ranking["share_met"].map(pct),
            t("col_due_n"): ranking["due"],
            t("col_on_time_n"): ranking["on_time"],
            t("col_late_n"): ranking["late"],
            t("col_missing_n"): ranking["missing"],
            t("col_timeliness"): ranking["on_time_rate"].map(pct),
            t("col_link"): "unit?unit=" + ranking["unit"],
        }
    ),
    hide_index=True,
    column_config={t("col_link"): st.column_config.LinkColumn(display_text=t("col_link"))},
    key="ranking",
)
