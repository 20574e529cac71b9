"""The briefing (通报) for an as-of date: a .docx laid out as a Chinese official document and an .xlsx workbook.

build() gathers everything from the engine — the evaluation, reporting completeness, the rectification ledger and
item acceptance as they stood on the date — into one Briefing; to_docx() and to_xlsx() only lay it out.
Charts are drawn with plotly and rendered to PNG by kaleido in one long-lived Chromium (tracker.office.chart_images);
where kaleido or a browser is missing the document goes out without them (Briefing.charts stays empty and says why).
known_then (「按当时已知」, issue 8): the verdicts use only what had been recorded by the end of the as-of day, as a
phase-end briefing read at the time would have said.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from indicators.rules import REGISTRY
from tracker.catalogue import Catalogue, Phase, catalogue
from tracker.engine.evaluate import Evaluation, evaluate, readiness_history
from tracker.engine.items import item_rows
from tracker.engine.reasons import fmt_value
from tracker.files import SafeWorkbook
from tracker.inspections import findings as inspection_findings
from tracker.inspections import views as inspection_views
from tracker.office import acceptance, completeness, tasks
from tracker.office.chart_images import RENDERER
from tracker.stored import is_demo
from tracker.strings import STATUS_COLOUR, STATUS_LABEL, STATUSES
from tracker.strings.office import (
    BRIEF,
    COLUMNS,
    DEMO_MARK,
    NO,
    OFFICE_NAME,
    REPORT_STATE,
    SHEETS,
    SUMMARY_ROWS,
    TASK_STATUS,
    YES,
)
from tracker.text import xml_safe

LABEL = STATUS_LABEL["zh"]
CN_NUMBERS = "一二三四五六七八九十"


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def pct(value: float | None) -> str:
    return "—" if value is None or value != value else f"{value * 100:.1f}%"


@dataclass
class Briefing:
    as_of: dt.date
    demo: bool
    title: str
    summary: dict
    items: pd.DataFrame  # one row per item, catalogue order
    metrics: pd.DataFrame  # one row per metric
    vetoes: pd.DataFrame  # item, title, metric, reason
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
    """The innermost phase containing the date, and the next phase with a target after it."""
    containing = [p for p in cat.phases if p.start <= as_of <= p.end]
    current = min(containing, key=lambda p: (p.end - p.start, p.parent is None)) if containing else None
    later = [p for p in cat.phases if p.end > as_of and p.target_readiness is not None and p.parent is None]
    upcoming = [p for p in later if p is not current and p.start > as_of]
    return current, (min(upcoming, key=lambda p: p.start) if upcoming else None)


def _month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    out, year, month = [], start.year, start.month
    while True:
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        day = nxt - dt.timedelta(days=1)
        if day >= end:
            break
        out.append(day)
        year, month = nxt.year, nxt.month
    return [*out, end]


def _item_rows(ev: Evaluation, cat: Catalogue, accepted: pd.DataFrame) -> pd.DataFrame:
    item_of = {m.code: m.item for m in cat.metrics}
    metrics = ev.metrics.assign(item=ev.metrics["metric"].map(item_of), met=ev.metrics["status"].eq("met"))
    reasons = metrics[~metrics["met"]].groupby("item")["reason"].agg("；".join)
    notes = {code: _short_note(part) for code, part in metrics[~metrics["met"]].groupby("item")}
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


def _short_note(part: pd.DataFrame) -> str:
    """What a leader reads in an item's row: every failure in full, the other gaps counted with their codes."""
    failed = part.loc[part["status"] == "not_met", "reason"].tolist()
    others = [
        BRIEF["note_others"].format(n=len(codes), status=LABEL[status], codes="、".join(codes))
        for status in ("stale", "no_data", "pending")
        if (codes := part.loc[part["status"] == status, "metric"].tolist())
    ]
    if failed and others:
        others[0] = BRIEF["note_also"] + others[0]
    return "；".join(failed + others)


def _vetoes(ev: Evaluation, cat: Catalogue) -> pd.DataFrame:
    items = set(ev.summary["veto_risks"])
    rows = [
        {
            "item": m.item,
            "title": cat.item(m.item).title,
            "metric": m.code,
            "reason": r.reason,
            "unit": m.reporter,
        }
        for r in ev.metrics.itertuples(index=False)
        if (m := cat.metric(r.metric)).item in items and REGISTRY[m.kind].veto and r.status == "not_met"
    ]
    rows += [  # the open 暗访 否决风险 findings: the same verdict's other veto risks
        {
            "item": int(f.item),
            "title": cat.item(int(f.item)).title,
            "metric": None,
            "reason": BRIEF["veto_visit"].format(
                site=f.site, street=f.street or "—", description=f.description.rstrip("。"), unit=f.unit
            ),
            "unit": f.unit,
        }
        for f in ev.inspection_vetoes.itertuples(index=False)
    ]
    return pd.DataFrame(rows, columns=["item", "title", "metric", "reason", "unit"])


