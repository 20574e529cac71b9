"""阶段 — the 45 items against the campaign's phases (status at each phase's end), and each phase's target
against the readiness actually reached."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import cached, session, state, tables, webapp
from app.tables import WRAPPING_ROWS, widths
from tracker.engine import views
from tracker.strings import STATUS_COLOUR, STATUSES, ui
from tracker.strings.formats import pct
from tracker.strings.ui import t

session.guard("phases")

cat = webapp.cat()
as_of = state.as_of()
st.title(t("phases_title"))
st.caption(t("as_of_caption", date=ui.date_text(as_of)))
known_then = state.known_then("phases_known_then")
matrix = cached.phase_matrix(as_of, known_then)
readiness = views.phase_readiness(matrix, cat).set_index("phase")
phases = {p.code: p for p in cat.phases}

# ---------------------------------------------------------------- targets against actual
st.subheader(t("phase_targets_header"))
rows = []
for p in cat.phases:
    r = readiness.loc[p.code]
    state = views.phase_state(p, as_of)
    reached = (
        None
        if pd.isna(r["readiness"]) or p.target_readiness is None
        else r["readiness"] >= p.target_readiness
    )
    rows.append(
        {
            t("col_phase"): f"{p.code} {p.name}",
            t("col_start"): str(p.start),
            t("col_end"): str(p.end),
            t("col_target_pct"): pct(p.target_readiness),
            t("col_actual_pct"): "—"
            if pd.isna(r["readiness"])
            else t("phase_actual", pct=pct(r["readiness"]), met=int(r["met"]), total=len(cat.items)),
            t("col_phase_state"): t(f"phase_{state}")
            if reached is None
            else t(
                "phase_state_reached",
                state=t(f"phase_{state}"),
                reached=t("phase_met" if reached else "phase_missed"),
            ),
            t("col_set_by"): t(f"set_by_{p.target_set_by}"),
            t("col_goal"): p.goal,
        }
    )
with st.container(key="phase_targets"):
    for p in cat.phases:
        r = readiness.loc[p.code]
        if not pd.isna(r["readiness"]):
            figures = t("phase_target_actual", target=pct(p.target_readiness), actual=pct(r["readiness"]))
            st.markdown(t("phase_line", phase=f"{p.code} {p.name}", figures=figures))
tables.show(
    pd.DataFrame(rows),
    hide_index=True,
    column_config=widths({t("col_phase"): "medium", t("col_goal"): "medium"}),
    row_height=WRAPPING_ROWS,
    key="phase_table",
)

names = [ui.wrap(f"{p.code} {p.name}", 7) for p in cat.phases]


def targets_chart() -> go.Figure:
    """Each phase's target beside the readiness reached at its end."""
    fig = go.Figure()
    fig.add_bar(
        x=names,
        y=[(p.target_readiness or 0) * 100 for p in cat.phases],
        name=t("chart_target"),
        marker_color="#b0b7c3",
        hovertemplate="%{x}：%{y:.0f}%<extra></extra>",
    )
    actual = [
        None if pd.isna(readiness.loc[p.code, "readiness"]) else readiness.loc[p.code, "readiness"] * 100
        for p in cat.phases
    ]
    fig.add_bar(
        x=names,
        y=actual,
        name=t("chart_actual"),
        marker_color=[
            STATUS_COLOUR["no_data"]
            if a is None
            else STATUS_COLOUR["met" if a >= (p.target_readiness or 0) * 100 - 1e-9 else "not_met"]
            for a, p in zip(actual, cat.phases, strict=True)
        ],
        text=[None if a is None else f"{a:.1f}%" for a in actual],
        textposition="outside",
        hovertemplate="%{x}：%{y:.1f}%<extra></extra>",
    )
    fig.update_layout(
        barmode="group",
        height=360,
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
        yaxis={"title": t("trend_axis_y"), "range": [0, 112]},
        legend={"orientation": "h", "y": 1.12},
        xaxis={"tickangle": 0},
    )
    return fig


# The charts are the same for every session at this generation, date and language: built once (cached.figure).
st.plotly_chart(cached.figure("phase_targets", (as_of, known_then), targets_chart), key="targets_chart")

# ---------------------------------------------------------------- heatmap
st.subheader(t("heatmap_header"))
st.caption(t("heatmap_caption"))


def heatmap() -> go.Figure:
    """Every item's status at each phase's end."""
    order = [*reversed(STATUSES), "future"]  # met … not_met, then not yet due
    index = {s: i for i, s in enumerate(order)}
    colours = [*(STATUS_COLOUR[s] for s in reversed(STATUSES)), "#ffffff"]
    scale = []
    for i, colour in enumerate(colours):
        scale += [[i / len(colours), colour], [(i + 1) / len(colours), colour]]
    in_time = views.phases_in_time_order(cat)
    wide = matrix.pivot(index="item", columns="phase", values="status").reindex(
        columns=[p.code for p in in_time]
    )
    labels = [t("item_title", code=c, title=cat.item(c).title) for c in wide.index]
    text = wide.map(lambda s: t("heatmap_future") if s == "future" else ui.status_label(s))
    fig = go.Figure(
        go.Heatmap(
            z=wide.map(index.__getitem__).to_numpy(),
            x=[ui.wrap(f"{p.code} {p.name}", 7) for p in in_time],
            y=labels,
            text=text.to_numpy(),
            customdata=text.to_numpy(),
            zmin=-0.5,
            zmax=len(colours) - 0.5,
            colorscale=scale,
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{y}<br>%{x}：%{customdata}<extra></extra>",
        )
    )
    for status in order:
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={
                "size": 12,
                "symbol": "square",
                "color": colours[index[status]],
                "line": {"color": "#999", "width": 1},
            },
            name=t("heatmap_future") if status == "future" else ui.status_label(status),
        )
    fig.update_layout(
        height=22 * len(labels) + 160,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        xaxis={"side": "top", "title": "", "tickangle": 0},
        yaxis={"autorange": "reversed", "title": ""},
        legend={"orientation": "h", "y": 0, "yanchor": "top", "x": 0, "xanchor": "left"},
        plot_bgcolor="white",
    )
    return fig


st.plotly_chart(cached.figure("phase_heatmap", (as_of, known_then), heatmap), key="heatmap")
