"""The smaller things of issue 13, each as it shows on its page: the lagging units' figures whole, a short
delta label, the task table's deadline and status in view, a future as-of date not called history, the heatmap
in time order, the overview's substantive reasons first."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, TODAY
from tests.test_office_pages import page_db, run  # noqa: F401 — the office's scenario and its page runner
from tracker.access.auth import Actor
from tracker.catalogue import catalogue
from tracker.engine import views
from tracker.engine.evaluate import evaluate

CAT = catalogue()
ADMIN = Actor("admin", "admin")


def overview(as_of: dt.date = TODAY, page: str | None = None, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["actor"] = ADMIN
    at.session_state["as_of"] = as_of
    at.session_state["lang"] = lang
    if page:  # straight to the page: the landing page's run would be asserted by nothing
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_lagging_units_show_their_figures_whole(app_env):
    """The unit is the link; its figures, percent sign included, are a caption beneath (a link is cut to a line)."""
    at = overview()
    units = set(CAT.units)
    links = [link.label for link in at.get("page_link") if link.proto.query_string.startswith("unit=")]
    assert links and all(label in units for label in links)
    captions = [c.value for c in at.caption if c.value.startswith("指标达标")]
    assert len(captions) == len(links)
    assert all(c.endswith("%") or c.endswith("—") for c in captions)


def test_the_month_delta_label_is_short(app_env):
    at = overview()
    described = [m.proto.delta_description for m in at.metric if m.proto.delta_description]
    assert described == ["较上月末"]


def test_reasons_put_not_met_before_overdue_data(demo_con):
    """Item 30: its real causes (肥胖率 not falling, a 食物中毒 incident) before the figures merely overdue."""
    ev = evaluate(demo_con, TODAY)
    table = views.item_table(ev, CAT).set_index("item")
    statuses = ev.metrics.set_index("metric")["status"]
    item30 = [m.code for m in CAT.item(30).metrics if statuses[m.code] != "met"]
    not_met = [c for c in item30 if statuses[c] == "not_met"]
    assert len(not_met) >= 2 and len(item30) > len(not_met)  # the demo's case: causes and overdue figures
    reasons = table.loc[30, "reasons"]
    assert reasons[: len(not_met)] == [ev.metrics.set_index("metric").loc[c, "reason"] for c in not_met]
    assert "肥胖率" in "".join(reasons[:2]) and "食物中毒" in "".join(reasons[:2])
    assert table.loc[30, "reasons_en"][0] == ev.metrics.set_index("metric").loc[not_met[0], "reason_en"]


def test_heatmap_columns_in_time_order(app_env):
    assert [p.code for p in views.phases_in_time_order(CAT)] == [
        "P1",
        "P2",
        "P3.1",
        "P3.2",
        "P3",
        "P4",
        "P5",
        "P6",
    ]
    at = overview(page="pages/phases.py")
    import json

    charts = [json.loads(c.proto.spec)["data"] for c in at.get("plotly_chart")]
    columns = next(d[0]["x"] for d in charts if d and d[0].get("type") == "heatmap")
    assert [c.split(" ")[0] for c in columns] == ["P1", "P2", "P3.1", "P3.2", "P3", "P4", "P5", "P6"]


def test_task_table_shows_deadline_and_status_first(page_db):  # noqa: F811
    at = run("tasks.py")
    table = next(d.value for d in at.dataframe if "整改期限" in d.value.columns)
    assert list(table.columns)[:4] == ["任务编号", "整改期限", "任务状态", "是否逾期"]
    assert not table.isna().any().any()  # no 「None」 cell


def test_a_future_as_of_date_is_not_called_history(page_db):  # noqa: F811
    later = dt.date.today() + dt.timedelta(days=30)
    at = run("tasks.py", as_of=later)
    shown = "\n".join(i.value for i in at.info) + "\n".join(c.value for c in at.caption)
    assert "历史视图" not in shown and "在今天之后" in shown
    past = run("tasks.py", as_of=dt.date.today() - dt.timedelta(days=30))
    assert any("历史视图" in i.value for i in past.info)
