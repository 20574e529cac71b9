"""End to end: a hand-written set of measurements with hand-worked statuses, as of 2024-03-15.

On that day the 2023 annual figures are due (deadline 2024-02-29, 60 days after 2023-12-31) and so is
2023's fourth quarter (due 2024-01-15); nothing of 2024 counts yet.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.scenario import add
from tracker import bootstrap
from tracker.catalogue import catalogue
from tracker.engine.evaluate import evaluate, readiness_history, to_json

AS_OF = dt.date(2024, 3, 15)


@pytest.fixture(scope="module")
def ev():
    con = bootstrap.connect(":memory:")
    add(con, "10.3", "2023年", 76)
    add(con, "12.1", "2023年", 38)
    add(con, "12.2", "2023年", 8.5, recorded_at="2024-01-10 09:00:00")
    add(con, "12.2", "2023年", 9.2, recorded_at="2024-02-01 09:00:00")  # corrects the figure above
    add(con, "12.3", "2023年", 1, unit="创卫办")
    add(con, "9.1", "2023年", 19.5)
    add(con, "5.1", "2023Q3", 92)
    for year, value in ((2021, 20), (2022, 21), (2023, 22)):
        add(con, "6.1", f"{year}年", value)
    for year, value in ((2021, 28), (2022, 28.5), (2023, 27)):
        add(con, "38.1", f"{year}年", value)
    for year in (2021, 2022, 2023):
        add(con, "21.1", f"{year}年", 0)
    add(con, "30.6", "2022年", 1)
    add(con, "30.6", "2023年", 0)
    for area in catalogue().metric("40.5").areas:
        if area != "柴河镇":
            add(con, "40.5", "2023年", 95, area=area)
    add(con, "42.1", "2023年", 6.4)
    add(con, "42.1b", "2023年", 6.0)
    add(con, "42.6", "2023年", 2.6)
    add(con, "42.6b", "2023年", 3.0)
    add(con, "45.1", "2023年", "C")
    add(con, "45.2", "2023年", "D")
    add(con, "2.1", "2023年", 1)
    add(con, "2.2", "2023年", 1, unit="创卫办")
    add(con, "2.3", "2023年", 0)
    add(con, "22.1", "2022年", 335)
    add(con, "10.3", "2024年", 99)  # a period not ended by the as-of date: must not count
    result = evaluate(con, AS_OF)
    con.close()
    return result


EXPECTED = {
    "10.3": ("not_met", "2023年 道路机械化清扫率 76.0% < 80%（城管执法局）"),
    "12.1": ("met", "2023年 建成区绿化覆盖率 38.0% ≥ 38%（园林绿化服务中心）"),
    "12.2": ("met", "2023年 人均公园绿地面积 9.2平方米 ≥ 9平方米（园林绿化服务中心）"),
    "9.1": ("met", "2023年 15岁以上人群吸烟率 19.5% < 20%（卫健委）"),
    "5.1": ("stale", "群众对卫生状况满意率 最新数据为2023年第三季度，2023年第四季度数据逾期未报（创卫办）"),
    "6.1": ("met", "2023年 居民健康素养水平 22.0% < 23%，持续上升（卫健委）"),
    "38.1": (
        "not_met",
        "个人卫生支出占卫生总费用的比重 近3年 2021年 28.0% → 2022年 28.5% → 2023年 27.0%，未持续下降（卫健委）",
    ),
    # 2021–2023 each declared 0: the window (2021-03-15, 2024-03-15] is covered.
    "21.1": ("met", "近36个月（2021年3月16日至2024年3月15日）重大环境污染和生态破坏事故 0起（生态环境局）"),
    # 2021's declaration is missing, but an incident is an incident.
    "30.6": (
        "not_met",
        "近36个月（2021年3月16日至2024年3月15日）重大学校食物中毒事件 共1起：2022年 1起（市场监督管理局）",
    ),
    "40.5": ("no_data", None),
    "42.1": ("met", "2023年 每千常住人口床位数 6.4张/千人 ≥ 区域卫生规划要求 6张/千人（卫健委）"),
    "42.6": ("not_met", "2023年 每万常住人口全科医生数 2.6人/万人 < 区域卫生规划要求 3人/万人（卫健委）"),
    "45.1": ("met", "2023年 鼠密度等级 C级，要求C级及以上（卫健委）"),
    "45.2": ("not_met", "2023年 蚊密度等级 D级，要求C级及以上（卫健委）"),
    "2.1": ("pending", "2023年 爱卫会组织健全、成员单位分工明确职责落实 已报「是」，待创卫办核实（卫健委）"),
    "2.2": ("met", None),
    "2.3": ("not_met", None),
    "22.1": ("stale", None),
    "8.1": ("no_data", None),
}


@pytest.mark.parametrize("metric", EXPECTED)
def test_metric_status_and_reason(ev, metric):
    row = ev.metrics.set_index("metric").loc[metric]
    status, reason = EXPECTED[metric]
    assert row["status"] == status
    if reason:
        assert row["reason"] == reason


def test_area_breakdown(ev):
    areas = ev.areas[ev.areas["metric"] == "40.5"].set_index("area")["status"]
    assert len(areas) == 19 and areas["柴河镇"] == "no_data" and (areas.drop("柴河镇") == "met").all()


def test_item_statuses(ev):
    items = ev.items.set_index("item")
    assert items.loc[12, "status"] == "met"  # 12.1, 12.2 (corrected) and the office's checklist 12.3
    assert items.loc[21, "status"] == "met"
    assert items.loc[10, "status"] == "not_met"
    assert items.loc[2, "status"] == "not_met"  # one 「否」 outweighs a pending and a met
    assert items.loc[30, "status"] == "not_met" and items.loc[30, "veto_risk"]
    assert items.loc[5, "status"] == "stale"
    assert items.loc[1, "status"] == "no_data"


def test_summary(ev):
    s = ev.summary
    assert (s["items"], s["met"], s["veto_risks"]) == (45, 2, [30])  # items 12 and 21
    assert s["readiness"] == round(2 / 45, 4)
    assert s["met"] + s["not_met"] + s["no_data"] + s["stale"] + s["pending"] == 45


def test_json_shape(ev):
    data = to_json(ev)
    assert data["as_of"] == "2024-03-15"
    assert set(data["summary"]) >= {"items", "met", "not_met", "no_data", "readiness", "veto_risks"}
    item10 = data["items"][9]
    assert (item10["code"], item10["category"], item10["status"]) == (10, 3, "not_met")
    m = next(m for m in item10["metrics"] if m["code"] == "10.3")
    assert (m["value"], m["period"], m["status"]) == (76.0, "2023年", "not_met")
    vaccination = next(m for m in data["items"][39]["metrics"] if m["code"] == "40.5")
    assert len(vaccination["areas"]) == 19


def test_history_equals_single_evaluations():
    con = bootstrap.connect(":memory:")
    add(con, "21.1", "2021年", 0)
    add(con, "12.1", "2022年", 39)
    add(con, "12.2", "2022年", 9.5)
    add(con, "12.3", "2022年", 1, unit="创卫办")
    dates = [dt.date(2021, 12, 31), dt.date(2022, 12, 31), dt.date(2023, 12, 31)]
    history = readiness_history(con, dates).set_index("as_of")["met"]
    # 21.1 declares only 2021; every year of its 36-month window whose declaration is due needs one.
    # 2021-12-31: 2019 and 2020 are due and missing → no data; nothing met → 0
    # 2022-12-31: 2020 due and missing → no data; item 12's 2022 figures count → 1
    # 2023-12-31: 2022's declaration (deadline 2023-03-01) missing → stale; item 12 met → 1
    assert [int(history[pd_ts(d)]) for d in dates] == [0, 1, 1]
    for d in dates:
        assert evaluate(con, d).summary["met"] == int(history[pd_ts(d)])


def pd_ts(d):
    import pandas as pd

    return pd.Timestamp(d)


def test_a_date_asked_twice_counts_once():
    con = bootstrap.connect(":memory:")
    for year in (2019, 2020, 2021):
        add(con, "21.1", f"{year}年", 0)
    day = dt.date(2021, 12, 31)
    twice = readiness_history(con, [day, day]).set_index("as_of")["met"]
    assert len(twice) == 1 and int(twice.iloc[0]) == evaluate(con, day).summary["met"] == 1


def test_a_changed_rule_is_audited(monkeypatch):
    import json

    from tracker.engine.catalogue_tables import ensure_catalogue

    con = bootstrap.connect(":memory:")
    cat = catalogue()
    ensure_catalogue(con, cat)
    rule = cat.metric("10.3").rule
    monkeypatch.setitem(rule, "value", 85)  # the office edits 道路机械化清扫率 ≥80% to ≥85% in the YAML
    ensure_catalogue(con, cat)
    action, before, after = con.execute("SELECT action, before_json, after_json FROM audit_log").fetchone()
    assert action == "catalogue_change"
    assert json.loads(before)["10.3"][8] == 80 and json.loads(after)["10.3"][8] == 85


def test_due_reads_the_same_in_python_and_sql():
    """tracker.engine.due: the latest period due on a day, by the SQL the evaluation runs and by its Python twin
    (the template's), for every day across a year end and deadlines shorter and longer than a period."""
    import duckdb

    from tracker.engine.due import due_start_sql, is_due, latest_due

    days = [dt.date(2023, 11, 1) + dt.timedelta(days=i) for i in range(200)]
    con = duckdb.connect()
    for period_type in ("year", "quarter", "month"):
        for grace in (0, 10, 15, 60, 100):
            rows = con.execute(
                f"""SELECT d, CAST({due_start_sql("$type", "d", "$grace")} AS DATE)
                    FROM (SELECT unnest($days) AS d) ORDER BY d""",
                {"type": period_type, "grace": grace, "days": days},
            ).fetchall()
            for day, start in rows:
                period = latest_due(period_type, day, grace)
                assert period.start == start, (period_type, grace, day)
                assert is_due(period, day, grace)
    # Hand-worked: a quarter's deadline of 15 days is 2024-01-15 for 2023年第四季度, due from the 16th.
    assert latest_due("quarter", dt.date(2024, 1, 15), 15).label == "2023年第三季度"
    assert latest_due("quarter", dt.date(2024, 1, 16), 15).label == "2023年第四季度"
