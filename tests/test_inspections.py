"""检查与暗访, worked by hand: 12 sites, a 模拟检查 round over all of them and a 暗访 round drawn over the public
toilets, 9 findings imported from a GBK CSV with a title row and one bad row. The right tasks open for the
right units; the pass rates per type are the ones counted below; the 暗访 否决风险 is a veto risk on item 15 until
the finding is closed after 复查."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from tracker import bootstrap
from tracker.access.auth import Actor, PermissionDenied
from tracker.engine.evaluate import evaluate
from tracker.inspections import findings, rounds, sites, verdict
from tracker.inspections.imports import import_findings, import_sites
from tracker.inspections.sites import InspectionError
from tracker.office import tasks

OFFICE = Actor("王主任", "admin")
CITY = Actor("城管上报员", "reporter", "城管执法局")
MARKET = Actor("市场监管上报员", "reporter", "市场监督管理局")
LEADER = Actor("李市长", "leader")
T0 = dt.datetime(2024, 6, 6, 9, 0)
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + b"\x00\x00\x00\rIHDR"
    + b"\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    + b"\x00" * 64
)

SITES = [  # type, name, street
    ("农贸市场", "铁东农贸市场", "铁东街道"),
    ("农贸市场", "正阳农贸市场", "正阳街道"),
    ("农贸市场", "河西早市", "河西街道"),
    ("小餐饮", "老王家饺子馆", "铁东街道"),
    ("小餐饮", "兴安面馆", "铁东街道"),
    ("小餐饮", "正阳烧烤", "正阳街道"),
    ("学校", "第一中学", "兴华街道"),
    ("学校", "繁荣小学", "繁荣街道"),
    ("公共厕所", "向阳公厕", "向阳街道"),
    ("公共厕所", "站前公厕", "铁东街道"),
    ("背街小巷", "铁东三道巷", "铁东街道"),
    ("背街小巷", "高台子后街", "高台子街道"),
]

CSV = """2023—2024年扎兰屯市创卫检查问题汇总表
检查类型,检查日期,点位,点位类型,街道/乡镇,项目,问题描述,严重程度,责任单位,整改期限
模拟检查,2023-05-12,铁东农贸市场,农贸市场,铁东街道,生熟分开,生熟混放，未分区经营,严重,,2023-05-19
模拟检查,2023-05-12,铁东农贸市场,农贸市场,铁东街道,防蝇设施,熟食摊位无防蝇罩,一般,,
模拟检查,2023/5/13,正阳农贸市场,农贸市场,正阳街道,16.2,活禽宰杀区未隔离,一般,市场监管局,2023-05-31
模拟检查,2023-05-14,老王家饺子馆,小餐饮,铁东街道,健康证明,2名从业人员无健康证,严重,,2023-05-21
模拟检查,2023-05-14,正阳烧烤,小餐饮,正阳街道,45.6,后厨无挡鼠板,严重,,
模拟检查,2023年5月15日,第一中学,学校,兴华街道,无烟学校,教学楼后发现烟头,一般,教育局,2023-05-30
模拟检查,2023-05-16,向阳公厕,公共厕所,向阳街道,干净整洁,便池污垢、无洗手液,严重,城管执法局,2023-05-23
模拟检查,2023-05-16,铁东三道巷,背街小巷,铁东街道,第10项,乱堆杂物、墙面小广告,一般,铁东街道办事处,2023-05-31
模拟检查,2023-05-17,河西早市,农贸市场,河西街道,生熟分开,占道经营,很严重,,2023-13-01
暗访,2024-06-03,站前公厕,公共厕所,铁东街道,二类标准,无水冲、粪便外溢,否决风险,城管执法局,2024-06-06
"""


@pytest.fixture
def con():
    con = bootstrap.connect(":memory:")
    seed(con)
    yield con
    con.close()


def seed(con) -> None:
    """The 12 sites and the two rounds (tests/test_pg_office.py seeds PostgreSQL with them too)."""
    for type_name, name, street in SITES:
        sites.register_site(con, OFFICE, type_name, name, street, now=T0)
    rounds.create_round(con, OFFICE, "模拟检查", "2023年上半年模拟检查", dt.date(2023, 5, 10), dt.date(2023, 5, 20),
                        team="创卫办督查组", now=T0)  # fmt: skip
    rounds.create_round(con, OFFICE, "暗访", "2024年暗访", dt.date(2024, 6, 1), dt.date(2024, 6, 5),
                        types=["公共厕所"], per_group=1, seed=20240601, now=T0)  # fmt: skip


# The drawn sites where the teams found nothing, recorded as such (a drawn site without a record is 未检查):
# round 1 河西早市, 兴安面馆, 繁荣小学, 站前公厕, 高台子后街; round 2 向阳公厕.
CHECKED_CLEAN = [(1, 3), (1, 5), (1, 8), (1, 10), (1, 12), (2, 9)]


@pytest.fixture
def imported(con):
    for round_id, site_id in CHECKED_CLEAN:
        rounds.record_check(con, OFFICE, round_id, site_id, now=T0)
    result = import_findings(con, OFFICE, "问题汇总.csv", CSV.encode("gbk"), now=T0)
    return con, result


def test_the_import_reads_gbk_under_a_title_row_and_refuses_the_bad_row(imported):
    con, result = imported
    assert result.outcome == "committed" and (result.accepted, result.refused) == (9, 1)
    assert result.header_row == 2
    (bad,) = result.refused_rows
    assert bad.row == 11  # as Excel numbers it: title 1, header 2
    assert any("很严重" in r for r in bad.reasons) and any("2023-13-01" in r for r in bad.reasons)
    assert bad.cells["点位"] == "河西早市"
    assert set(result.to_json()) >= {
        "submission",
        "accepted",
        "refused",
        "refused_rows",
        "outcome",
        "message",
    }
    again = import_findings(con, OFFICE, "问题汇总.csv", CSV.encode("gbk"), now=T0)
    assert again.duplicate and con.execute("SELECT count(*) FROM finding").fetchone()[0] == 9


def test_each_finding_opens_a_task_for_its_unit(imported):
    con, _ = imported
    ledger = tasks.ledger(con, dt.date(2024, 6, 6)).set_index("metric")
    assert ledger["owner_unit"].to_dict() == {
        "16.1": "市场监督管理局", "45.5": "市场监督管理局", "16.2": "市场监督管理局", "35.3": "市场监督管理局",
        "45.6": "市场监督管理局", "9.4": "教育局", "15.2": "城管执法局", "10.7": "铁东街道", "15.3": "城管执法局",
    }  # fmt: skip
    assert ledger.loc["15.3", "description"] == "【暗访】站前公厕（铁东街道）不低于二类标准：无水冲、粪便外溢"
    assert ledger.loc["15.3", "deadline"] == dt.date(2024, 6, 6)
    # no deadline given: the office's practice by severity (一般 15 days)
    row = findings.findings(con, dt.date(2024, 6, 6)).set_index("metric").loc["45.5"]
    assert row["deadline"] == dt.date(2023, 5, 27) and row["round_kind"] == "模拟检查"


def test_pass_rates_per_type_match_the_hand_count(imported):
    con, _ = imported
    mock = verdict.pass_rates(con, 1).set_index("type")
    # 农贸市场: 铁东 严重, 正阳 一般 only, 河西 nothing (its row was refused) → 2/3
    # 小餐饮: 饺子馆 严重, 烧烤 严重, 面馆 nothing → 1/3; 学校 一般 only → 2/2; 公厕 向阳 严重 → 1/2; 小巷 → 2/2
    assert mock[["passed", "inspected"]].to_dict("index") == {
        "农贸市场": {"passed": 2, "inspected": 3}, "小餐饮": {"passed": 1, "inspected": 3},
        "学校": {"passed": 2, "inspected": 2}, "公共厕所": {"passed": 1, "inspected": 2},
        "背街小巷": {"passed": 2, "inspected": 2},
    }  # fmt: skip
    visit = verdict.pass_rates(con, 2).set_index("type")
    assert visit[["passed", "inspected"]].to_dict("index") == {"公共厕所": {"passed": 1, "inspected": 2}}
    # the figures: 45.5 and 45.6 from markets and eateries together (3 of 6), 9.4 from the schools (2 of 2)
    figures = con.execute(
        """SELECT m.metric, m.value, m.numerator, m.denominator, m.period_label, m.unit, m.evidence, s.file_name
           FROM measurement m JOIN submission s ON s.id = m.submission_id ORDER BY m.metric"""
    ).fetchall()
    assert [f[:6] for f in figures] == [
        ("45.5", 50.0, 3, 6, "2023年", "创卫办"), ("45.6", 50.0, 3, 6, "2023年", "创卫办"),
        ("9.4", 100.0, 2, 2, "2023年", "创卫办"),
    ]  # fmt: skip
    assert figures[0][6] == "inspection_round:1" and figures[0][7].startswith("检查轮次 1（模拟检查")
    ev = evaluate(con, dt.date(2024, 6, 6)).metrics.set_index("metric")
    assert ev.loc["45.5", "status"] == "not_met" and ev.loc["9.4", "status"] == "met"


def test_the_veto_risk_holds_until_closed_after_reinspection(imported):
    con, _ = imported
    day = dt.date(2024, 6, 6)
    items = evaluate(con, day).items.set_index("item")
    assert bool(items.loc[15, "veto_risk"]) and items.loc[15, "inspection_veto"] == [9]
    assert not bool(items.loc[16, "veto_risk"])  # a 模拟检查 finding is no veto risk
    finding = 9
    with pytest.raises(PermissionDenied):
        findings.answer_finding(con, MARKET, finding, "已整改")
    findings.answer_finding(con, CITY, finding, "已改造为水冲式，粪便清运完毕", photo=(PNG, "整改后.png"),
                            now=dt.datetime(2024, 6, 6, 9, 30))  # fmt: skip
    assert bool(evaluate(con, day).items.set_index("item").loc[15, "veto_risk"])
    with pytest.raises(PermissionDenied):
        findings.reinspect(con, CITY, finding, True, "自己验收")
    findings.reinspect(
        con, OFFICE, finding, True, "复查：水冲正常，地面干净", now=dt.datetime(2024, 6, 6, 10, 0)
    )
    after = evaluate(con, day).items.set_index("item")
    assert not bool(after.loc[15, "veto_risk"])
    row = findings.findings(con, day).set_index("id").loc[finding]
    assert row["status"] == "closed" and bool(row["on_time"])
    task = tasks.get(con, int(row["task_id"]))
    assert task["status"] == "closed" and task["close_reason"].startswith("复查合格销号")
    steps = findings.events(con, finding)
    assert steps["to_status"].tolist() == ["open", "answered", "closed"]
    assert steps["photo_sha256"].notna().tolist() == [False, True, False]
    actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
    assert {"finding_record", "finding_answer", "finding_reinspect", "evidence_attach", "round_rates"} <= set(
        actions
    )
    assert verdict.veto_risks(con, day).empty


def test_a_failed_reinspection_reopens_and_overdue_and_repeats_are_flagged(imported):
    con, _ = imported
    findings.answer_finding(con, OFFICE, 7, "已保洁", now=dt.datetime(2024, 6, 6, 10))
    findings.reinspect(
        con, OFFICE, 7, False, "仍有污垢", deadline=dt.date(2024, 6, 8), now=dt.datetime(2024, 6, 6, 11)
    )
    row = findings.findings(con, dt.date(2024, 6, 10)).set_index("id").loc[7]
    assert row["status"] == "open" and bool(row["overdue"]) and row["deadline"] == dt.date(2024, 6, 8)
    assert tasks.get(con, int(row["task_id"]))["deadline"] == dt.date(2024, 6, 8)
    assert not bool(findings.findings(con, dt.date(2024, 6, 7)).set_index("id").loc[7, "overdue"])
    again = findings.record_finding(con, OFFICE, 1, 9, "干净整洁", "又见污垢", "一般", found_on=dt.date(2023, 5, 20),
                                     now=dt.datetime(2024, 6, 6, 12))  # fmt: skip
    frame = findings.findings(con, dt.date(2024, 6, 10)).set_index("id")
    assert bool(frame.loc[again, "repeated"]) and not bool(frame.loc[7, "repeated"])


def test_services_recheck_the_caller_and_refuse_clearly(con):
    with pytest.raises(PermissionDenied):
        sites.register_site(con, LEADER, "学校", "新校", "正阳街道")
    with pytest.raises(PermissionDenied):
        rounds.create_round(con, CITY, "模拟检查", "x", dt.date(2024, 1, 1), dt.date(2024, 1, 2))
    with pytest.raises(PermissionDenied):
        import_findings(con, CITY, "a.csv", CSV.encode("gbk"))
    with pytest.raises(InspectionError, match="未知点位类型「菜市场」"):
        sites.register_site(con, OFFICE, "菜市场", "新市场", "正阳街道")
    with pytest.raises(InspectionError, match="已登记"):
        sites.register_site(con, OFFICE, "学校", "第一中学", "兴华街道")
    with pytest.raises(InspectionError, match="没有检查项「生熟分开」"):
        findings.record_finding(con, OFFICE, 1, 7, "生熟分开", "x", "一般")


def test_the_random_draw_is_reproducible_per_type_and_street(con):
    for i in range(6):
        sites.register_site(con, OFFICE, "小餐饮", f"铁东小吃{i}", "铁东街道")
    kwargs = dict(types=["小餐饮"], per_group=2, seed=7)
    a = rounds.create_round(con, OFFICE, "暗访", "a", dt.date(2024, 7, 1), dt.date(2024, 7, 2), **kwargs)
    b = rounds.create_round(con, OFFICE, "暗访", "b", dt.date(2024, 7, 1), dt.date(2024, 7, 2), **kwargs)
    sample_a, sample_b = rounds.round_sites(con, a), rounds.round_sites(con, b)
    assert sample_a["id"].tolist() == sample_b["id"].tolist()
    assert sample_a.groupby("street").size().to_dict() == {"正阳街道": 1, "铁东街道": 2}
    assert rounds.get_round(con, a)["seed"] == 7


def test_sites_import_from_a_sheet(con, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["扎兰屯市点位登记表"])
    ws.append(["点位名称", "点位类型", "街道/乡镇", "地址", "责任单位"])
    ws.append(["火车站", "车站", "铁东街道", "站前路1号", None])
    ws.append(["南山工地", "建筑工地", "河西街道", "南山路", "住建局、城管执法局"])
    ws.append(["第一中学", "学校", "兴华街道", None, None])  # already registered
    ws.append(["某地", "菜市场", "河西街道", None, None])
    path = tmp_path / "sites.xlsx"
    book.save(path)
    result = import_sites(con, OFFICE, "sites.xlsx", path.read_bytes())
    assert (result.accepted, result.refused) == (2, 2)
    assert [r.row for r in result.refused_rows] == [5, 6]
    frame = sites.list_sites(con).set_index("name")
    assert list(frame.loc["火车站", "units"]) == ["齐齐哈尔车务段扎兰屯站", "交通运输局"]
    assert list(frame.loc["南山工地", "units"]) == ["住建局", "城管执法局"]


def test_the_command_line_imports_and_lists_findings(tmp_path, capsys):
    from tracker.cli import main

    path = tmp_path / "cli.duckdb"
    con = bootstrap.connect(path)
    for type_name, name, street in SITES:
        sites.register_site(con, OFFICE, type_name, name, street, now=T0)
    rounds.create_round(
        con, OFFICE, "模拟检查", "模拟检查", dt.date(2023, 5, 10), dt.date(2023, 5, 20), now=T0
    )
    con.close()
    csv = tmp_path / "问题.csv"
    csv.write_bytes(CSV.encode("gbk"))
    assert main(["findings", "import", str(csv), "--dry-run", "--json", "--db", str(path)]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["outcome"] == "dry_run" and (dry["accepted"], dry["refused"]) == (9, 1)
    assert dry["refused_rows"][0]["row"] == 11
    # --round 1 is the 模拟检查: the 暗访 row is refused for its kind
    assert main(["findings", "import", str(csv), "--round", "1", "--json", "--db", str(path)]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["outcome"] == "committed" and (done["accepted"], done["refused"]) == (8, 2)
    assert any("暗访" in r for r in done["refused_rows"][1]["reasons"])
    assert main(["findings", "list", "--status", "open", "--json", "--db", str(path)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 8 and all(r["overdue"] for r in listed)
    assert main(["findings", "list", "--status", "closed", "--db", str(path)]) == 0
    assert "没有符合条件的问题" in capsys.readouterr().out
    assert main(["tasks", "--json", "--db", str(path)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 8
    assert main(["findings", "import", str(tmp_path / "none.csv"), "--db", str(path)]) == 2


def test_findings_from_an_excel_sheet_with_date_cells(con, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["2024年暗访问题清单（自治区爱卫会）"])
    ws.merge_cells("A1:J1")
    ws.append(
        [
            "检查类型",
            "检查日期",
            "点位",
            "点位类型",
            "街道/乡镇",
            "项目",
            "问题描述",
            "严重程度",
            "责任单位",
            "整改期限",
        ]
    )
    ws.append(["暗访", dt.datetime(2024, 6, 3), "站前公厕", "公共厕所", "铁东街道", "二类标准", "无水冲", "否决风险", None,
               dt.datetime(2024, 6, 6)])  # fmt: skip
    ws.append(
        [
            "暗访",
            dt.datetime(2024, 6, 4),
            "新开菜店",
            "农贸市场",
            "铁东街道",
            "塑料袋",
            "使用超薄塑料袋",
            "一般",
            None,
            None,
        ]
    )
    ws.append(
        ["暗访", "六月五日", "向阳公厕", "公共厕所", "向阳街道", "干净整洁", "有异味", "一般", None, None]
    )
    path = tmp_path / "暗访.xlsx"
    book.save(path)
    result = import_findings(con, OFFICE, "暗访.xlsx", path.read_bytes(), round_id=2, now=T0)
    assert (result.accepted, result.refused, result.warnings) == (2, 1, 1)
    assert result.refused_rows[0].row == 5 and "六月五日" in result.refused_rows[0].reasons[0]
    assert "新开菜店" in result.warned_rows[0].reasons[0]  # registered from its row
    frame = findings.findings(con, dt.date(2024, 6, 6)).set_index("site")
    assert frame.loc["站前公厕", "deadline"] == dt.date(2024, 6, 6)
    assert frame.loc["新开菜店", "unit"] == "市场监督管理局" and frame.loc["新开菜店", "round_id"] == 2


def test_photos_attach_to_a_finding_by_its_unit_or_the_office(imported):
    from tracker.office import evidence

    con, _ = imported
    assert evidence.attach_file(con, PNG, "现场.png", "finding", 9, CITY) > 0  # 城管执法局's finding
    with pytest.raises(PermissionDenied):
        evidence.attach_file(con, PNG, "现场.png", "finding", 9, MARKET)
    with pytest.raises(evidence.EvidenceError):
        evidence.attach_file(con, PNG, "现场.png", "finding", 99, OFFICE)


def test_a_photo_of_a_finding_is_a_picture_and_anything_else_changes_nothing(imported):
    """The photo fields take JPG or PNG (the page's picker no longer filters: its refusal would be in English);
    a PDF sent as the rectification photo is refused naming it, and the finding stays open."""
    con, _ = imported
    pdf = b"%PDF-1.4\n" + b"0" * 64
    with pytest.raises(InspectionError, match="「整改报告.pdf」不是照片"):
        findings.answer_finding(con, CITY, 9, "已整改", photo=(pdf, "整改报告.pdf"))
    assert findings.get(con, 9)["status"] == "open"
    assert findings.events(con, 9)["to_status"].tolist() == ["open"]
    findings.answer_finding(con, CITY, 9, "已整改", photo=(PNG, "整改后.png"))
    assert findings.get(con, 9)["status"] == "answered"


def test_the_demo_tells_its_inspection_story_and_clearing_removes_it_only(demo_pristine, tmp_path):
    from tracker.demo import clear_demo

    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_pristine, path)  # the demo as loaded on 2026-11-28
    con = bootstrap.connect(path)
    listed = rounds.list_rounds(con).set_index("kind")
    assert listed.loc["模拟检查", "starts"] == dt.date(2023, 4, 10) and listed.loc["暗访", "seed"] == 20240513
    assert verdict.veto_risks(con, dt.date(2024, 5, 20))["site"].tolist() == ["河西早市"]
    assert verdict.veto_risks(con, dt.date(2024, 5, 31)).empty
    assert con.execute("SELECT bool_and(is_demo) FROM submission").fetchone()[0]  # the rates' submission too
    mine = sites.register_site(con, OFFICE, "学校", "真实学校", "正阳街道")
    clear_demo(con)
    assert con.execute("SELECT count(*) FROM finding").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM task").fetchone()[0] == 0
    assert sites.list_sites(con)["id"].tolist() == [mine]
