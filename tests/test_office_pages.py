"""The office's pages under AppTest on the briefing's hand-built scenario (as of 2024-03-15): the late board, the
rectification ledger as the office, a unit and a leader see it, item acceptance, and the report downloads."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from app.markup import plain  # pages show data escaped (issue 22)
from tests.conftest import ROOT
from tests.test_briefing import AS_OF, scenario
from tracker import bootstrap
from tracker.access.auth import Actor
from tracker.office import tasks

OFFICE = Actor("王主任", "admin")
CITY = Actor("城管上报员", "reporter", "城管执法局")
LEADER = Actor("李市长", "leader")


@pytest.fixture
def page_db(tmp_path, monkeypatch):
    from app import webapp

    path = tmp_path / "office.duckdb"
    con = bootstrap.connect(path)
    scenario(con)
    con.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    webapp._connection.clear()
    yield path
    webapp._connection.clear()


def run(page: str, actor: Actor | None = OFFICE, as_of: dt.date = AS_OF) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=90)
    at.session_state["as_of"] = as_of
    if actor is not None:
        at.session_state["actor"] = actor
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at) -> str:
    return "\n".join(
        [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
        + [s.value for s in at.success] + [w.value for w in at.warning] + [i.value for i in at.info]
    )  # fmt: skip


def frame(at, *columns: str):
    """The first dataframe shown with all these columns."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def submit(at, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_late_board(page_db):
    at = run("late.py")
    assert at.title[0].value == "迟报督办"
    shown = texts(at)
    assert "**教育局**：应报 10，迟报 1，逾期未报 8，按时报送率 10.0%" in shown
    assert "学校校医或专（兼）职保健教师配备比率（29.1） 2023年" in shown
    rates = frame(at, "单位", "按时报送率", "报送率").set_index("单位")
    assert rates.loc["教育局", "按时报送率"] == "10.0%"
    at.selectbox(key="late_unit").set_value("教育局").run()
    periods = frame(at, "期间", "应报（含未到期）")
    assert list(periods["期间"]) == ["2023年"] and int(periods["逾期未报"].iloc[0]) == 8


def test_ledger_history_view(page_db):
    """On 2024-03-15 task 1 (deadline 2024-02-29) was 15 days overdue; a past date is read only."""
    at = run("tasks.py")
    assert "任务 2 项，逾期 1 项" in texts(at) and "历史视图" in texts(at)
    table = frame(at, "任务编号", "是否逾期")
    assert table["是否逾期"].iloc[0] == "逾期 15 天" and table["任务编号"].iloc[0] == 1
    assert not any(b.label in ("保存", "销号", "为新的未达标指标自动立项") for b in at.button)


def test_ledger_as_the_office(page_db):
    today = dt.date.today()  # read in the test: a run that crosses midnight stamps its tasks on the new day
    at = run("tasks.py", as_of=today)
    assert "任务 2 项，逾期 2 项" in texts(at)  # both deadlines (2024-02-29, 2024-04-30) have passed
    table = frame(at, "任务编号", "是否逾期")
    assert table["是否逾期"].iloc[0] == f"逾期 {(today - dt.date(2024, 2, 29)).days} 天"
    at.button(key="tasks_auto_button").click().run()
    assert not at.exception
    assert "已为 1 个指标立项。" in texts(at)  # 30.6 (10.3 already has its task; 14.1 has no data here)
    assert len(frame(at, "任务编号", "是否逾期")) == 3
    # close task 1 with a written reason
    at.selectbox(key="tasks_pick").set_value(1).run()
    at.text_area(key="tasks_close_reason_1").input("经领导小组同意，纳入2024年计划")
    submit(at, "销号")
    assert "任务 1 已销号。" in texts(at)
    from app import webapp

    assert tasks.get(webapp.cursor(), 1)["status"] == "closed"


def test_ledger_as_a_unit(page_db):
    at = run("tasks.py", CITY, as_of=dt.date.today())
    assert "本单位（城管执法局）的整改任务" in texts(at)
    table = frame(at, "任务编号", "是否逾期")
    assert list(table["责任单位"]) == ["城管执法局"]  # not 住建局's task
    assert not any(b.label == "销号" for b in at.button)
    at.radio(key="tasks_status_1").set_value("in_progress")
    at.text_area(key="tasks_note_1").input("已采购两台洗扫车")
    submit(at, "保存")
    assert "已保存。" in texts(at)
    from app import webapp

    assert tasks.get(webapp.cursor(), 1)["status"] == "in_progress"


def test_ledger_read_only_for_a_leader(page_db):
    at = run("tasks.py", LEADER, as_of=dt.date.today())
    assert "当前账号只能查看。" in texts(at)
    assert not any(b.label in ("保存", "销号", "为新的未达标指标自动立项") for b in at.button)


