"""Issue 24, findings 7 and 8, at the services: the inspection loop's order (复查 only after an answer, a send-back
with a new deadline, once), pass rates only from finished rounds and only over sites with a record, and the words
and blame of the office's pages."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.test_inspections import CSV, OFFICE, SITES, T0
from tracker import bootstrap
from tracker.inspections import findings, rounds, sites, verdict
from tracker.inspections.imports import import_findings
from tracker.inspections.sites import InspectionError

TODAY = T0.date()  # 2024-06-06


@pytest.fixture
def con():
    con = bootstrap.connect(":memory:")
    for type_name, name, street in SITES:
        sites.register_site(con, OFFICE, type_name, name, street, now=T0)
    yield con
    con.close()


def _round(con, starts: dt.date, ends: dt.date, types=("公共厕所",)) -> int:
    return rounds.create_round(con, OFFICE, "模拟检查", "六月检查", starts, ends, types=list(types), now=T0)


def _finding(con, rid: int, site: int = 9, level: str = "一般") -> int:
    return findings.record_finding(con, OFFICE, rid, site, "干净整洁", "便池污垢", level,
                                   found_on=dt.date(2024, 6, 1), deadline=dt.date(2024, 6, 10), now=T0)  # fmt: skip


# ---------------------------------------------------------------- finding 7: the loop's order


def test_reinspection_waits_for_the_units_answer(con):
    fid = _finding(con, _round(con, dt.date(2024, 6, 1), dt.date(2024, 6, 2)))
    with pytest.raises(InspectionError, match="提交整改后才能复查"):
        findings.reinspect(con, OFFICE, fid, True, "复查合格", now=T0)
    assert findings.get(con, fid)["status"] == "open"
    assert findings.events(con, fid)["to_status"].tolist() == ["open"]


def test_sending_back_needs_a_new_deadline_after_today_and_happens_once(con):
    fid = _finding(con, _round(con, dt.date(2024, 6, 1), dt.date(2024, 6, 2)))
    findings.answer_finding(con, OFFICE, fid, "已保洁", now=T0)
    with pytest.raises(InspectionError, match="新的整改期限"):
        findings.reinspect(con, OFFICE, fid, False, "仍有污垢", now=T0)
    for stale in (dt.date(2024, 5, 31), TODAY):  # the old deadline, and today itself, are no new deadline
        with pytest.raises(InspectionError, match="须晚于今天 2024-06-06"):
            findings.reinspect(con, OFFICE, fid, False, "仍有污垢", deadline=stale, now=T0)
    assert findings.get(con, fid)["status"] == "answered"
    findings.reinspect(con, OFFICE, fid, False, "仍有污垢", deadline=dt.date(2024, 6, 13), now=T0)
    assert findings.get(con, fid)["deadline"] == dt.date(2024, 6, 13)
    # the second press of the same button: refused, no second line in the history
    with pytest.raises(InspectionError, match="提交整改后才能复查"):
        findings.reinspect(con, OFFICE, fid, False, "仍有污垢", deadline=dt.date(2024, 6, 13), now=T0)
    assert findings.events(con, fid)["to_status"].tolist() == ["open", "answered", "open"]


# ---------------------------------------------------------------- finding 7: pass rates


def test_a_drawn_site_without_a_record_is_not_inspected(con):
    rid = _round(con, dt.date(2024, 6, 1), dt.date(2024, 6, 2))  # 向阳公厕 (9) and 站前公厕 (10)
    rates = verdict.pass_rates(con, rid).set_index("type")
    assert rates.loc["公共厕所", ["inspected", "passed", "unchecked"]].tolist() == [0, 0, 2]
    assert verdict.metric_rates(con, rid).empty  # nothing inspected: no figure
    _finding(con, rid, site=9, level="严重")
    rounds.record_check(con, OFFICE, rid, 10, checked_on=dt.date(2024, 6, 2), now=T0)  # 检查无问题
    rates = verdict.pass_rates(con, rid).set_index("type")
    assert rates.loc["公共厕所", ["inspected", "passed", "unchecked"]].tolist() == [2, 1, 0]
    with pytest.raises(InspectionError, match="不在检查轮次"):
        rounds.record_check(con, OFFICE, rid, 1, now=T0)  # a market is not in this round's draw


def test_a_round_in_progress_writes_no_figure(con):
    rid = _round(con, dt.date(2024, 6, 1), TODAY)  # its last day is today: still under way
    _finding(con, rid, site=9, level="严重")
    with pytest.raises(InspectionError, match="尚未结束"):
        verdict.write_rates(con, OFFICE, rid, now=T0)
    assert con.execute("SELECT count(*) FROM measurement").fetchone()[0] == 0
    # the import into a round under way records its findings but writes no rate either
    result = import_findings(con, OFFICE, "问题.csv", CSV.encode("gbk"), round_id=rid, now=T0)
    assert result.accepted > 0
    assert con.execute("SELECT count(*) FROM round_measurement").fetchone()[0] == 0
    sid, _ = verdict.write_rates(con, OFFICE, rid, now=T0 + dt.timedelta(days=1))  # the day after it ended
    assert sid is not None


# ---------------------------------------------------------------- finding 7: the inspection page


@pytest.fixture
def page_db(tmp_path, monkeypatch):
    """Every site of tests/test_inspections but 站前公厕 (the file's 暗访 row registers it, with a warning)."""
    from app import webapp

    path = tmp_path / "insp.duckdb"
    con = bootstrap.connect(path)
    for type_name, name, street in SITES:
        if name != "站前公厕":
            sites.register_site(con, OFFICE, type_name, name, street, now=T0)
    con.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    webapp._connection.clear()
    yield path
    webapp._connection.clear()


def _page():
    from tests.test_pages import run

    return run("pages/inspections.py", as_of=dt.date.today())


def test_the_import_shows_its_warnings_and_the_rounds_counts_at_once(page_db):
    at = _page()
    at.file_uploader(key="insp_import_file").upload("问题汇总.csv", CSV.encode("gbk")).run()
    at.button(key="insp_import_button").click().run()
    assert not at.exception
    said = [e.value for e in (*at.success, *at.warning, *at.caption, *at.markdown)]
    assert any("导入检查问题：9 条已记录，1 行被拒绝，1 行有提示" in s for s in said), said
    assert any("第12行" in s and "点位「站前公厕」（铁东街道）尚未登记" in s for s in said), said
    table = next(d.value for d in at.dataframe if "问题数" in d.value.columns)
    assert sorted(table["问题数"].tolist()) == [
        1,
        8,
    ]  # the 暗访's one and the 模拟检查's eight, without a reload
    assert {m.label: m.value for m in at.metric}["未销号"] == "9"


def test_reinspection_is_offered_only_on_an_answered_finding(page_db):
    con = bootstrap.connect(page_db)
    rid = _round(con, dt.date(2024, 6, 1), dt.date(2024, 6, 2))
    fid = _finding(con, rid)
    con.close()
    at = _page()
    labels = [b.label for b in at.button]
    assert "复查合格，销号" not in labels and "复查不合格，退回整改" not in labels
    assert "提交整改" in labels  # the office may answer for the unit
    con = bootstrap.connect(page_db)
    findings.answer_finding(con, OFFICE, fid, "已保洁")
    con.close()
    at = _page()
    labels = [b.label for b in at.button]
    assert "复查合格，销号" in labels and "复查不合格，退回整改" in labels


def test_pass_rates_show_the_unchecked_sites_and_no_button_for_a_round_under_way(page_db):
    con = bootstrap.connect(page_db)
    today = dt.date.today()
    done = _round(con, dt.date(2024, 6, 1), dt.date(2024, 6, 2), types=("学校",))
    going = _round(con, today, today + dt.timedelta(days=3), types=("学校",))
    findings.record_finding(con, OFFICE, going, 7, "无烟学校", "教学楼后发现烟头", "严重", found_on=today)
    con.close()
    at = _page()
    rates = [d.value for d in at.dataframe if "未检查点位" in d.value.columns]
    assert [r["未检查点位"].tolist() for r in rates] == [[1], [2]]  # newest round first
    assert rates[1]["合格率"].tolist() == ["—"]  # nothing inspected: no rate, never 100 %
    assert [b.key for b in at.button if b.key and b.key.startswith("insp_write_")] == [f"insp_write_{done}"]
    assert any(f"检查轮次 {going} 尚未结束" in c.value for c in at.caption)


def test_a_drawn_site_is_recorded_clean_on_the_page(page_db):
    con = bootstrap.connect(page_db)
    rid = _round(con, dt.date(2024, 6, 1), dt.date(2024, 6, 2), types=("学校",))
    con.close()
    at = _page()
    at.button(key="insp_rec_clean").click().run()
    assert any("已记录：本点位检查无问题" in s.value for s in at.success)
    rates = next(d.value for d in at.dataframe if "未检查点位" in d.value.columns)
    assert rates[["检查点位", "合格点位", "未检查点位", "合格率"]].values.tolist() == [[1, 1, 1, "100.0%"]]
    assert any("记录为检查无问题" in c.value for c in at.caption) and "insp_rec_clean" not in [
        b.key for b in at.button
    ]
    con = bootstrap.connect(page_db)
    assert con.execute("SELECT count(*) FROM round_site WHERE round_id = ? AND checked_on IS NOT NULL",
                       [rid]).fetchone()[0] == 1  # fmt: skip
    con.close()


# ---------------------------------------------------------------- finding 8: blame and words


def test_a_yes_waiting_for_the_offices_check_is_the_offices_backlog_not_the_units_lag(demo_con):
    from tests.conftest import TODAY
    from tracker.catalogue import catalogue
    from tracker.engine import views
    from tracker.engine.evaluate import evaluate
    from tracker.office import completeness

    cat = catalogue()
    ev = evaluate(demo_con, TODAY)
    ranking = completeness.ranking(ev, completeness.by_unit(demo_con, TODAY, cat=cat), cat).set_index("unit")
    assert ranking.loc["市委编办", ["metrics", "met", "pending"]].tolist() == [1, 0, 1]
    lagging = views.lagging_units(ranking.reset_index())["unit"].tolist()
    assert "市委编办" not in lagging  # its only figure is its 「是」, on time, waiting for the office's 核实
    assert "教育局" in lagging
    backlog = completeness.pending_checks(ev, cat)
    assert backlog[["metric", "unit"]].values.tolist() == [
        ["2.2", "市委编办"], ["16.1", "市场监督管理局"], ["27.1", "卫健委"],
    ]  # fmt: skip


def test_the_overview_and_late_page_show_the_offices_backlog_apart(app_env):
    from tests.test_pages import run

    at = run()
    assert not any(p.label == "市委编办" for p in at.get("page_link"))  # not among 滞后单位
    assert any(
        "另有 3 项单位已按时报「是」、待创卫办核实" in c.value and "市委编办" in c.value for c in at.caption
    )
    late = run("pages/late.py")
    assert any(h.value == "待创卫办核实（创卫办待办）" for h in late.subheader)
    links = [p.label for p in late.get("page_link")]
    assert "第2项 2.2 市委编办：市委编办已报「是」，待核实" not in links  # the metric's own name is shown
    assert any(label.startswith("第2项 2.2 ") and "市委编办已报「是」，待核实" in label for label in links)


def test_a_deadline_passed_reads_as_days_overdue(app_env):
    from tests.test_pages import run

    at = run("pages/unit.py", {"unit": "教育局"})
    late, due = [d.value for d in at.dataframe if "距截止" in d.value.columns]  # the late first, then the due
    assert set(late["距截止"]) == {"逾期 272 天"}  # 2025's figures, due 2026-03-01, as of 2026-11-28
    assert all(str(v).startswith("剩余 ") for v in due["距截止"])


@pytest.fixture
def empty_db(tmp_path, monkeypatch):
    """A tracker database holding one unrelated figure (so the app loads no demo data), as the upload page's tests."""
    from app import webapp
    from tracker.ingest import import_file

    path = tmp_path / "upload.duckdb"
    con = bootstrap.connect(path)
    import_file(con, "seed.csv", "单位,指标,期间,数值\n卫健委,45.1,2019,C\n".encode(), user="seed")
    con.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    webapp._connection.clear()
    yield path
    webapp._connection.clear()


def test_the_upload_says_how_many_yes_now_wait_for_the_offices_check(empty_db):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    from tracker.access.auth import Actor

    at = AppTest.from_file(str(ROOT / "pages" / "upload.py"), default_timeout=60)
    at.session_state["actor"] = Actor("admin", "admin")
    at.run()
    at.selectbox(key="upload_unit").set_value("城管执法局").run()
    rows = "".join(f"城管执法局,{m},2025,{v}\n" for m, v in (("10.7", "是"), ("11.1", "是"), ("12.3", "是"),
                                                             ("13.3", "否")))  # fmt: skip
    at.file_uploader(key="upload_file").upload(
        "a.csv", ("单位,指标,期间,数值\n" + rows).encode(), "text/csv"
    ).run()
    at.button(key="upload_commit").click().run()
    assert not at.exception
    said = [e.value for e in (*at.success, *at.info, *at.caption)]
    assert any("已导入 4 行" in s for s in said), said
    assert any("3 个「是」待创卫办核实" in s for s in said), said


def test_the_item_page_names_the_inspection_figure_that_loses_to_the_units_own(app_env):
    from tests.test_pages import run

    at = run("pages/item.py", {"item": "45"})
    said = [w.value for w in at.warning]
    line = next(s for s in said if "45.5" in s)
    assert "创卫办检查所得 50.0%" in line and "卫健委自报 95.4%" in line and "2023年" in line
    assert "计入的是卫健委的数据" in line
    # the choice is there, on the item page, and offers the inspection's figure first
    picks = [s for s in at.selectbox if s.label == "采用哪一家的数据"]
    assert picks and "创卫办" in str(picks[0].format_func(picks[0].value))


def test_the_notice_names_its_contact_and_keeps_the_signature_with_the_text(demo_con, tmp_path):
    import shutil
    import subprocess

    from tests.conftest import TODAY
    from tracker.reports import reminders

    figures = reminders.owed(demo_con, TODAY, unit="教育局")
    assert len(figures) == 10  # one table that fills page 1: the signature used to stand alone on page 2
    data = reminders.to_docx("创卫办督〔2026〕9号", TODAY, figures, "教育局", TODAY + dt.timedelta(days=7),
                             contact=("张明", "0470-3212345"))  # fmt: skip
    import docx

    text = "\n".join(p.text for p in docx.Document(__import__("io").BytesIO(data)).paragraphs)
    assert "联系人：张明，电话：0470-3212345" in text
    with pytest.raises(reminders.ReminderError, match="联系人"):
        reminders.send(
            demo_con, OFFICE, TODAY, "创卫办督〔2026〕99号", "教育局", contact=("", "0470-3212345")
        )
    if not (shutil.which("soffice") and shutil.which("pdftotext")):
        pytest.skip("no LibreOffice here")
    path = tmp_path / "notice.docx"
    path.write_bytes(data)
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)  # fmt: skip
    pages = subprocess.run(["pdftotext", "-layout", str(tmp_path / "notice.pdf"), "-"], capture_output=True,
                           text=True, check=True).stdout.rstrip("\f").split("\f")  # fmt: skip
    last = "".join(pages[-1].split())
    assert "2026年11月28日" in last and "联系人：张明" in last
    assert "教育局" in last  # rows of the table share the signature's page: it never stands alone
