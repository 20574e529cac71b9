"""The overview's two charts — items per category by status, readiness month by month against the phases' targets —
built here once, in two looks: for the screen (pages/overview.py: hover text, Streamlit's size) and for print (the
briefing's PNG: a CJK font, counts on the bars, the legend above the plot, a 0–100% axis). `png` renders print
figures through the one long-lived browser (tracker.reports.chart_images).

plotly is imported when a chart is drawn, not when this module is: the CLI and a briefing without charts do not
pay for it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from tracker.reports.chart_images import RENDERER
from tracker.strings import STATUS_COLOUR, STATUSES

if TYPE_CHECKING:
    import plotly.graph_objects as go

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, SimHei, sans-serif"
FONT_SIZE = 16
WIDTH, HEIGHT, SCALE = 760, 420, 2  # print: px at 1x; printed 15.5 cm wide
# In print the legend sits above the plot: below it, it met the x axis's title and the rotated month labels (issue 13).
LEGEND_ON_TOP = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"}


# Margins in print are set from the labels, not left to automargin alone: a renderer measuring with a fallback font
# before the CJK one is loaded cut a category name to one character (issue 13), 图2's y-axis title and ticks to
# 「%」 and put 图1's 「项目数」 on the x axis's ticks (issue 24). automargin stays on: it may only add room.
LINE = 1.3  # a line of text is about 1.3 font sizes tall
GAP = 10  # px between an edge, a title, the tick labels and the axis


def text_px(text: str, font_size: int) -> float:
    """How wide a label draws: a CJK character about one font size, any other character about 0.6 of one."""
    return sum(font_size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * font_size for ch in text)


def axis_room(ticks: list[str], title: str | None, font_size: int, *, beside: bool) -> int:
    """The margin an axis needs for its tick labels and its title: beside a vertical axis the widest label,
    beneath a horizontal one a line; then the title's line (a vertical axis's title is turned on its side)."""
    labels = max(text_px(t, font_size) for t in ticks) if beside else font_size * LINE
    return int(GAP + labels + GAP + (font_size * LINE + GAP if title else 0))


def month_ticks(first: dt.date, last: dt.date) -> dict:
    """One tick per month, quarter or year depending on the span, never two ticks with the same label."""
    months = (last.year - first.year) * 12 + last.month - first.month
    if months <= 12:
        return {"dtick": "M1", "tickformat": "%Y年%-m月"}
    if months <= 36:
        return {"dtick": "M3", "tickformat": "%Y年%-m月"}
    return {"dtick": "M12", "tickformat": "%Y年"}


def category_chart(
    counts: pd.DataFrame,
    label: Callable[[str], str],
    axis_title: str,
    *,
    legend_title: str | None = None,
    printed: bool = False,
) -> go.Figure:
    """Items per category, stacked by status. counts: views.category_counts (category_name, status, items);
    label: a status in words."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for status in reversed(STATUSES):
        part = counts[counts["status"] == status]
        bar = {"y": part["category_name"], "x": part["items"], "name": label(status), "orientation": "h",
               "marker_color": STATUS_COLOUR[status]}  # fmt: skip
        if printed:
            bar.update(text=[str(v) if v else "" for v in part["items"]], textposition="inside")
        else:
            bar["hovertemplate"] = "%{y}：%{x}<extra>" + label(status) + "</extra>"
        fig.add_bar(**bar)
    if not printed:
        fig.update_layout(
            barmode="stack",
            height=330,
            margin={"l": 10, "r": 10, "t": 10, "b": 10},
            xaxis_title=axis_title,
            yaxis={"autorange": "reversed"},
            legend={"orientation": "h", "y": -0.25, "title": legend_title},
        )
        return fig
    names = list(dict.fromkeys(counts["category_name"]))
    fig.update_layout(
        barmode="stack",
        font={"family": FONT, "size": FONT_SIZE},
        yaxis={"autorange": "reversed", "automargin": True, "tickmode": "array", "tickvals": names,
               "ticktext": names},
        xaxis={"title": {"text": axis_title}, "dtick": 1, "rangemode": "tozero", "automargin": True},
        legend={**LEGEND_ON_TOP, "traceorder": "normal"},  # in the bars' order, 达标 first (stacks default to reversed)
        margin={"l": axis_room(names, None, FONT_SIZE, beside=True), "r": 20, "t": 50,
                "b": axis_room(["0"], axis_title, FONT_SIZE, beside=False)},
        plot_bgcolor="white",
    )  # fmt: skip
    return fig


