"""督办通知 from the late board (issue 13): a numbered .docx per unit or for all units, naming each missing figure,
its deadline and days overdue, with the office's 文号; recorded and audited; the board as an .xlsx."""

from __future__ import annotations

import datetime as dt
import io
import json

import docx
import openpyxl
import pytest

from tests.test_briefing import AS_OF, scenario
from tracker import bootstrap
from tracker.access.auth import Actor, PermissionDenied
from tracker.reports import reminders

OFFICE = Actor("王主任", "admin")
CITY = Actor("城管上报员", "reporter", "城管执法局")
NOW = dt.datetime(2024, 3, 15, 10, 0)


@pytest.fixture
def con():
    con = bootstrap.connect(":memory:")
    scenario(con)
    yield con
    con.close()


def text_of(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        parts += [" | ".join(c.text for c in row.cells) for row in table.rows]
    return "\n".join(parts)


def test_owed_lists_missing_figures_with_deadline_and_days_overdue(con):
    owed = reminders.owed(con, AS_OF, unit="住建局")
    row = owed.set_index(["metric", "period_label"]).loc[("10.5", "2023年")]
    assert row["deadline"] == dt.date(2024, 2, 29) and row["days_overdue"] == 15
    assert set(owed["unit"]) == {"住建局"}
    assert owed["days_overdue"].is_monotonic_decreasing  # the longest overdue first


def test_a_notice_for_one_unit(con):
    number = reminders.next_number(con, AS_OF)
    assert number == "创卫办督〔2024〕1号"
    notice = reminders.send(
        con, OFFICE, AS_OF, number, unit="市住建局", now=NOW
    )  # the unit as people type it
    assert notice.units == ["住建局"] and notice.file_name == "督办通知-创卫办督〔2024〕1号-住建局.docx"
    text = text_of(notice.data)
    assert "创卫办督〔2024〕1号" in text and "住建局：" in text
    assert "关于督促报送创卫指标数据的通知" in text
    assert "10.5" in text and "2024-02-29" in text and "| 15" in text  # figure, deadline, days overdue
    assert "城管执法局" not in text
    # recorded: who, when, which figures; and audited
    sent = reminders.sent(con, "住建局")
    assert list(sent["doc_number"]) == [number] and sent["sent_by"].iloc[0] == "王主任"
    assert sent["sent_at"].iloc[0] == NOW and sent["figures"].iloc[0] == len(
        reminders.owed(con, AS_OF, unit="住建局")
    )
    stored = con.execute("SELECT figures_json, sha256 FROM reminder").fetchone()
    figures = {(f["metric"], f["period_label"]): f for f in json.loads(stored[0])}
    assert figures[("10.5", "2023年")] | {"name": None} == {
        "metric": "10.5", "name": None, "period_label": "2023年", "deadline": "2024-02-29", "days_overdue": 15,
    }  # fmt: skip
    assert stored[1] == notice.sha256
    name, data = reminders.notice_file(con, int(sent["id"].iloc[0]))
    assert (name, data) == (notice.file_name, notice.data)  # identical on re-download
    action = con.execute("SELECT action, target FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert action == ("reminder_send", f"reminder:{number}")
    assert reminders.next_number(con, AS_OF) == "创卫办督〔2024〕2号"


def test_one_notice_for_all_late_units(con):
    notice = reminders.send(con, OFFICE, AS_OF, "扎创卫督〔2024〕7号", now=NOW)
    text = text_of(notice.data)
    assert "各有关单位：" in text and "住建局" in text and "卫健委" in text
    assert set(reminders.sent(con)["unit"]) == set(notice.units) and len(notice.units) >= 5


def test_refusals(con):
    with pytest.raises(PermissionDenied):
        reminders.send(con, CITY, AS_OF, "x〔2024〕1号", unit="城管执法局")
    with pytest.raises(reminders.ReminderError, match="文号"):
        reminders.send(con, OFFICE, AS_OF, "  ", unit="住建局")
    with pytest.raises(reminders.ReminderError, match="不是责任单位"):
        reminders.send(con, OFFICE, AS_OF, "创卫办督〔2024〕1号", unit="不存在局")
    reminders.send(con, OFFICE, AS_OF, "创卫办督〔2024〕1号", unit="住建局", now=NOW)
    with pytest.raises(reminders.ReminderError, match="已用过"):
        reminders.send(con, OFFICE, AS_OF, "创卫办督〔2024〕1号", unit="卫健委")
    with pytest.raises(reminders.ReminderError, match="没有逾期未报"):
        reminders.send(con, OFFICE, AS_OF, "创卫办督〔2024〕2号", unit="园林绿化服务中心")
    assert len(reminders.sent(con)) == 1


def test_board_as_xlsx(con):
    book = openpyxl.load_workbook(io.BytesIO(reminders.board_xlsx(con, AS_OF)))
    assert book.sheetnames == ["迟报单位", "逾期未报明细"]
    board = list(book["迟报单位"].values)
    assert board[0][:4] == ("单位", "应报", "迟报", "逾期未报") and board[1][0] == "卫健委"
    detail = list(book["逾期未报明细"].values)
    assert detail[0] == ("单位", "指标", "指标名称", "期间", "报送截止日", "逾期天数")
    assert ("住建局", "10.5") in {(r[0], r[1]) for r in detail[1:]}
