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