def trend_chart(
    history: pd.DataFrame,
    targets: pd.DataFrame,
    names: tuple[str, str],
    axis_y: str,
    *,
    axis_x: str | None = None,
    printed: bool = False,
) -> go.Figure:
    """Readiness at each date (history: as_of, readiness 0..1, met, items) and the phases' targets (targets: end,
    target 0..1, label; none drawn in print when there are none). names: the two series' names."""
    import plotly.graph_objects as go

    fig = go.Figure()
    actual, target = names
    if not printed:
        fig.add_scatter(
            x=history["as_of"],
            y=history["readiness"] * 100,
            mode="lines+markers",
            name=actual,
            line={"color": STATUS_COLOUR["met"]},
            customdata=history[["met", "items"]],
            hovertemplate="%{x|%Y-%m-%d}：%{y:.1f}%（%{customdata[0]}/%{customdata[1]}）<extra></extra>",
        )
        fig.add_scatter(
            x=targets["end"],
            y=targets["target"] * 100,
            mode="markers",
            name=target,
            text=targets["label"],
            marker={"symbol": "diamond", "size": 10, "color": "#555"},
            hovertemplate="%{text}：%{y:.0f}%<extra></extra>",
        )
        fig.update_layout(
            height=340,
            margin={"l": 10, "r": 10, "t": 10, "b": 10},
            xaxis={"title": axis_x, "tickformat": "%Y-%m"},
            yaxis={"title": axis_y, "range": [0, 105]},
            legend={"orientation": "h", "y": -0.25},
        )
        return fig
    fig.add_scatter(
        x=history["as_of"],
        y=history["readiness"],
        mode="lines+markers",
        name=actual,
        line={"color": STATUS_COLOUR["met"], "width": 3},
    )
    if len(targets):
        fig.add_scatter(
            x=list(targets["end"]),
            y=list(targets["target"]),
            mode="markers",
            name=target,
            marker={"symbol": "diamond", "size": 12, "color": "#555"},
            cliponaxis=False,  # a 100% target sits on the top edge: show the whole diamond
        )
    ticks = [i / 5 for i in range(6)]
    first, last = history["as_of"].min().date(), history["as_of"].max().date()
    months = month_ticks(first, last)
    widest_month = dt.date(last.year, 12, 1).strftime(months["tickformat"].replace("%-m", "%m"))
    fig.update_layout(
        font={"family": FONT, "size": FONT_SIZE},
        # readiness is a share: the axis runs 0–100% whatever the data, so a flat start is not read as "no axis"
        yaxis={"title": {"text": axis_y}, "range": [0, 1], "tickmode": "array", "tickvals": ticks,
               "tickformat": ".0%", "gridcolor": "#ddd", "zeroline": True, "zerolinecolor": "#999",
               "automargin": True},
        xaxis={**months, "gridcolor": "#eee", "automargin": True},
        legend=LEGEND_ON_TOP,
        # the last month's label is centred on the right edge of the plot: half of it needs room beyond
        margin={"l": axis_room(["100%"], axis_y, FONT_SIZE, beside=True), "t": 50,
                "r": int(text_px(widest_month, FONT_SIZE) / 2) + GAP,
                "b": axis_room([widest_month], None, FONT_SIZE, beside=False)},
        plot_bgcolor="white",
    )  # fmt: skip
    return fig


def png(figures: list) -> list[bytes]:
    """Print figures as PNG images at the printed size (raises when no browser can render them)."""
    return RENDERER.render(figures, WIDTH, HEIGHT, SCALE)
