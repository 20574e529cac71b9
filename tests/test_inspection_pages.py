"""The inspection page, the overview and the item page on the demo: the 2024 暗访 否决风险 at 河西早市 (found on
14 May, closed after 复查 on 23 May) is a veto risk on item 16 while open, and nowhere after."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import TODAY, app_on_copy
from tests.test_inspections import CSV, OFFICE, SITES, T0
from tests.test_pages import run
from tracker import bootstrap
from tracker.inspections import findings, rounds, sites
from tracker.inspections.imports import import_findings

OPEN_DAY, CLOSED_DAY = dt.date(2024, 5, 20), dt.date(2024, 5, 31)

pytestmark = pytest.mark.usefixtures("app_env")


def texts(at) -> list[str]:
    return [e.value for e in (*at.error, *at.caption, *at.markdown, *at.success)]


def test_the_overview_shows_the_visit_veto_risk_while_open():
    at = run("pages/overview.py", as_of=OPEN_DAY)
    line = next(e.value for e in at.error if "暗访发现" in e.value)
    assert line.startswith("第16项") and "河西早市" in line and "市场监督管理局" in line
    assert any("检查发现的问题：未销号" in c.value for c in at.caption)
    later = run("pages/overview.py", as_of=CLOSED_DAY)
    assert not [e for e in later.error if "暗访发现" in e.value]


def test_the_overview_counts_a_finding_recorded_after_it_was_shown(demo_db, tmp_path, monkeypatch):
    """The overview's count of findings is kept between runs (cached.findings): a finding recorded since is
    counted at the next run."""
    from app import webapp

    def counts(at) -> str:
        return next(c.value for c in at.caption if "检查发现的问题" in c.value)

    with app_on_copy(demo_db, tmp_path / "app.duckdb", monkeypatch, "tests-office-secret-1"):
        at = run("pages/overview.py")
        assert counts(at) == "检查发现的问题：未销号 1 条，其中逾期 1 条"
        at.run()  # the same figures read again
        assert counts(at) == "检查发现的问题：未销号 1 条，其中逾期 1 条"
        morning = dt.datetime.combine(TODAY, dt.time(9))
        con = webapp.cursor()
        site = sites.register_site(con, OFFICE, "公共厕所", "站前公厕", "铁东街道", now=morning)
        rid = rounds.create_round(con, OFFICE, "暗访", "十一月暗访", TODAY, TODAY, now=morning)
        findings.record_finding(
            con, OFFICE, rid, site, "干净整洁", "地面积水", "一般", found_on=TODAY, now=morning
        )
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert counts(at) == "检查发现的问题：未销号 2 条，其中逾期 1 条"


def test_the_item_page_names_the_open_finding():
    at = run("pages/item.py", {"item": "16"}, as_of=OPEN_DAY)
    assert any(e.value == "本项存在一票否决风险。" for e in at.error)
    assert any("暗访发现的否决风险问题未销号：问题 13" in c.value for c in at.caption)
    later = run("pages/item.py", {"item": "16"}, as_of=CLOSED_DAY)
    assert not any("暗访发现的否决风险问题未销号" in c.value for c in later.caption)


def test_the_item_page_says_where_a_pass_rate_came_from(tmp_path, monkeypatch):
    """On the hand-worked round (tests/test_inspections.py): 无烟学校建成比例 2023 is the schools' pass rate."""
    path = tmp_path / "round.duckdb"
    con = bootstrap.connect(path)
    for type_name, name, street in SITES:
        sites.register_site(con, OFFICE, type_name, name, street, now=T0)
    rounds.create_round(con, OFFICE, "模拟检查", "2023年上半年模拟检查", dt.date(2023, 5, 10), dt.date(2023, 5, 20),
                        now=T0)  # fmt: skip
    import_findings(con, OFFICE, "问题汇总.csv", CSV.encode("gbk"), now=T0)
    con.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    at = run("pages/item.py", {"item": "9"}, as_of=dt.date(2024, 6, 6))
    assert any(
        "本指标有来自检查的合格率数据：检查轮次 1（模拟检查，2023年上半年模拟检查" in c.value
        for c in at.caption
    )


def test_the_inspection_page_counts_and_ranks():
    at = run("pages/inspections.py")
    assert [m.label for m in at.metric][:4] == ["未销号", "逾期", "已销号", "暗访否决风险"]
    assert [m.value for m in at.metric][:4] == ["1", "1", "15", "0"]
    ranking = next(d.value for d in at.dataframe if "按期销号率" in d.value.columns)
    assert ranking.iloc[-1]["责任单位"] == "高台子街道"  # its 城中村 finding is still open and overdue


def test_the_inspection_page_in_english():
    at = run("pages/inspections.py", lang="en")
    assert [m.label for m in at.metric][:4] == ["Open", "Overdue", "Closed", "Veto risks (unannounced)"]
    assert at.title[0].value == "Inspections and unannounced visits"