def _ranking(ev: Evaluation, by_unit: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    out = completeness.ranking(ev, by_unit, cat)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def issue_label(issue_no: str | int | None) -> str:
    """期数 as printed: 「3」 → 「第3期」; anything else the office typed (「2025年第3期」) as it is."""
    text = str(issue_no or "").strip().translate(FULL_WIDTH_DIGITS)
    return BRIEF["issue_no"].format(n=int(text)) if text.isdigit() else text


def build(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    cat: Catalogue | None = None,
    charts: bool = True,
    *,
    known_then: bool = False,
    number: str | None = None,
    issue_no: str | int | None = None,
) -> Briefing:
    """Everything the briefing says, as of the date; known_then: as known at the end of that day."""
    if charts:
        RENDERER.warm()  # the browser starts while DuckDB gathers the figures
    cat = cat or catalogue()
    known_at = dt.datetime.combine(as_of, dt.time.max) if known_then else None
    ev = evaluate(con, as_of, cat, known_at=known_at)
    demo = is_demo(con)
    since = completeness.default_since(as_of)
    by_unit = completeness.by_unit(con, as_of, since, cat)
    detail = completeness.obligations(con, as_of, since, cat)
    late_detail = detail[detail["state"].isin(["late", "missing"])].reset_index(drop=True)
    ledger = tasks.ledger(con, as_of)
    accepted = acceptance.acceptance_table(con, as_of, ev, cat)
    phase, next_phase = _phases(cat, as_of)
    start = min(p.start for p in cat.phases)
    history = (
        readiness_history(con, _month_ends(start, as_of), cat, known_then=known_then)
        if as_of >= start
        else pd.DataFrame()
    )
    metrics = ev.metrics.assign(
        name=ev.metrics["metric"].map(lambda c: cat.metric(c).name),
        item=ev.metrics["metric"].map(lambda c: cat.metric(c).item),
        reporter=ev.metrics["metric"].map(lambda c: cat.metric(c).reporter),
        shown=[
            fmt_value(v, cat.metric(c))
            for c, v in zip(ev.metrics["metric"], ev.metrics["value"], strict=True)
        ],
    )
    b = Briefing(
        as_of=as_of,
        demo=demo,
        title=BRIEF["title"] + (DEMO_MARK if demo else ""),
        summary={**ev.summary, "accepted": int(accepted["accepted"].sum())},
        items=_item_rows(ev, cat, accepted),
        metrics=metrics,
        vetoes=_vetoes(ev, cat),
        units=_ranking(ev, by_unit, cat),
        late=completeness.late_board(con, as_of, since, cat),
        late_detail=late_detail,
        since=since,
        totals={"due": int(by_unit["due"].sum()), "on_time": int(by_unit["on_time"].sum())},
        ledger=ledger,
        overdue=ledger[ledger["overdue"]].reset_index(drop=True),
        acceptances=accepted,
        phase=phase,
        next_phase=next_phase,
        history=history,
        categories=dict(cat.categories),
        known_then=known_then,
        number=(number or "").strip(),
        issue_no=issue_label(issue_no),
        findings=inspection_findings.findings(con, as_of),
        inspection_vetoes=ev.inspection_vetoes,
    )
    if charts:
        b.charts, b.chart_note = render_charts(b)
    return b


# ---------------------------------------------------------------- charts


FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, SimHei, sans-serif"
CHART_WIDTH, CHART_HEIGHT, CHART_SCALE = 760, 420, 2  # px at 1x; printed 15.5 cm wide
# The legend sits above the plot: below it, it met the x axis's title and the rotated month labels (issue 13).
LEGEND_ON_TOP = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"}


def _category_margin(names: list[str], font_size: int) -> int:
    """Room for the longest category name at the left: a CJK character is about one font size wide. Set outright,
    not left to automargin alone, so that no renderer or fallback font cuts a name short (issue 13 saw them cut to
    one character)."""
    return int(max(len(n) for n in names) * font_size * 1.05) + 16


def _month_ticks(first: dt.date, last: dt.date) -> dict:
    """One tick per month, quarter or year depending on the span, never two ticks with the same label."""
    months = (last.year - first.year) * 12 + last.month - first.month
    if months <= 12:
        return {"dtick": "M1", "tickformat": "%Y年%-m月"}
    if months <= 36:
        return {"dtick": "M3", "tickformat": "%Y年%-m月"}
    return {"dtick": "M12", "tickformat": "%Y年"}


def chart_figures(b: Briefing) -> list[tuple[str, object]]:
    """The two charts a leader reads: items per category by status, and readiness month by month."""
    import plotly.graph_objects as go

    figures = []
    size = 16
    items = b.items.assign(category_name=b.items["category"].map(b.categories))
    names = list(b.categories.values())
    fig = go.Figure()
    for status in reversed(STATUSES):
        counts = items[items["status"] == status].groupby("category_name").size().reindex(names, fill_value=0)
        fig.add_bar(
            y=names,
            x=counts.values,
            name=LABEL[status],
            orientation="h",
            marker_color=STATUS_COLOUR[status],
            text=[str(v) if v else "" for v in counts.values],
            textposition="inside",
        )
    fig.update_layout(
        barmode="stack",
        font={"family": FONT, "size": size},
        yaxis={"autorange": "reversed", "automargin": True, "tickmode": "array", "tickvals": names,
               "ticktext": names},
        xaxis={"title": {"text": BRIEF["axis_items"]}, "dtick": 1, "rangemode": "tozero"},
        legend={**LEGEND_ON_TOP, "traceorder": "normal"},  # in the bars' order, 达标 first (stacks default to reversed)
        margin={"l": _category_margin(names, size), "r": 20, "t": 50, "b": 10},
        plot_bgcolor="white",
    )  # fmt: skip
    figures.append((BRIEF["chart_categories"], fig))
    if len(b.history) > 1:
        h = b.history.sort_values("as_of")
        when = pd.to_datetime(h["as_of"])
        fig = go.Figure()
        fig.add_scatter(
            x=when,
            y=h["readiness"],
            mode="lines+markers",
            name=BRIEF["legend_actual"],
            line={"color": STATUS_COLOUR["met"], "width": 3},
        )
        targets = [(p.end, p.target_readiness) for p in catalogue().phases if p.target_readiness is not None]
        targets = [t for t in targets if when.min().date() <= t[0] <= b.as_of]
        if targets:
            fig.add_scatter(
                x=[pd.Timestamp(t[0]) for t in targets],
                y=[t[1] for t in targets],
                mode="markers",
                name=BRIEF["legend_target"],
                marker={"symbol": "diamond", "size": 12, "color": "#555"},
                cliponaxis=False,  # a 100% target sits on the top edge: show the whole diamond
            )
        ticks = [i / 5 for i in range(6)]
        fig.update_layout(
            font={"family": FONT, "size": size},
            # readiness is a share: the axis runs 0–100% whatever the data, so a flat start is not read as "no axis"
            yaxis={"title": {"text": BRIEF["axis_readiness"]}, "range": [0, 1], "tickmode": "array",
                   "tickvals": ticks, "tickformat": ".0%", "gridcolor": "#ddd", "zeroline": True,
                   "zerolinecolor": "#999"},
            xaxis={**_month_ticks(when.min().date(), when.max().date()), "gridcolor": "#eee",
                   "automargin": True},
            legend=LEGEND_ON_TOP,
            margin={"l": 10, "r": 30, "t": 50, "b": 10},
            plot_bgcolor="white",
        )  # fmt: skip
        figures.append((BRIEF["chart_trend"], fig))
    return figures


def render_charts(b: Briefing) -> tuple[list[tuple[str, bytes]], str | None]:
    """PNG images of the charts, or none and the reason (kaleido missing, no browser to render with)."""
    try:
        import kaleido  # noqa: F401 — plotly's PNG export goes through it
    except ImportError:
        return [], BRIEF["no_kaleido"]
    figures = chart_figures(b)
    try:
        images = RENDERER.render([fig for _, fig in figures], CHART_WIDTH, CHART_HEIGHT, CHART_SCALE)
    except Exception as exc:  # noqa: BLE001 — any rendering failure leaves the charts out, never the briefing
        return [], BRIEF["charts_failed"].format(why=f"{type(exc).__name__}: {exc}")[:300]
    return [(caption, png) for (caption, _), png in zip(figures, images, strict=True)], None


# ---------------------------------------------------------------- next steps


def phase_named(name: str) -> str:
    """A phase in a sentence: 「“巩固提升阶段”」 for a name that says 阶段 already, 「“组织模拟检查”阶段」 otherwise —
    never 「“巩固提升阶段”阶段」."""
    return BRIEF["phase_quoted" if name.endswith(BRIEF["phase_word"]) else "phase_quoted_word"].format(
        name=name
    )


def _join(names: list[str], limit: int = 6) -> str:
    names = list(dict.fromkeys(names))
    return "、".join(names[:limit]) + ("等单位" if len(names) > limit else "")


def next_steps(b: Briefing) -> list[str]:
    steps = []
    if len(b.vetoes):
        steps.append(
            BRIEF["next_veto"].format(
                units=_join(list(b.vetoes["unit"])),
                items="、".join(str(i) for i in dict.fromkeys(b.vetoes["item"])),
            )
        )
    failing = int((b.metrics["status"] == "not_met").sum())
    if failing:
        steps.append(BRIEF["next_failing"].format(n=failing))
    if len(b.late):
        steps.append(BRIEF["next_late"].format(units=_join(b.late_units)))
    if len(b.overdue):
        steps.append(BRIEF["next_overdue"].format(units=_join(list(b.overdue["owner_unit"]))))
    # renumber (一)(二)… in order, then the standing items
    out = []
    for i, text in enumerate(steps):
        out.append(f"（{CN_NUMBERS[i]}）" + text.split("）", 1)[1])
    n = len(out)
    # the phase under way, unless it ends on the briefing's date: then the next one
    current = (
        b.phase
        if b.phase is not None and b.phase.target_readiness is not None and b.phase.end > b.as_of
        else None
    )
    target = current or b.next_phase
    if target is not None and target.target_readiness is not None and target.end >= b.as_of:
        out.append(
            BRIEF["next_phase"].format(
                n=CN_NUMBERS[n],
                which=BRIEF["this_phase"] if target is current else BRIEF["following_phase"],
                phase=target.name,
                end=cn_date(target.end),
                target=pct(target.target_readiness),
            )
        )
        n += 1
    ready = int(b.acceptances["can_accept"].sum())
    if ready:
        out.append(BRIEF["next_accept"].format(n=CN_NUMBERS[n], count=ready))
        n += 1
    out.append(BRIEF["next_keep"].format(n=CN_NUMBERS[n]))
    return out


# ---------------------------------------------------------------- the .docx


def _docx_helpers():
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    return WD_TABLE_ALIGNMENT, WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, OxmlElement, qn, Cm, Pt, RGBColor


BODY_FONT, HEAD_FONT, SUB_FONT, TITLE_FONT, TABLE_FONT = "仿宋", "黑体", "楷体", "方正小标宋简体", "仿宋"


def inspection_section(b: Briefing, para, table) -> None:
    """七、检查与暗访情况: what the inspections found and how it was fixed, the 暗访 veto risks still open, and the
    units ranked by findings closed on time (奖优罚劣)."""
    f = b.findings
    if f.empty:
        para(BRIEF["insp_none"].format(date=cn_date(b.as_of)))
        return
    closed = f["status"].eq("closed")
    para(
        BRIEF["insp_summary"].format(
            date=cn_date(b.as_of), total=len(f), closed=int(closed.sum()), open=int((~closed).sum()),
            overdue=int(f["overdue"].sum()), repeated=int(f["repeated"].sum()),
        )
    )  # fmt: skip
    v = b.inspection_vetoes
    if v.empty:
        para(BRIEF["insp_veto_none"])
    else:
        para(BRIEF["insp_veto_intro"].format(n=len(v)))
        table(
            [
                COLUMNS["item"],
                BRIEF["insp_site"],
                BRIEF["insp_problem"],
                COLUMNS["unit"],
                COLUMNS["deadline"],
            ],
            [
                [f"第{int(r.item)}项", f"{r.site}（{r.street}）", r.description, r.unit, cn_date(r.deadline)]
                for r in v.itertuples(index=False)
            ],
            [1.6, 3.4, 5.6, 3.0, 2.6],
        )
    para(BRIEF["insp_ranking_intro"])
    ranking = inspection_views.unit_ranking(f)
    table(
        [
            COLUMNS["unit"],
            *(BRIEF[k] for k in ("insp_total", "insp_closed", "insp_on_time", "insp_overdue", "insp_rate")),
        ],
        [
            [
                r.unit,
                str(int(r.total)),
                str(int(r.closed)),
                str(int(r.on_time)),
                str(int(r.overdue)),
                pct(r.rate),
            ]
            for r in ranking.itertuples(index=False)
        ],
        [4.6, 1.8, 1.8, 2.0, 2.0, 2.4],
    )


def to_docx(b: Briefing) -> bytes:
    """The 通报 as an official document: red header, title, recipients, sections 一、二、三…, signature, date."""
    from docx import Document

    T_ALIGN, ALIGN, SPACING, OxmlElement, qn, Cm, Pt, RGBColor = _docx_helpers()
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    def font(run, name: str, size: float, bold: bool = False, color: str | None = None) -> None:
        run.font.name = name
        run.font.size = Pt(size)
        run.font.bold = bold
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
        if color:
            run.font.color.rgb = RGBColor.from_string(color)

    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    def para(text: str = "", *, name=BODY_FONT, size=16.0, bold=False, align=None, indent=True, color=None,
             space_before=0, exact=28):  # fmt: skip
        p = doc.add_paragraph()
        fmt = p.paragraph_format
        fmt.line_spacing_rule = SPACING.EXACTLY
        fmt.line_spacing = Pt(exact)
        fmt.space_before, fmt.space_after = Pt(space_before), Pt(0)
        if indent:
            fmt.first_line_indent = Pt(size * 2)
        if align is not None:
            p.alignment = align
        if text:
            font(p.add_run(xml_safe(text)), name, size, bold, color)
        return p

    def heading(text: str) -> None:
        para(text, name=HEAD_FONT).paragraph_format.keep_with_next = True  # never last on a page

    def sub(text: str) -> None:
        para(text, name=SUB_FONT).paragraph_format.keep_with_next = True

    def shade(cell, fill: str) -> None:
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), fill)
        cell._tc.get_or_add_tcPr().append(shd)

    def table(
        headers: list[str], rows: list[list[str]], widths: list[float], red_col: int | None = None
    ) -> None:
        t = doc.add_table(rows=1, cols=len(headers))
        t.style = "Table Grid"
        t.alignment = T_ALIGN.CENTER
        head = t.rows[0]
        tr_pr = head._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)
        for cell, text in zip(head.cells, headers, strict=True):
            shade(cell, "D9E2F3")
            p = cell.paragraphs[0]
            p.alignment = ALIGN.CENTER
            font(p.add_run(xml_safe(text)), HEAD_FONT, 11)
        for values in rows:
            cells = t.add_row().cells
            for i, (cell, text) in enumerate(zip(cells, values, strict=True)):
                p = cell.paragraphs[0]
                red = red_col is not None and i == red_col and text in (LABEL["not_met"], "是")
                font(p.add_run(xml_safe(text)), TABLE_FONT, 10.5, bold=red, color="C00000" if red else None)
        t.autofit = False
        grid = t._tbl.tblGrid
        for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
            col.set(qn("w:w"), str(int(Cm(width).twips)))
        for row in t.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Cm(width)
        doc.add_paragraph().paragraph_format.space_after = Pt(0)

    # red header (发文机关标志), the issue number (期数) and document number (文号) under it, then the red rule
    p = para(
        OFFICE_NAME, name=TITLE_FONT, size=20, align=ALIGN.CENTER, indent=False, color="C00000", exact=36
    )
    if b.issue_no:
        p = para(b.issue_no, align=ALIGN.CENTER, indent=False, space_before=6)
    if b.number:
        p = para(b.number, align=ALIGN.CENTER, indent=False, space_before=0 if b.issue_no else 6)
    p_pr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "18"), ("space", "6"), ("color", "C00000")):
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    p_pr.append(border)
    para("", indent=False)
    para(b.title, name=TITLE_FONT, size=22, align=ALIGN.CENTER, indent=False, exact=36)
    para("", indent=False)
    para(BRIEF["recipients"], indent=False)
    date_text = cn_date(b.as_of)
    para(BRIEF["opening"].format(date=date_text))
    if b.known_then:
        para(BRIEF["known_then_note"].format(date=date_text), name=SUB_FONT)
    elif b.as_of < dt.date.today():
        para(BRIEF["known_note"].format(made=cn_date(dt.date.today())), name=SUB_FONT)
    if b.demo:
        para(BRIEF["demo_note"], name=SUB_FONT)

    s = b.summary
    # 一、总体进展
    heading(BRIEF["h1"])
    para(
        BRIEF["overall"].format(
            date=date_text,
            met=s["met"],
            pct=pct(s["readiness"]),
            not_met=s["not_met"],
            stale=s["stale"],
            no_data=s["no_data"],
            pending=s["pending"],
            accepted=s["accepted"],
        )
    )
    if b.phase is not None:
        if b.phase.target_readiness is not None:
            need = -(-b.phase.target_readiness * s["items"] // 1)
            gap = int(need - s["met"])
            verdict = BRIEF["phase_reached"] if gap <= 0 else BRIEF["phase_gap"].format(gap=gap)
            para(
                BRIEF["overall_phase"].format(
                    phase=phase_named(b.phase.name),
                    start=cn_date(b.phase.start),
                    end=cn_date(b.phase.end),
                    target=pct(b.phase.target_readiness),
                    verdict=verdict,
                )
            )
        else:
            para(
                BRIEF["phase_no_target"].format(
                    phase=phase_named(b.phase.name), start=cn_date(b.phase.start), end=cn_date(b.phase.end)
                )
            )
    withdrawn = b.items[b.items["withdrawn"]]
    if len(withdrawn):
        para(
            BRIEF["withdrawn"].format(
                n=len(withdrawn), items="、".join(f"第{i}项" for i in withdrawn["item"])
            )
        )
    for caption, png in b.charts:
        doc.add_picture(io.BytesIO(png), width=Cm(15.5))
        doc.paragraphs[-1].alignment = ALIGN.CENTER
        doc.paragraphs[-1].paragraph_format.keep_with_next = True  # the chart with its caption
        para(caption, name=SUB_FONT, size=14, align=ALIGN.CENTER, indent=False)

    # 二、一票否决风险
    heading(BRIEF["h2"])
    if b.vetoes.empty:
        para(BRIEF["veto_none"].format(date=date_text))
    else:
        para(BRIEF["veto_intro"].format(date=date_text, n=b.vetoes["item"].nunique()))
        for r in b.vetoes.itertuples(index=False):
            para(
                BRIEF["veto_line"].format(item=r.item, title=r.title, reason=r.reason.rstrip("。")), bold=True
            )

    # 三、各类别达标情况 — a table per category
    heading(BRIEF["h3"])
    for n, (code, name) in enumerate(b.categories.items()):
        part = b.items[b.items["category"] == code]
        sub(
            BRIEF["category_heading"].format(
                n=CN_NUMBERS[n], name=name, met=int((part["status"] == "met").sum()), total=len(part)
            )
        )
        rows = []
        for r in part.itertuples(index=False):
            note = r.note or (f"已于{cn_date(r.accepted_on)}验收" if r.accepted else "—")
            rows.append(
                [
                    str(r.item),
                    r.title,
                    r.lead,
                    LABEL[r.status] + ("（否决风险）" if r.veto_risk else ""),
                    "是" if r.accepted else "否",
                    note,
                ]
            )
        table(
            [
                COLUMNS["no"],
                COLUMNS["item"],
                COLUMNS["lead"],
                COLUMNS["status"],
                COLUMNS["accepted"],
                COLUMNS["note"],
            ],
            rows,
            [1.2, 3.0, 2.3, 1.8, 1.2, 6.1],
            red_col=3,
        )

    # 四、数据报送情况
    heading(BRIEF["h4"])
    para(
        BRIEF["late_intro"].format(
            since=cn_date(b.since),
            date=date_text,
            due=b.totals["due"],
            on_time=b.totals["on_time"],
            rate=pct(b.totals["on_time"] / b.totals["due"]) if b.totals["due"] else "—",
        )
    )
    if b.late.empty:
        para(BRIEF["late_none"])
    else:
        para(BRIEF["late_named"])
        for r in b.late.itertuples(index=False):
            para(
                BRIEF["late_line"].format(
                    unit=r.unit, due=r.due, late=r.late, missing=r.missing, rate=pct(r.on_time_rate)
                ),
                bold=False,
            )
            if r.owed:
                shown = "；".join(r.owed[:5]) + (
                    BRIEF["late_more"].format(n=len(r.owed)) if len(r.owed) > 5 else ""
                )
                para(BRIEF["late_owed"].format(what=shown))

    # 五、整改督办情况
    heading(BRIEF["h5"])
    if b.ledger.empty:
        para(BRIEF["tasks_none"])
    else:
        counts = b.ledger["status"].value_counts()
        para(
            BRIEF["tasks_summary"].format(
                total=len(b.ledger), **{k: int(counts.get(k, 0)) for k in TASK_STATUS}
            )
        )
    if b.overdue.empty:
        para(BRIEF["overdue_none"].format(date=date_text))
    else:
        para(BRIEF["overdue_intro"].format(n=len(b.overdue)))
        table(
            [
                COLUMNS["task"],
                COLUMNS["metric"],
                COLUMNS["owner"],
                COLUMNS["description"],
                COLUMNS["task_deadline"],
                COLUMNS["days_overdue"],
                COLUMNS["task_status"],
            ],  # fmt: skip
            [
                [
                    str(r.id),
                    f"{r.metric} {catalogue().metric(r.metric).name}",
                    r.owner_unit,
                    r.description,
                    cn_date(r.deadline),
                    f"{int(r.days_overdue)}天",
                    TASK_STATUS[r.status],
                ]
                for r in b.overdue.itertuples(index=False)
            ],
            [1.3, 2.8, 2.0, 4.6, 2.3, 1.3, 1.3],
        )

    # 六、责任单位排名
    heading(BRIEF["h6"])
    para(BRIEF["ranking_intro"])
    table(
        [
            COLUMNS["rank"],
            COLUMNS["unit"],
            COLUMNS["metrics"],
            COLUMNS["met"],
            COLUMNS["share_met"],
            COLUMNS["on_time_rate"],
        ],
        [
            [str(r.rank), r.unit, str(r.metrics), str(r.met), pct(r.share_met), pct(r.on_time_rate)]
            for r in b.units.itertuples(index=False)
        ],
        [1.2, 4.6, 2.4, 1.8, 2.2, 2.6],
    )

    # 七、检查与暗访情况
    heading(BRIEF["h7"])
    inspection_section(b, para, table)

    # 八、下一步工作
    heading(BRIEF["h8"])
    for text in next_steps(b):
        last = para(text)

    # signature and date (落款), kept on one page with the last paragraph: a signature alone on a page is not
    # a valid document (GB/T 9704)
    tail = [last, para("", indent=False), para("", indent=False)]
    sign = para(OFFICE_NAME, align=ALIGN.RIGHT, indent=False)
    for p in [*tail, sign]:
        p.paragraph_format.keep_with_next = True
    sign.paragraph_format.right_indent = Pt(32)
    when = para(date_text, align=ALIGN.RIGHT, indent=False)
    when.paragraph_format.right_indent = Pt(64)

    # page number: — 1 —
    footer = section.footer.paragraphs[0]
    footer.alignment = ALIGN.CENTER
    font(footer.add_run("— "), "宋体", 14)
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    footer._p.append(fld)
    font(footer.add_run(" —"), "宋体", 14)

    doc.core_properties.title = b.title
    doc.core_properties.author = OFFICE_NAME
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- the .xlsx


def to_xlsx(b: Briefing) -> bytes:
    """The workbook: summary, items, metrics, units, late reports, tasks, acceptances — numbers and text only."""
    wb = SafeWorkbook()
    s = b.summary
    ws = wb.sheet(SHEETS["summary"])
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 90)
    wb.cell(ws, 0, 0, BRIEF["xlsx_title"].format(date=cn_date(b.as_of)), wb.title)
    summary_rows = [
        (SUMMARY_ROWS["title"], b.title),
        (SUMMARY_ROWS["office"], OFFICE_NAME),
        (SUMMARY_ROWS["as_of"], cn_date(b.as_of)),
        *([(SUMMARY_ROWS["number"], b.number)] if b.number else []),
        *([(SUMMARY_ROWS["issue_no"], b.issue_no)] if b.issue_no else []),
        (SUMMARY_ROWS["known"], SUMMARY_ROWS["known_then" if b.known_then else "known_now"]),
        (SUMMARY_ROWS["demo"], SUMMARY_ROWS["demo_yes"] if b.demo else SUMMARY_ROWS["demo_no"]),
        (SUMMARY_ROWS["items"], s["items"]),
        (SUMMARY_ROWS["met"], s["met"]),
        (SUMMARY_ROWS["not_met"], s["not_met"]),
        (SUMMARY_ROWS["stale"], s["stale"]),
        (SUMMARY_ROWS["no_data"], s["no_data"]),
        (SUMMARY_ROWS["pending"], s["pending"]),
        (SUMMARY_ROWS["readiness"], s["readiness"]),
        (SUMMARY_ROWS["accepted"], s["accepted"]),
        (
            SUMMARY_ROWS["veto"],
            "；".join(f"第{r.item}项 {r.title}：{r.reason}" for r in b.vetoes.itertuples(index=False))
            or SUMMARY_ROWS["none"],
        ),
        (SUMMARY_ROWS["late_units"], "、".join(b.late_units) or SUMMARY_ROWS["none"]),
        (
            SUMMARY_ROWS["overdue_tasks"],
            "；".join(
                f"任务{r.id} {r.owner_unit} {r.metric}（逾期{int(r.days_overdue)}天）"
                for r in b.overdue.itertuples(index=False)
            )
            or SUMMARY_ROWS["none"],
        ),
    ]
    wb.row(ws, 1, [COLUMNS["key"], COLUMNS["value"]], wb.header)
    for i, (key, value) in enumerate(summary_rows, start=2):
        wb.cell(ws, i, 0, key)
        wb.cell(ws, i, 1, value, wb.percent if key == SUMMARY_ROWS["readiness"] else None)

    items = b.items.assign(
        category_name=b.items["category"].map(b.categories),
        status_label=b.items["status"].map(LABEL),
        veto=b.items["veto_risk"].map({True: YES, False: NO}),
        accepted_label=b.items["accepted"].map({True: YES, False: NO}),
    )
    wb.table(
        wb.sheet(SHEETS["items"]),
        items[
            [
                "item",
                "title",
                "category_name",
                "lead",
                "status_label",
                "veto",
                "metrics_met",
                "metrics_total",
                "accepted_label",
                "accepted_on",
                "reasons",
            ]
        ],  # fmt: skip
        [
            COLUMNS["code"],
            COLUMNS["title"],
            COLUMNS["category"],
            COLUMNS["lead"],
            COLUMNS["status"],
            COLUMNS["veto"],
            "达标指标数",
            "指标数",
            COLUMNS["accepted"],
            COLUMNS["accepted_on"],
            COLUMNS["note"],
        ],  # fmt: skip
        widths=[6, 18, 18, 14, 10, 8, 10, 8, 8, 12, 80],
    )
    metrics = b.metrics.assign(status_label=b.metrics["status"].map(LABEL))
    wb.table(
        wb.sheet(SHEETS["metrics"]),
        metrics[
            ["metric", "name", "item", "reporter", "status_label", "period_label", "value", "shown", "reason"]
        ],
        [
            COLUMNS["metric"],
            COLUMNS["metric_name"],
            COLUMNS["item"],
            COLUMNS["reporter"],
            COLUMNS["status"],
            COLUMNS["period"],
            COLUMNS["value"],
            "显示值",
            COLUMNS["reason"],
        ],  # fmt: skip
        widths=[8, 36, 6, 16, 10, 16, 10, 12, 80],
    )
    wb.table(
        wb.sheet(SHEETS["units"]),
        b.units[
            [
                "rank",
                "unit",
                "metrics",
                "met",
                "share_met",
                "due",
                "on_time",
                "late",
                "missing",
                "on_time_rate",
            ]
        ],
        [
            COLUMNS["rank"],
            COLUMNS["unit"],
            COLUMNS["metrics"],
            COLUMNS["met"],
            COLUMNS["share_met"],
            COLUMNS["due"],
            COLUMNS["on_time"],
            COLUMNS["late"],
            COLUMNS["missing"],
            COLUMNS["on_time_rate"],
        ],  # fmt: skip
        widths=[6, 22, 10, 8, 10, 8, 8, 8, 10, 12],
        percent_cols=["share_met", "on_time_rate"],
    )
    late = b.late_detail.assign(
        name=b.late_detail["metric"].map(lambda c: catalogue().metric(c).name),
        state_label=b.late_detail["state"].map(REPORT_STATE),
    )
    wb.table(
        wb.sheet(SHEETS["late"]),
        late[
            ["unit", "metric", "name", "period_label", "deadline", "received_at", "state_label", "days_late"]
        ],
        [
            COLUMNS["unit"],
            COLUMNS["metric"],
            COLUMNS["metric_name"],
            COLUMNS["period"],
            COLUMNS["deadline"],
            COLUMNS["received_at"],
            COLUMNS["state"],
            COLUMNS["days_late"],
        ],  # fmt: skip
        widths=[16, 8, 36, 16, 12, 18, 10, 10],
    )
    ledger = b.ledger.assign(
        status_label=b.ledger["status"].map(TASK_STATUS),
        overdue_label=b.ledger["overdue"].map({True: YES, False: NO}),
    )
    wb.table(
        wb.sheet(SHEETS["tasks"]),
        ledger[
            [
                "id",
                "item",
                "metric",
                "owner_unit",
                "description",
                "deadline",
                "status_label",
                "overdue_label",
                "days_overdue",
                "opened_at",
                "last_note",
                "close_reason",
            ]
        ],  # fmt: skip
        [
            COLUMNS["task"],
            COLUMNS["item"],
            COLUMNS["metric"],
            COLUMNS["owner"],
            COLUMNS["description"],
            COLUMNS["task_deadline"],
            COLUMNS["task_status"],
            COLUMNS["overdue"],
            COLUMNS["days_overdue"],
            COLUMNS["opened_at"],
            COLUMNS["last_note"],
            COLUMNS["close_reason"],
        ],  # fmt: skip
        widths=[8, 6, 8, 16, 50, 12, 10, 8, 8, 18, 40, 40],
    )
    acc = b.acceptances.assign(
        status_label=b.acceptances["status"].map(LABEL),
        state=[
            "验收已撤销" if w else ("已验收" if a else "")
            for a, w in zip(b.acceptances["accepted"], b.acceptances["withdrawn"], strict=True)
        ],
    )
    wb.table(
        wb.sheet(SHEETS["acceptance"]),
        acc[
            [
                "item",
                "title",
                "status_label",
                "state",
                "accepted_on",
                "accepted_by",
                "evidence",
                "withdrawn_reason",
            ]
        ],
        [
            COLUMNS["code"],
            COLUMNS["title"],
            COLUMNS["status"],
            COLUMNS["accepted"],
            COLUMNS["accepted_on"],
            COLUMNS["accepted_by"],
            COLUMNS["evidence"],
            COLUMNS["withdrawn_reason"],
        ],  # fmt: skip
        widths=[6, 18, 10, 12, 12, 12, 40, 60],
    )
    return wb.close()


def write(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    suffix: str,
    charts: bool = True,
    *,
    known_then: bool = False,
    number: str | None = None,
    issue_no: str | int | None = None,
) -> tuple[bytes, Briefing]:
    """The briefing as .docx or .xlsx bytes, with what it says (a draft: issuing is briefing_issue.issue)."""
    b = build(
        con,
        as_of,
        charts=charts and suffix == ".docx",
        known_then=known_then,
        number=number,
        issue_no=issue_no,
    )
    return (to_docx(b) if suffix == ".docx" else to_xlsx(b)), b
