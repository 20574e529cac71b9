"""The briefing as a workbook (.xlsx): summary, items, metrics, units, late reports, tasks, acceptances — numbers and
text only, every cell through the inert-cell writer (tracker.files.SafeWorkbook)."""

from __future__ import annotations

from tracker.catalogue import catalogue
from tracker.files import SafeWorkbook
from tracker.reports.briefing.model import Briefing
from tracker.reports.briefing.text import LABEL
from tracker.strings.formats import cn_date
from tracker.strings.office import (
    BRIEF,
    COLUMNS,
    NO,
    OFFICE_NAME,
    REPORT_STATE,
    SHEETS,
    SUMMARY_ROWS,
    TASK_STATUS,
    YES,
)


def _summary(wb: SafeWorkbook, b: Briefing) -> None:
    """概况: what the briefing is, the counts, the veto risks, the late units and the overdue tasks."""
    s = b.summary
    ws = wb.sheet(SHEETS["summary"])
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 90)
    wb.cell(ws, 0, 0, BRIEF["xlsx_title"].format(date=cn_date(b.as_of)), wb.title)
    vetoes = "；".join(f"第{r.item}项 {r.title}：{r.reason}" for r in b.vetoes.itertuples(index=False))
    overdue = "；".join(
        f"任务{r.id} {r.owner_unit} {r.metric}（逾期{int(r.days_overdue)}天）"
        for r in b.overdue.itertuples(index=False)
    )
    rows = [
        (SUMMARY_ROWS["title"], b.title),
        (SUMMARY_ROWS["office"], OFFICE_NAME),
        (SUMMARY_ROWS["as_of"], cn_date(b.as_of)),
        *([(SUMMARY_ROWS["number"], b.number)] if b.number else []),
        *([(SUMMARY_ROWS["issue_no"], b.issue_no)] if b.issue_no else []),
        (SUMMARY_ROWS["known"], SUMMARY_ROWS["known_then" if b.known_then else "known_now"]),
        (SUMMARY_ROWS["demo"], SUMMARY_ROWS["demo_yes"] if b.demo else SUMMARY_ROWS["demo_no"]),
        *((SUMMARY_ROWS[k], s[k]) for k in ("items", "met", "not_met", "stale", "no_data", "pending", "readiness",
                                            "accepted")),
        (SUMMARY_ROWS["veto"], vetoes or SUMMARY_ROWS["none"]),
        (SUMMARY_ROWS["late_units"], "、".join(b.late_units) or SUMMARY_ROWS["none"]),
        (SUMMARY_ROWS["overdue_tasks"], overdue or SUMMARY_ROWS["none"]),
    ]  # fmt: skip
    wb.row(ws, 1, [COLUMNS["key"], COLUMNS["value"]], wb.header)
    for i, (key, value) in enumerate(rows, start=2):
        wb.cell(ws, i, 0, key)
        wb.cell(ws, i, 1, value, wb.percent if key == SUMMARY_ROWS["readiness"] else None)


def _sheet(wb: SafeWorkbook, name: str, frame, columns: list[tuple[str, str, int]], percent_cols=()) -> None:
    """One table sheet; columns: (the frame's column, its header, its width)."""
    wb.table(
        wb.sheet(SHEETS[name]),
        frame[[c for c, _, _ in columns]],
        [h for _, h, _ in columns],
        widths=[w for _, _, w in columns],
        percent_cols=percent_cols,
    )


def _items(wb: SafeWorkbook, b: Briefing) -> None:
    items = b.items.assign(
        category_name=b.items["category"].map(b.categories),
        status_label=b.items["status"].map(LABEL),
        veto=b.items["veto_risk"].map({True: YES, False: NO}),
        accepted_label=b.items["accepted"].map({True: YES, False: NO}),
    )
    _sheet(wb, "items", items, [
        ("item", COLUMNS["code"], 6), ("title", COLUMNS["title"], 18), ("category_name", COLUMNS["category"], 18),
        ("lead", COLUMNS["lead"], 14), ("status_label", COLUMNS["status"], 10), ("veto", COLUMNS["veto"], 8),
        ("metrics_met", "达标指标数", 10), ("metrics_total", "指标数", 8), ("accepted_label", COLUMNS["accepted"], 8),
        ("accepted_on", COLUMNS["accepted_on"], 12), ("reasons", COLUMNS["note"], 80),
    ])  # fmt: skip