def test_acceptance(page_db):
    at = run("acceptance.py")
    table = frame(at, "编号", "验收").set_index("编号")
    assert table.loc[12, "验收"] == "已验收" and table.loc[21, "验收"] == "可验收"
    assert table.loc[10, "验收"] == "未达标，暂不能验收"
    at.selectbox(key="acc_item").set_value(21)
    at.text_area(key="acc_evidence").input('=HYPERLINK("x") 生态环境局近三年无事故证明')
    submit(at, "验收")
    assert "第21项已验收。" in texts(at)
    assert frame(at, "编号", "验收").set_index("编号").loc[21, "验收"] == "已验收"
    # a leader reads only
    leader = run("acceptance.py", LEADER)
    assert "只有创卫办管理员可以验收。" in texts(leader)


def test_acceptance_withdrawn_is_flagged(page_db):
    from tracker.ingest.uploads import upload

    con = bootstrap.connect(
        page_db
    )  # item 12 falls back: the upload's commit withdraws its acceptance (issue 10)
    upload(
        con,
        Actor("园林张", "reporter", "园林绿化服务中心"),
        "fix.csv",
        "指标,期间,数值\n12.1,2023年,30%\n".encode(),
    )
    con.close()
    at = run("acceptance.py", as_of=dt.date.today())
    shown = texts(at)
    assert "第12项 城市绿化：截至" in shown and "回落为未达标，验收自动撤销" in shown
    assert frame(at, "编号", "验收").set_index("编号").loc[12, "验收"] == "验收已撤销"


def test_reports_page(page_db):
    at = run("reports.py", LEADER)
    shown = texts(at)
    assert "通报要点：达标 2/45 项，一票否决风险 1 项，迟报单位" in shown and "逾期整改任务 1 项" in shown
    assert "**关于创建国家卫生城市工作进展情况的通报**" in shown
    labels = [e.proto.label for e in at.get("download_button")]
    assert labels == [
        "下载通报（Word）",
        "下载明细（Excel）",
        "下载 JSON（国家系统格式）",
        "下载 Excel（供审核）",
        "导出全部档案（zip）",  # 导出档案 (issue 13)
    ]
    at.number_input(key="rep_year").set_value(2023).run()
    at.radio(key="rep_form").set_value("county").run()
    assert not at.exception
    assert any("个字段无数值" in e.label for e in at.expander)


def test_reports_page_issues_and_archives(page_db):
    """The office types a 文号 and 期数, presses 印发并存档, and finds the briefing in the archive; a 文号 twice is
    refused in words; a leader reads the archive but cannot issue."""
    at = run("reports.py", OFFICE)
    assert "尚未印发通报。" in texts(at)
    at.text_input(key="rep_number").set_value("扎创卫办〔2024〕7号")
    at.text_input(key="rep_issue_no").set_value("2")
    at.toggle(key="rep_known_then").set_value(True)
    submit(at, "印发并存档")
    assert plain(
        "已印发并存档：扎创卫办〔2024〕7号（创卫工作进展通报-2024-03-15-扎创卫办〔2024〕7号.docx）"
    ) in texts(at)
    archived = frame(at, "文号", "期数", "按当时已知")
    assert archived[["文号", "期数", "按当时已知", "印发人"]].values.tolist() == [
        ["扎创卫办〔2024〕7号", "第2期", "✓", "王主任"]
    ]
    assert "下载存档（Word）" in [e.proto.label for e in at.get("download_button")]
    assert (
        at.selectbox(key="rep_archive_pick")
        .format_func(at.selectbox(key="rep_archive_pick").value)
        .startswith("扎创卫办〔2024〕7号 · 第2期 · 截至 2024年3月15日（按当时已知） · 王主任 于 ")
    )
    submit(at, "印发并存档")  # the same 文号 again
    assert "不能重复使用。请换用新的文号" in texts(at)
    assert len(frame(at, "文号", "期数")) == 1

    leader = run("reports.py", LEADER)
    assert "印发并存档" not in [b.label for b in leader.button]
    assert "只有创卫办管理员可以印发通报。" in texts(leader)
    assert "下载存档（Word）" in [e.proto.label for e in leader.get("download_button")]


def test_pages_in_the_navigation(page_db):
    """The dashboard lists the office's pages under 创卫办工作 and opens them."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.session_state["as_of"] = AS_OF
    at.session_state["actor"] = OFFICE
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    for page, title in (("pages/late.py", "迟报督办"), ("pages/reports.py", "通报与国家表")):
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.title[0].value == title


def test_ledger_form_follows_the_picked_task(page_db):
    """Picking another task shows that task's status and an empty note: a 保存 acts on what is shown (issue 13)."""
    at = run("tasks.py", as_of=dt.date.today())
    at.selectbox(key="tasks_pick").set_value(1).run()
    at.radio(key="tasks_status_1").set_value("in_progress")
    at.text_area(key="tasks_note_1").input("已采购两台洗扫车")
    submit(at, "保存")
    at.selectbox(key="tasks_pick").set_value(2).run()
    assert at.radio(key="tasks_status_2").value == "open"  # task 2's own status, not task 1's
    assert at.text_area(key="tasks_note_2").value == ""
    at.text_area(key="tasks_note_2").input("已约谈")
    submit(at, "保存")
    from app import webapp

    con = webapp.cursor()
    assert tasks.get(con, 1)["status"] == "in_progress" and tasks.get(con, 2)["status"] == "open"
    assert list(tasks.events(con, 2)["note"])[-1] == "已约谈"
