"""Every page under AppTest: no exception, and the figures shown equal the engine's for the same as-of date.

AppTest runs dashboard.py (the entry point with st.navigation) and switches to a page. Its element tree
keeps the frame's own elements (sidebar, demo banner) only for the first run of a session, so the frame
is checked on the overview's first run; the browser tests check the banner on every page.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app.markup import plain
from tests.conftest import ROOT, TODAY
from tracker import bootstrap
from tracker.access.auth import Actor
from tracker.catalogue import catalogue
from tracker.engine import views
from tracker.engine.evaluate import evaluate, readiness_history
from tracker.engine.progress import progress_table
from tracker.office import completeness
from tracker.strings import DEMO_BANNER, STATUS_LABEL

CAT = catalogue()
LABEL = STATUS_LABEL["zh"]


ADMIN = Actor("admin", "admin")


def run(page: str | None = None, query: dict | None = None, as_of: dt.date = TODAY, lang: str | None = None):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.session_state["actor"] = ADMIN  # signed in as the office (tests/test_auth_pages.py covers the login)
    at.session_state["as_of"] = as_of
    if lang:
        at.session_state["lang"] = lang
    if page:  # straight to the page: the landing page's run would be asserted by nothing
        for key, value in (query or {}).items():
            at.query_params[key] = value
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def readiness_text(summary: dict) -> str:
    return f"达标 {summary['met']}/{summary['items']} 项（{100 * summary['met'] / summary['items']:.1f}%）"


def markdowns(at) -> list[str]:
    return [m.value for m in at.markdown]


def dataframe_with(at, *columns: str) -> pd.DataFrame:
    """The first dataframe shown with all these columns."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


# ---------------------------------------------------------------- overview