def _metrics(wb: SafeWorkbook, b: Briefing) -> None:
    metrics = b.metrics.assign(status_label=b.metrics["status"].map(LABEL))
    _sheet(wb, "metrics", metrics, [
        ("metric", COLUMNS["metric"], 8), ("name", COLUMNS["metric_name"], 36), ("item", COLUMNS["item"], 6),
        ("reporter", COLUMNS["reporter"], 16), ("status_label", COLUMNS["status"], 10),
        ("period_label", COLUMNS["period"], 16), ("value", COLUMNS["value"], 10), ("shown", "显示值", 12),
        ("reason", COLUMNS["reason"], 80),
    ])  # fmt: skip


def _units(wb: SafeWorkbook, b: Briefing) -> None:
    _sheet(wb, "units", b.units, [
        ("rank", COLUMNS["rank"], 6), ("unit", COLUMNS["unit"], 22), ("metrics", COLUMNS["metrics"], 10),
        ("met", COLUMNS["met"], 8), ("share_met", COLUMNS["share_met"], 10), ("due", COLUMNS["due"], 8),
        ("on_time", COLUMNS["on_time"], 8), ("late", COLUMNS["late"], 8), ("missing", COLUMNS["missing"], 10),
        ("on_time_rate", COLUMNS["on_time_rate"], 12),
    ], percent_cols=("share_met", "on_time_rate"))  # fmt: skip


def _late(wb: SafeWorkbook, b: Briefing) -> None:
    late = b.late_detail.assign(
        name=b.late_detail["metric"].map(lambda c: catalogue().metric(c).name),
        state_label=b.late_detail["state"].map(REPORT_STATE),
    )
    _sheet(wb, "late", late, [
        ("unit", COLUMNS["unit"], 16), ("metric", COLUMNS["metric"], 8), ("name", COLUMNS["metric_name"], 36),
        ("period_label", COLUMNS["period"], 16), ("deadline", COLUMNS["deadline"], 12),
        ("received_at", COLUMNS["received_at"], 18), ("state_label", COLUMNS["state"], 10),
        ("days_late", COLUMNS["days_late"], 10),
    ])  # fmt: skip


def _tasks(wb: SafeWorkbook, b: Briefing) -> None:
    ledger = b.ledger.assign(
        status_label=b.ledger["status"].map(TASK_STATUS),
        overdue_label=b.ledger["overdue"].map({True: YES, False: NO}),
    )
    _sheet(wb, "tasks", ledger, [
        ("id", COLUMNS["task"], 8), ("item", COLUMNS["item"], 6), ("metric", COLUMNS["metric"], 8),
        ("owner_unit", COLUMNS["owner"], 16), ("description", COLUMNS["description"], 50),
        ("deadline", COLUMNS["task_deadline"], 12), ("status_label", COLUMNS["task_status"], 10),
        ("overdue_label", COLUMNS["overdue"], 8), ("days_overdue", COLUMNS["days_overdue"], 8),
        ("opened_at", COLUMNS["opened_at"], 18), ("last_note", COLUMNS["last_note"], 40),
        ("close_reason", COLUMNS["close_reason"], 40),
    ])  # fmt: skip


def _acceptances(wb: SafeWorkbook, b: Briefing) -> None:
    acc = b.acceptances.assign(
        status_label=b.acceptances["status"].map(LABEL),
        state=[
            "验收已撤销" if w else ("已验收" if a else "")
            for a, w in zip(b.acceptances["accepted"], b.acceptances["withdrawn"], strict=True)
        ],
    )
    _sheet(wb, "acceptance", acc, [
        ("item", COLUMNS["code"], 6), ("title", COLUMNS["title"], 18), ("status_label", COLUMNS["status"], 10),
        ("state", COLUMNS["accepted"], 12), ("accepted_on", COLUMNS["accepted_on"], 12),
        ("accepted_by", COLUMNS["accepted_by"], 12), ("evidence", COLUMNS["evidence"], 40),
        ("withdrawn_reason", COLUMNS["withdrawn_reason"], 60),
    ])  # fmt: skip


SHEET_WRITERS = (_summary, _items, _metrics, _units, _late, _tasks, _acceptances)


def to_xlsx(b: Briefing) -> bytes:
    """The workbook: summary, items, metrics, units, late reports, tasks, acceptances — numbers and text only."""
    wb = SafeWorkbook()
    for write in SHEET_WRITERS:
        write(wb, b)
    return wb.close()
