"""Act where you look (issue 13), under AppTest on the briefing's hand-built scenario: 催报 on the late board,
立项 and the upload history from the item page, the unit page's own sections, the account form."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from app.markup import plain  # pages show data escaped (issue 22)
from tests.test_office_pages import LEADER, OFFICE, frame, page_db, run, submit, texts  # noqa: F401
from tracker.office import tasks
from tracker.reports import reminders

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


def item_page(item: int, actor=OFFICE):
    """The item page inside the app's frame (its links to other pages need the navigation)."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    from tests.test_briefing import AS_OF

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.session_state["as_of"] = AS_OF
    at.session_state["actor"] = actor
    at.session_state["item_pick"] = item
    # straight to the page: the landing page's run is asserted by nothing
    at.switch_page("pages/item.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_open_a_task_from_the_item_page():
    """Beside 10.3 (not met): 立项 prefilled with the unit, the evaluation's reason and a deadline; the ledger
    gets the task as it was shown."""
    at = item_page(10)
    reason = at.text_area(key="act_reason_10_3")
    assert reason.value.startswith("2023年 道路机械化清扫率 76.0% < 80%")
    assert at.selectbox(key="act_owner_10_3").value == "城管执法局"
    deadline = at.date_input(key="act_deadline_10_3").value
    assert deadline == dt.date.today() + dt.timedelta(days=tasks.DEFAULT_DAYS)
    assert "已有未销号的整改任务：#1" in texts(at)  # the scenario's task for 10.3
    assert not any(k.key == "act_reason_12_1" for k in at.text_area)  # 12.1 is met: no action beside it
    at.text_area(key="act_reason_10_3").input("道路机械化清扫率未达标，增购洗扫车")
    at.date_input(key="act_deadline_10_3").set_value(dt.date(2026, 12, 31))
    next(b for b in at.button if b.key == "act_create_10_3").click().run()
    assert not at.exception
    assert any(plain("已开立整改任务 #3（城管执法局，期限 2026-12-31）") in s.value for s in at.success)
    from app import webapp

    task = tasks.get(webapp.cursor(), 3)
    assert (task["metric"], task["owner_unit"], task["deadline"]) == (
        "10.3",
        "城管执法局",
        dt.date(2026, 12, 31),
    )
    assert task["description"] == "道路机械化清扫率未达标，增购洗扫车" and task["opened_by"] == OFFICE.name


def test_the_item_page_links_to_the_units_upload_history():
    at = item_page(10)
    links = {(e.proto.label, e.proto.page) for e in at.get("page_link")}
    assert any(label == "城管执法局的报送记录" and "submissions" in page for label, page in links), links


def test_a_leader_sees_no_actions_on_the_item_page():
    at = item_page(10, LEADER)
    assert not [k for k in at.text_area if k.key and k.key.startswith("act_reason_")]


def test_submissions_filtered_to_a_unit():
    """The item page's link opens 报送记录 on the unit (?unit=); the office can pick another or all units."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    from tracker import bootstrap
    from tracker.access.auth import Actor
    from tracker.ingest.uploads import upload

    con = bootstrap.connect(os.environ["TRACKER_DB"])  # the page_db fixture's file
    upload(
        con, Actor("城管张", "reporter", "城管执法局"), "cg.csv", "指标,期间,数值\n10.4,2024年,93%\n".encode()
    )
    upload(
        con,
        Actor("园林张", "reporter", "园林绿化服务中心"),
        "yl.csv",
        "指标,期间,数值\n12.1,2024年,40%\n".encode(),
    )
    con.close()
    at = AppTest.from_file(str(ROOT / "pages" / "submissions.py"), default_timeout=90)
    at.session_state["actor"] = OFFICE
    at.query_params["unit"] = "城管执法局"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="submissions_unit").value == "城管执法局"
    assert set(at.dataframe[0].value["单位"]) == {"城管执法局"}
    at.selectbox(key="submissions_unit").set_value("").run()  # all units
    assert set(at.dataframe[0].value["单位"]) == {"城管执法局", "园林绿化服务中心"}


def test_account_form_keeps_what_was_typed_and_explains_a_missing_unit():
    at = run("users.py")
    assert at.selectbox(key="user_new_role").value == "reporter"  # most new accounts are units' reporters
    at.text_input(key="user_new_name").input("卫健小李")
    at.text_input(key="user_new_password").input("a-first-password-9")
    submit(at, "创建")
    assert [e.value for e in at.error] == ["单位上报员须绑定所在单位：请在「绑定单位」中选择。"]
    assert at.text_input(key="user_new_name").value == "卫健小李"  # nothing typed is lost
    assert at.text_input(key="user_new_password").value == "a-first-password-9"
    at.selectbox(key="user_new_unit").set_value("卫健委")
    submit(at, "创建")
    assert any("已创建账号「卫健小李」" in s.value for s in at.success)
    assert at.text_input(key="user_new_name").value == ""  # cleared for the next account
    assert "卫健小李" in set(at.dataframe[0].value.iloc[:, 0])


def test_the_notice_names_the_contact_typed_on_the_form():
    """Issue 24, finding 8: 联系人 and 电话 on the form (the settings' first), printed above the signature."""
    import io

    import docx

    at = run("late.py")
    at.selectbox(key="remind_unit").set_value("住建局")
    at.text_input(key="remind_contact").input("张明")
    at.text_input(key="remind_phone").input("0470-3212345")
    submit(at, "生成督办通知")
    from app import webapp

    notice = reminders.sent(webapp.cursor()).iloc[0]
    _, data = reminders.notice_file(webapp.cursor(), int(notice["id"]))
    text = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert "联系人：张明，电话：0470-3212345" in text
