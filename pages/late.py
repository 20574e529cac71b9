"""迟报督办 — which unit owes which figure: reporting and on-time rates per unit, the late units first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import cached, office_web, reminder_web, session, tables, webapp
from tracker.config import settings
from tracker.engine.reasons import fmt_value
from tracker.office import completeness
from tracker.strings.formats import pct
from tracker.strings.ui import date_text, owed_text, period_word, t

actor = session.guard("late")

p = office_web.p
as_of = office_web.as_of()
con = webapp.cursor()
cat = webapp.cat()
since = completeness.default_since(as_of)
deadlines = settings()["deadline_days"]

st.title(p("late_title"))
st.caption(p("late_caption", date=date_text(as_of), since=date_text(since), **deadlines))

board = completeness.late_board(con, as_of, since, cat)
st.subheader(p("late_board"))
if board.empty:
    st.success(p("late_none"))
for r in board.itertuples(index=False):
    with st.container(border=True, key=f"late_{r.unit}"):
        st.markdown(
            p(
                "late_card",
                unit=r.unit,
                due=r.due,
                late=r.late,
                missing=r.missing,
                rate=pct(r.on_time_rate),
            )
        )
        if r.owed:
            st.caption(p("late_owed", what=t("reason_separator").join(map(owed_text, r.owed))))
# 「是」 answers waiting for the office's 核实: the office's backlog, listed apart from the units' lateness
backlog = completeness.pending_checks(webapp.evaluation(as_of), cat)
if not backlog.empty:
    st.subheader(p("backlog_header"))
    st.caption(p("backlog_caption"))
    for r in backlog.itertuples(index=False):
        st.page_link("pages/item.py", label=p("backlog_line", item=r.item, metric=r.metric, name=r.name, unit=r.unit),
                     query_params={"item": str(r.item)}, icon=":material/verified:")  # fmt: skip
reminder_web.board_download(as_of, since)
reminder_web.remind_block(
    actor, as_of, [u for u, n in zip(board["unit"], board["missing"], strict=True) if n]
)

st.subheader(p("late_rates"))
units = completeness.by_unit(con, as_of, since, cat)
tables.show(
    pd.DataFrame(
        {
            t("col.unit"): units["unit"],
            t("col.due"): units["due"],
            t("col.on_time"): units["on_time"],
            t("col.late"): units["late"],
            t("col.missing"): units["missing"],
            t("col.not_due"): units["not_due"],
            t("col.reporting_rate"): [pct(v) for v in units["reporting_rate"]],
            t("col.on_time_rate"): [pct(v) for v in units["on_time_rate"]],
        }
    ),
    hide_index=True,
    key="late_rates_table",
)

st.subheader(p("late_periods"))
unit = st.selectbox(p("late_unit_pick"), [p("all_units"), *units["unit"]], key="late_unit")
periods = completeness.by_unit_period(con, as_of, since, cat)
detail = completeness.obligations(con, as_of, since, cat)
if unit != p("all_units"):
    periods = periods[periods["unit"] == unit]
    detail = detail[detail["unit"] == unit]
tables.show(
    pd.DataFrame(
        {
            t("col.unit"): periods["unit"],
            t("col.period"): periods["period_label"],
            t("col.period_type"): periods["period"].map(period_word),
            t("col.deadline"): periods["deadline"],
            t("col.expected"): periods["expected"],
            t("col.received"): periods["received"],
            t("col.on_time"): periods["on_time"],
            t("col.late"): periods["late"],
            t("col.missing"): periods["missing"],
        }
    ),
    hide_index=True,
    key="late_periods_table",
)
with st.expander(p("late_detail")):
    owed = detail[detail["state"] != "on_time"]
    tables.show(
        pd.DataFrame(
            {
                t("col.unit"): owed["unit"],
                t("col.metric"): owed["metric"],
                t("col.metric_name"): owed["metric"].map(lambda c: cat.metric(c).name),
                t("col.period"): owed["period_label"],
                t("col.deadline"): owed["deadline"],
                t("col.received_at"): owed["received_at"],
                t("col.state"): owed["state"].map(lambda s: t(f"report_state.{s}")),
                t("col.days_late"): owed["days_late"],
            }
        ),
        hide_index=True,
        key="late_detail_table",
    )

# ---------------------------------------------------------------- figures that differ from the reporter's
st.subheader(p("differ_header"))
others = cached.other_figures([m.code for m in cat.metrics], as_of)
differing = others[others["differs"]]
if differing.empty:
    st.success(p("differ_none"))
for r in differing.itertuples(index=False):
    metric = cat.metric(r.metric)
    st.page_link(
        "pages/item.py",
        label=p(
            "differ_line",
            item=metric.item,
            metric=metric.code,
            name=metric.name,
            period=r.period_label + (f" {r.area}" if isinstance(r.area, str) else ""),
            unit=r.unit,
            value=fmt_value(r.value, metric),
            counting_unit=r.counting_unit if isinstance(r.counting_unit, str) else "—",
            counting=fmt_value(r.counting_value, metric),
        ),
        query_params={"item": str(metric.item)},
        icon=":material/difference:",
    )
