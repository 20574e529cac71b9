"""Act where you look (issue 13), under AppTest on the briefing's hand-built scenario: 催报 on the late board,
立项 and the upload history from the item page, the unit page's own sections, the account form."""

from __future__ import annotations

import pytest

from tests.test_office_pages import LEADER, OFFICE, TODAY, frame, page_db, run, submit, texts  # noqa: F401
from tracker.office import reminders

pytestmark = pytest.mark.usefixtures("page_db")  # the briefing's scenario in a database file


def test_remind_from_the_late_board():
    at = run("late.py")
    labels = [e.proto.label for e in at.get("download_button")]
    assert "下载迟报督办表（Excel）" in labels
    assert at.text_input(key="remind_number").value == "创卫办督〔2024〕1号"
    at.selectbox(key="remind_unit").set_value("住建局")
    submit(at, "生成督办通知")
    assert "已生成督办通知 创卫办督〔2024〕1号（住建局），已留档。" in texts(at)
    assert "下载督办通知（Word）" in [e.proto.label for e in at.get("download_button")]
    from app import webapp

    sent = reminders.sent(webapp.cursor())
    assert list(sent["unit"]) == ["住建局"] and sent["sent_by"].iloc[0] == OFFICE.name
    assert at.text_input(key="remind_number").value == "创卫办督〔2024〕2号"  # the next number offered
    # the same number again is refused in words
    at.text_input(key="remind_number").input("创卫办督〔2024〕1号")
    submit(at, "生成督办通知")
    assert any("已用过" in e.value for e in at.error)


def test_a_leader_sees_the_board_but_sends_nothing():
    at = run("late.py", LEADER)
    assert not any(b.label == "生成督办通知" for b in at.button)
    assert "下载迟报督办表（Excel）" in [e.proto.label for e in at.get("download_button")]
