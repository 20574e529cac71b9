"""Templates per unit: exactly that unit's metrics and the periods due, as .xlsx or .csv.

The .xlsx has a title row, a frozen header, drop-down lists (the unit's metrics, the areas, the unit),
text-formatted 指标/期间 columns (so Excel does not turn 2023-06 into a date or 10.30 into 10.3), and an
instructions sheet with each metric's unit of measure, period type, scope and the figure to reach.
The .csv is UTF-8 with a BOM (Excel on Chinese Windows opens it without garbling) and the header first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from indicators.rules import REGISTRY
from indicators.value_types import figure
from tracker.catalogue import Catalogue, Metric, catalogue
from tracker.engine.due import owed
from tracker.periods import Period
from tracker.strings import PERIOD_WORD, SCOPE_WORD
from tracker.strings.upload import (
    TEMPLATE_HEADERS,
    TEMPLATE_HELP_HEADERS,
    TEMPLATE_HELP_SHEET,
    TEMPLATE_LISTS_SHEET,
    TEMPLATE_NOTES,
    TEMPLATE_REQUIREMENT_NONE,
    TEMPLATE_SHEET,
    TEMPLATE_TITLE,
)


def template_metrics(unit: str, cat: Catalogue | None = None) -> tuple[Metric, ...]:
    """The metrics a unit reports; a unit that reports none of its own gets those it may report."""
    cat = cat or catalogue()
    own = cat.metrics_reported_by(unit)
    return own or tuple(m for m in cat.metrics if cat.may_report(unit, m))


def due_period(period_type: str, today: dt.date) -> Period:
    """The period a template asks for: the figure owed next (tracker.engine.due.owed — the earliest period ended
    by `today` whose deadline has not passed, else the latest ended)."""
    return owed(period_type, today)


def requirement(metric: Metric, lang: str = "zh") -> str:
    """The figure to reach, as the rule kind states it: ≥90%, C级及以上, 是（创卫办核实）, 0起（近3年，含当年）…"""
    return metric.target.describe(lang) or TEMPLATE_REQUIREMENT_NONE


def example(metric: Metric) -> str:
    """A value that meets the rule, written as a clerk would type it."""
    return figure(REGISTRY[metric.kind].example(metric, 1.0), metric.unit, metric.value_type)


def template_rows(unit: str, today: dt.date | None = None, cat: Catalogue | None = None) -> list[list[str]]:
    """One row per metric (and area) with the period due, values left blank."""
    cat = cat or catalogue()
    today = today or dt.date.today()
    rows = []
    for m in template_metrics(unit, cat):
        period = due_period(m.period, today).label
        reporter = unit if unit != "创卫办" else m.reporter
        for area in m.areas if m.scope == "area" else ("",):
            rows.append([reporter, f"{m.code} {m.name}", area, period, "", "", "", "", ""])
    return rows


def template_csv(unit: str, today: dt.date | None = None) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    writer.writerows(template_rows(unit, today))
    return buf.getvalue().encode("utf-8-sig")


def template_xlsx(unit: str, today: dt.date | None = None) -> bytes:
    from tracker.files import SafeWorkbook  # the one writer: no string ever becomes a formula

    cat = catalogue()
    today = today or dt.date.today()
    metrics = template_metrics(unit, cat)
    rows = template_rows(unit, today, cat)
    periods = sorted({r[3] for r in rows})
    safe = SafeWorkbook()
    book = safe.book  # the template's own formats, merged title and drop-down lists on the safe writer's book
    title_fmt = book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    head_fmt = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"})
    text_fmt = book.add_format({"num_format": "@"})

    ws = safe.sheet(TEMPLATE_SHEET)
    ncols = len(TEMPLATE_HEADERS)
    ws.merge_range(
        0, 0, 0, ncols - 1, TEMPLATE_TITLE.format(unit=unit, periods="、".join(periods)), title_fmt
    )
    ws.set_row(0, 28)
    ws.write_row(1, 0, TEMPLATE_HEADERS, head_fmt)
    safe.printable(ws, header_rows=2)  # title and header on every printed page; the widths below stay
    for c, width in enumerate((14, 46, 14, 16, 10, 10, 10, 24, 24)):
        ws.set_column(c, c, width, text_fmt if c in (0, 1, 2, 3) else None)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if value:
                ws.write_string(r, c, value)

    lists = safe.sheet(TEMPLATE_LISTS_SHEET)
    units = [unit] if unit != "创卫办" else sorted(cat.units)
    labels = [f"{m.code} {m.name}" for m in metrics]
    areas = list(cat.areas())
    for c, values in enumerate((labels, areas, units)):
        lists.write_column(0, c, values)
    lists.hide()
    last = max(len(rows) + 200, 500)
    for col, idx, n in ((1, "A", len(labels)), (2, "B", len(areas)), (0, "C", len(units))):
        ws.data_validation(
            2,
            col,
            last,
            col,
            {
                "validate": "list",
                "source": f"='{TEMPLATE_LISTS_SHEET}'!${idx}$1:${idx}${max(n, 1)}",
                "error_type": "warning",
            },
        )

    # 填报说明 through the safe writer: 「=100%」 is a requirement, never a formula; columns fitted, notes wrapped
    info = safe.sheet(TEMPLATE_HELP_SHEET)
    safe.row(info, 0, TEMPLATE_HELP_HEADERS, safe.header)
    for r, m in enumerate(metrics, start=1):
        cells = [f"{m.code} {m.name}", m.unit, PERIOD_WORD["zh"][m.period], SCOPE_WORD["zh"][m.scope]]
        safe.row(info, r, [str(text) for text in [*cells, requirement(m), example(m)]])
    for i, note in enumerate(TEMPLATE_NOTES, start=len(metrics) + 3):
        safe.note(info, i, note, across=len(TEMPLATE_HELP_HEADERS))
    return safe.close()


def template(unit: str, suffix: str, today: dt.date | None = None) -> bytes:
    """A unit's template as .xlsx or .csv bytes (`unit`: canonical short name)."""
    return template_xlsx(unit, today) if suffix.lower().lstrip(".") == "xlsx" else template_csv(unit, today)