@pytest.mark.parametrize("as_of", [TODAY, dt.date(2024, 12, 31), dt.date(2023, 6, 30)])
def test_overview_readiness_equals_engine(app_env, demo_con, as_of):
    at = run(as_of=as_of)
    s = evaluate(demo_con, as_of).summary
    assert f"## {readiness_text(s)}" in markdowns(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["达标项目"] == f"{s['met']}/{s['items']}"
    for label, key in (
        ("未达标", "not_met"),
        ("数据过期", "stale"),
        ("无数据", "no_data"),
        ("待核实", "pending"),
    ):
        assert metrics[label] == str(s[key])
    assert metrics["一票否决风险"] == str(len(s["veto_risks"]))


def test_overview_frame_banner_veto_and_progress(app_env, demo_con):
    at = run()
    ev = evaluate(demo_con, TODAY)
    assert [i.value for i in at.info][0] == DEMO_BANNER  # an is_demo database says so
    assert at.date_input(key="as_of").value == TODAY
    assert at.radio(key="lang").value == "zh"
    reason = ev.metrics.set_index("metric").loc["30.6", "reason"]
    assert [e.value for e in at.error] == [f"第30项 学生体育与健康：{reason}"]  # veto risks first
    table = progress_table(demo_con, ev, CAT)
    assessed = table[table["category"] != "not_assessable"]
    lines = [
        m for m in markdowns(at) if m.startswith("- **") and ("实际速度为所需的" in m or "期望方向" in m)
    ]  # the pace in words (issue 24)
    labels = {
        "on_track": "按期可达",
        "moderate": "有进展需加快",
        "limited": "进展有限",
        "deteriorating": "倒退",
    }
    assert len(lines) == len(assessed)
    for line, r in zip(lines, assessed.itertuples(index=False), strict=True):
        assert line.startswith(f"- **{r.metric} {CAT.metric(r.metric).name}")
        assert line.endswith(f"**{labels[r.category]}**")
        if r.method == "target":
            assert f"实际速度为所需的 {r.ratio:.2f} 倍" in line


def test_overview_lists_every_item_with_the_engine_status(app_env, demo_con):
    at = run()
    items = dataframe_with(at, "牵头单位").set_index("序号")
    ev = evaluate(demo_con, TODAY).items.set_index("item")
    assert len(items) == 45
    for code, row in items.iterrows():
        assert row["状态"] == LABEL[ev.loc[code, "status"]]


def test_overview_in_english(app_env, demo_con):
    at = run(lang="en")
    s = evaluate(demo_con, TODAY).summary
    text = f"## Met {s['met']}/{s['items']} items ({100 * s['met'] / s['items']:.1f}%)"
    assert text in markdowns(at)
    assert at.title[0].value == "Leaders' dashboard"


def test_an_empty_database_in_demo_mode_gets_the_demo_and_says_so(tmp_path, monkeypatch):
    path = tmp_path / "empty.duckdb"
    monkeypatch.setenv("TRACKER_DB", str(path))
    monkeypatch.setenv(
        "TRACKER_DEMO", "1"
    )  # `make run`; a real database is never filled (test_demo_separation)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["actor"] = ADMIN
    at.run()
    assert not at.exception
    assert [i.value for i in at.info][0] == DEMO_BANNER
    con = bootstrap.connect(path)  # the same process: shares the app's database instance
    s = evaluate(con, dt.date.today()).summary
    assert f"## {readiness_text(s)}" in markdowns(at)
    assert s["met"] > 0


# ---------------------------------------------------------------- item


@pytest.mark.parametrize("code", [10, 30, 40, 42, 45])
def test_item_page_shows_the_engine_statuses_and_reasons(app_env, demo_con, code):
    at = run("pages/item.py", {"item": str(code)})
    item = CAT.item(code)
    ev = evaluate(demo_con, TODAY)
    metrics = ev.metrics.set_index("metric")
    assert at.title[0].value == f"第{code}项 {item.title}"
    assert at.selectbox(key="item_pick").value == code
    shown = markdowns(at)
    status = ev.items.set_index("item").loc[code, "status"]
    assert any(LABEL[status] in m and m.startswith("<span") for m in shown)  # the item's badge
    assert f"> {item.text}" in shown
    assert f"- 牵头：{item.lead}" in shown
    for metric in item.metrics:
        assert plain(f"判定：{metrics.loc[metric.code, 'reason']}") in shown  # shown as text (issue 22)
        header = next(m for m in shown if m.startswith(f"#### {metric.code} {metric.name}"))
        assert LABEL[metrics.loc[metric.code, "status"]] in header
        if metric.national_field:  # said in words, never the form's field name (issue 24, finding 5)
            assert any("国家评审表" in c.value for c in at.caption)
            assert not any(f"国家评审表字段：{metric.national_field}" in c.value for c in at.caption)
    if code == 30:
        assert at.error[0].value == "本项存在一票否决风险。"


def test_item_page_area_breakdown(app_env, demo_con):
    at = run("pages/item.py", {"item": "40"})
    areas = evaluate(demo_con, TODAY).areas
    areas = areas[areas["metric"] == "40.5"].set_index("area")
    shown = dataframe_with(at, "区域", "状态").set_index("区域")
    assert len(shown) == len(areas)
    assert shown.loc["柴河镇", "状态"] == "未达标" and shown.loc["柴河镇", "数值"] == "88.5%"
    for area, row in shown.iterrows():
        assert row["状态"] == LABEL[areas.loc[area, "status"]]


def test_item_page_without_a_query_falls_back_to_the_selectbox(app_env):
    at = run("pages/item.py")
    assert at.title[0].value.startswith("第1项")
    at.selectbox(key="item_pick").select(14).run()
    assert at.title[0].value == "第14项 生活垃圾分类与处理"
    assert at.query_params["item"] == "14"


# ---------------------------------------------------------------- unit


@pytest.mark.parametrize("unit", ["教育局", "城管执法局", "卫健委"])
def test_unit_page_equals_engine(app_env, demo_con, unit):
    at = run("pages/unit.py", {"unit": unit})
    ev = evaluate(demo_con, TODAY)
    ranking = completeness.ranking(ev, completeness.by_unit(demo_con, TODAY, cat=CAT), CAT)
    row = ranking.set_index("unit").loc[unit]
    metrics = {m.label: m.value for m in at.metric}
    assert at.title[0].value == unit
    assert metrics["报送指标达标"] == f"{int(row['met'])}/{int(row['metrics'])}"
    assert metrics["按时报送率"] == f"{row['on_time_rate'] * 100:.1f}%"
    assert metrics["逾期未报"] == str(int(row["missing"]))
    reported = dataframe_with(at, "原因")
    mine = ev.metrics.set_index("metric")
    for text, status in zip(reported["指标"], reported["状态"], strict=True):
        assert status == LABEL[mine.loc[text.split(" ")[0], "status"]]
    shown = dataframe_with(at, "按时报送率")
    assert shown["单位"].tolist() == ranking["unit"].tolist()
    assert shown["应报"].tolist() == ranking["due"].tolist()
    assert shown["逾期未报"].tolist() == ranking["missing"].tolist()


def test_unit_page_accepts_an_alias_in_the_query(app_env):
    alias = next(a for a in CAT.units["城管执法局"].aliases)
    at = run("pages/unit.py", {"unit": alias})
    assert at.title[0].value == "城管执法局"


# ---------------------------------------------------------------- phases


def test_phases_page_equals_engine(app_env, demo_con):
    at = run("pages/phases.py")
    dates = sorted({views.phase_eval_date(p, TODAY) for p in CAT.phases} - {None})
    history = readiness_history(demo_con, dates)
    history["as_of"] = pd.to_datetime(history["as_of"]).dt.date
    readiness = dict(zip(history["as_of"], history["readiness"], strict=True))
    shown = markdowns(at)
    for p in CAT.phases:
        when = views.phase_eval_date(p, TODAY)
        if when is None:
            assert not any(m.startswith(f"- **{p.code} ") for m in shown)
            continue
        line = f"- **{p.code} {p.name}**：目标 {p.target_readiness * 100:.1f}% ／ 实际 {readiness[when] * 100:.1f}%"
        assert line in shown
    table = dataframe_with(at, "目标达标率")
    assert len(table) == len(CAT.phases)


# ---------------------------------------------------------------- the uploads pages in the same navigation


@pytest.mark.parametrize("page", ["pages/upload.py", "pages/submissions.py"])
def test_upload_pages_run_in_the_navigation(app_env, page):
    if not (ROOT / page).exists():
        pytest.skip(f"{page} not written yet")
    run(page)
