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
    wb.printable(ws, header_rows=2)


def _sheet(wb: SafeWorkbook, name: str, frame, columns: list[tuple[str, str]], percent_cols=()) -> None:
    """One table sheet, its columns fitted to their text; columns: (the frame's column, its header)."""
    wb.table(
        wb.sheet(SHEETS[name]),
        frame[[c for c, _ in columns]],
        [h for _, h in columns],
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
        ("item", COLUMNS["code"]), ("title", COLUMNS["title"]), ("category_name", COLUMNS["category"]),
        ("lead", COLUMNS["lead"]), ("status_label", COLUMNS["status"]), ("veto", COLUMNS["veto"]),
        ("metrics_met", "达标指标数"), ("metrics_total", "指标数"), ("accepted_label", COLUMNS["accepted"]),
        ("accepted_on", COLUMNS["accepted_on"]), ("reasons", COLUMNS["note"]),
    ])  # fmt: skip


def _verdict(reason, period, name):
    """The reason without the period and the name that its row shows in their own columns (the sheet prints
    a line a metric, not three)."""
    for prefix in (f"{period} ", f"{name} "):
        if isinstance(reason, str) and reason.startswith(prefix):
            reason = reason[len(prefix) :]
    return reason


def _metrics(wb: SafeWorkbook, b: Briefing) -> None:
    metrics = b.metrics.assign(
        status_label=b.metrics["status"].map(LABEL),
        reason=[
            _verdict(*r)
            for r in zip(b.metrics["reason"], b.metrics["period_label"], b.metrics["name"], strict=True)
        ],
    )
    _sheet(wb, "metrics", metrics, [
        ("metric", COLUMNS["metric"]), ("name", COLUMNS["metric_name"]), ("item", COLUMNS["item"]),
        ("reporter", COLUMNS["reporter"]), ("status_label", COLUMNS["status"]),
        ("period_label", COLUMNS["period"]), ("value", COLUMNS["value"]), ("shown", "显示值"),
        ("reason", COLUMNS["reason"]),
    ])  # fmt: skip


def _units(wb: SafeWorkbook, b: Briefing) -> None:
    _sheet(wb, "units", b.units, [
        ("rank", COLUMNS["rank"]), ("unit", COLUMNS["unit"]), ("metrics", COLUMNS["metrics"]),
        ("met", COLUMNS["met"]), ("share_met", COLUMNS["share_met"]), ("due", COLUMNS["due"]),
        ("on_time", COLUMNS["on_time"]), ("late", COLUMNS["late"]), ("missing", COLUMNS["missing"]),
        ("on_time_rate", COLUMNS["on_time_rate"]),
    ], percent_cols=("share_met", "on_time_rate"))  # fmt: skip


def _late(wb: SafeWorkbook, b: Briefing) -> None:
    late = b.late_detail.assign(
        name=b.late_detail["metric"].map(lambda c: catalogue().metric(c).name),
        state_label=b.late_detail["state"].map(REPORT_STATE),
    )
    _sheet(wb, "late", late, [
        ("unit", COLUMNS["unit"]), ("metric", COLUMNS["metric"]), ("name", COLUMNS["metric_name"]),
        ("period_label", COLUMNS["period"]), ("deadline", COLUMNS["deadline"]),
        ("received_at", COLUMNS["received_at"]), ("state_label", COLUMNS["state"]),
        ("days_late", COLUMNS["days_late"]),
    ])  # fmt: skip


def _tasks(wb: SafeWorkbook, b: Briefing) -> None:
    ledger = b.ledger.assign(
        status_label=b.ledger["status"].map(TASK_STATUS),
        overdue_label=b.ledger["overdue"].map({True: YES, False: NO}),
    )
    _sheet(wb, "tasks", ledger, [
        ("id", COLUMNS["task"]), ("item", COLUMNS["item"]), ("metric", COLUMNS["metric"]),
        ("owner_unit", COLUMNS["owner"]), ("description", COLUMNS["description"]),
        ("deadline", COLUMNS["task_deadline"]), ("status_label", COLUMNS["task_status"]),
        ("overdue_label", COLUMNS["overdue"]), ("days_overdue", COLUMNS["days_overdue"]),
        ("opened_at", COLUMNS["opened_at"]), ("last_note", COLUMNS["last_note"]),
        ("close_reason", COLUMNS["close_reason"]),
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
        ("item", COLUMNS["code"]), ("title", COLUMNS["title"]), ("status_label", COLUMNS["status"]),
        ("state", COLUMNS["accepted"]), ("accepted_on", COLUMNS["accepted_on"]),
        ("accepted_by", COLUMNS["accepted_by"]), ("evidence", COLUMNS["evidence"]),
        ("withdrawn_reason", COLUMNS["withdrawn_reason"]),
    ])  # fmt: skip


SHEET_WRITERS = (_summary, _items, _metrics, _units, _late, _tasks, _acceptances)


def to_xlsx(b: Briefing) -> bytes:
    """The workbook: summary, items, metrics, units, late reports, tasks, acceptances — numbers and text only."""
    wb = SafeWorkbook()
    for write in SHEET_WRITERS:
        write(wb, b)
    return wb.close()
