"""Issue 10's findings about the verdict, each with a hand-worked expectation.

Dates: the demo's today is 2026-11-28. Annual figures are due 60 days after the year ends, so on that day
2025 is the latest year due (deadline 2026-03-01) and 2026 is under way.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tests.scenario import add
from tracker import bootstrap
from tracker.engine.evaluate import evaluate, metric_statuses

TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def con():
    c = bootstrap.connect(":memory:")
    yield c
    c.close()


def _metric(ev, code):
    return ev.metrics.set_index("metric").loc[code]


def _item(ev, code):
    return ev.items.set_index("item").loc[code]


# ---------------------------------------------------------------- 1–3 incidents are events


def _declare(con, metric, years, value=0):
    for year in years:
        add(con, metric, f"{year}年", value, recorded_at=f"{year + 1}-01-20 09:00:00")


def test_an_incident_reported_this_year_is_a_veto_risk_today(con):
    _declare(con, "30.6", (2023, 2024, 2025))
    add(con, "30.6", "2026年10月", 1, recorded_at="2026-11-10 10:00:00")
    ev = evaluate(con, TODAY)
    row = _metric(ev, "30.6")
    assert row["status"] == "not_met"
    assert row["value"] == 1
    assert "2026年10月" in row["reason"] and "1起" in row["reason"]
    assert bool(_item(ev, 30)["veto_risk"])
    assert 30 in ev.summary["veto_risks"]


def test_an_incident_counts_from_the_moment_it_is_recorded_not_before(con):
    _declare(con, "30.6", (2023, 2024, 2025))
    add(con, "30.6", "2026年10月", 1, recorded_at="2026-11-10 10:00:00")
    # Known then: on 2026-11-01 nobody had reported it yet.
    before = evaluate(con, dt.date(2026, 11, 1), known_at=dt.datetime(2026, 11, 1, 23, 59))
    assert _metric(before, "30.6")["status"] == "met"
    # A period that starts after the as-of date does not count.
    assert _metric(evaluate(con, dt.date(2026, 9, 30)), "30.6")["status"] == "met"


def test_the_whole_year_2026_count_is_also_read(con):
    _declare(con, "30.6", (2023, 2024, 2025))
    add(con, "30.6", "2026年", 1, recorded_at="2026-11-10 10:00:00")
    assert _metric(evaluate(con, TODAY), "30.6")["status"] == "not_met"


def test_one_year_declared_is_not_three(con):
    _declare(con, "30.6", (2025,))
    row = _metric(evaluate(con, TODAY), "30.6")
    assert row["status"] == "no_data"
    assert "2023年" in row["reason"] and "2024年" in row["reason"]
    assert "2025年" not in row["reason"].split("缺")[-1]


def test_the_latest_due_year_missing_is_stale(con):
    _declare(con, "30.6", (2023, 2024))
    row = _metric(evaluate(con, TODAY), "30.6")
    assert row["status"] == "stale"
    assert "2025年" in row["reason"]


def test_every_year_declared_zero_is_met_and_says_36_months(con):
    _declare(con, "30.6", (2023, 2024, 2025))
    row = _metric(evaluate(con, TODAY), "30.6")
    assert row["status"] == "met"
    assert row["value"] == 0
    assert "36个月" in row["reason"]


def test_the_window_rolls_by_month_not_by_calendar_year(con):
    # An incident in May 2023, within 2023's yearly total of 1; 2024 and 2025 declared 0.
    _declare(con, "30.6", (2023,), value=1)
    _declare(con, "30.6", (2024, 2025))
    add(con, "30.6", "2023年5月", 1, recorded_at="2023-06-02 10:00:00")
    # 36 months back from 2026-05-15 reach into May 2023: the incident counts.
    assert _metric(evaluate(con, dt.date(2026, 5, 15)), "30.6")["status"] == "not_met"
    # From 2026-06-30 the window starts in July 2023: May's incident has left it, and 2023's total holds no
    # other incident.
    row = _metric(evaluate(con, dt.date(2026, 6, 30)), "30.6")
    assert row["status"] == "met", row["reason"]
    assert row["value"] == 0


def test_a_yearly_total_with_no_month_counts_while_the_year_touches_the_window(con):
    _declare(con, "30.6", (2023,), value=1)
    _declare(con, "30.6", (2024, 2025))
    # Without the month, 2023's incident counts while any day of 2023 lies in the window.
    assert _metric(evaluate(con, dt.date(2026, 6, 30)), "30.6")["status"] == "not_met"
    assert _metric(evaluate(con, dt.date(2027, 1, 15)), "30.6")["status"] in ("met", "stale")


# ---------------------------------------------------------------- 4 trends the way the plan reads


def _series(con, metric, values, first=2023):
    for i, v in enumerate(values):
        add(con, metric, f"{first + i}年", v, recorded_at=f"{first + i + 1}-01-20 09:00:00")


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ((0, 0, 0), "met"),  # zero deaths three years running: the floor is the best there is
        ((3.1, 3.1, 3.1), "not_met"),  # flat above the floor is no decrease
        ((3.2, 3.1, 3.0), "met"),
        ((3.0, 3.1, 2.9), "not_met"),  # a year worse than the one before
        ((3.0, 3.0, 2.9), "not_met"),  # 「逐年下降」: 2024 no lower than 2023 (issue 21)
    ],
)
def test_steady_decrease_for_30_4(con, values, status):
    _series(con, "30.4", values)
    assert _metric(evaluate(con, TODAY), "30.4")["status"] == status


def test_a_gap_in_a_trend_is_no_data_naming_the_year(con):
    add(con, "30.4", "2022年", 5.0)
    add(con, "30.4", "2023年", 4.0)
    add(con, "30.4", "2025年", 3.0)
    row = _metric(evaluate(con, TODAY), "30.4")
    assert row["status"] == "no_data"
    assert "2024年" in row["reason"]


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ((0, 0, 0, 0), "met"),  # 0 deaths over the form's three years
        ((12.0, 15.0, 14.0, 11.0), "met"),  # 2025 lower than 2023, whatever 2024 did (issue 21)
        ((12.0, 10.0, 9.0, 12.0), "not_met"),  # 2025 above 2023
        ((10.0, 9.0, 8.0, 10.5), "not_met"),
    ],
)
def test_40_1_reads_lower_than_two_years_earlier(con, values, status):
    _series(con, "40.1", values, first=2022)
    assert _metric(evaluate(con, TODAY), "40.1")["status"] == status


def test_40_1_needs_the_forms_three_years(con):
    # Issue 21: 「降低」 is read over the national form's three years, 2023–2025; 2022 is not asked for.
    _series(con, "40.1", (9.0, 8.0, 7.0), first=2023)
    assert _metric(evaluate(con, TODAY), "40.1")["status"] == "met"
    _series(con, "40.1", (9.0,), first=2022)
    con.execute("DELETE FROM measurement WHERE metric = '40.1' AND period_label = '2024年'")
    row = _metric(evaluate(con, TODAY), "40.1")
    assert row["status"] == "no_data"
    assert "2024年" in row["reason"]


# ---------------------------------------------------------------- 5 compare uses the reference's year


def test_compare_against_an_old_reference_is_stale(con):
    add(con, "42.1", "2025年", 6.4)
    add(con, "42.1b", "2019年", 6.0)
    row = _metric(evaluate(con, TODAY), "42.1")
    assert row["status"] == "stale"
    assert "2019年" in row["reason"]


def test_compare_against_the_same_years_reference(con):
    add(con, "42.1", "2025年", 6.4)
    add(con, "42.1b", "2025年", 6.5)
    add(con, "42.1b", "2024年", 6.0)
    assert _metric(evaluate(con, TODAY), "42.1")["status"] == "not_met"


def test_compare_finds_its_years_reference_behind_five_newer_ones(con):
    """The reference for 2020 is the sixth latest of 42.1b: the evaluation ranks only the four latest periods, so
    the reference is looked up among every period."""
    add(con, "42.1", "2020年", 6.4)
    add(con, "42.1b", "2020年", 6.0)
    for year in range(2021, 2026):
        add(con, "42.1b", f"{year}年", 9.0)
    row = _metric(evaluate(con, TODAY), "42.1")
    assert row["ref_value"] == 6.0
    assert row["status"] == "stale"  # found and met, but the 2020 figure is older than the year due


# ---------------------------------------------------------------- 8 units are not glued to numbers


def test_rates_per_100000_read_apart_from_their_unit(con):
    _series(con, "40.1", (20.0, 18.5, 19.81, 17.0), first=2022)
    reason = _metric(evaluate(con, TODAY), "40.1")["reason"]
    assert "18.51/10万" not in reason and "19.811/10万" not in reason
    assert "17/10万" in reason or "17.0/10万" in reason


# ---------------------------------------------------------------- 9 as known then


def test_as_known_then_ignores_later_corrections(con):
    add(con, "10.3", "2023年", 76, recorded_at="2024-01-20 09:00:00")
    add(con, "10.3", "2023年", 85, recorded_at="2026-06-01 09:00:00")  # a correction made later
    then = evaluate(con, dt.date(2024, 3, 31), known_at=dt.datetime(2024, 3, 31, 23, 59, 59))
    now = evaluate(con, dt.date(2024, 3, 31))
    assert _metric(then, "10.3")["status"] == "not_met"
    assert _metric(now, "10.3")["status"] == "met"


def test_histories_can_be_known_then_per_date(con):
    add(con, "10.3", "2023年", 76, recorded_at="2024-01-20 09:00:00")
    add(con, "10.3", "2023年", 85, recorded_at="2026-06-01 09:00:00")
    dates = [dt.date(2024, 3, 31), dt.date(2026, 6, 30)]
    rows = metric_statuses(con, dates, known_then=True)
    got = rows[rows["metric"] == "10.3"].set_index("as_of")["value"]
    assert list(got) == [76, 85]


# ---------------------------------------------------------------- 10 the designated reporter decides


def test_a_co_responsible_unit_does_not_replace_the_reporters_figure(con):
    add(con, "14.1", "2025年", 36, recorded_at="2026-01-20 09:00:00")  # 住建局, the reporter
    add(con, "14.1", "2025年", 30, unit="城管执法局", recorded_at="2026-02-01 09:00:00")
    row = _metric(evaluate(con, TODAY), "14.1")
    assert row["status"] == "met"
    assert row["value"] == 36


def test_the_office_can_adopt_another_units_figure(con):
    from tracker.engine.figures import other_figures
    from tracker.office.figures import choose

    add(con, "14.1", "2025年", 36, recorded_at="2026-01-20 09:00:00")
    add(con, "14.1", "2025年", 30, unit="城管执法局", recorded_at="2026-02-01 09:00:00")
    others = other_figures(con, ["14.1"], TODAY)
    assert list(others["unit"]) == ["城管执法局"]
    assert bool(others["differs"].iloc[0])
    choose(con, "14.1", "2025", "城管执法局", note="城管数据经复核为准", now=dt.datetime(2026, 3, 1, 9))
    row = _metric(evaluate(con, TODAY), "14.1")
    assert (row["status"], row["value"]) == ("not_met", 30)
    audit = con.execute("SELECT action, target FROM audit_log WHERE action = 'figure_choice'").fetchall()
    assert audit == [("figure_choice", "14.1 2025年")]
    # Before the choice was made, the reporter's figure counted.
    then = evaluate(con, TODAY, known_at=dt.datetime(2026, 2, 15))
    assert _metric(then, "14.1")["value"] == 36


def test_choosing_needs_the_office(con):
    from tracker.access.auth import Actor, PermissionDenied
    from tracker.office.figures import choose

    add(con, "14.1", "2025年", 30, unit="城管执法局")
    with pytest.raises(PermissionDenied):
        choose(con, "14.1", "2025", "城管执法局", actor=Actor("cg", "reporter", "城管执法局"))


# ---------------------------------------------------------------- 11 reading writes nothing


def test_evaluate_runs_on_a_read_only_connection(tmp_path):
    path = tmp_path / "t.duckdb"
    c = bootstrap.connect(path)
    add(c, "10.3", "2025年", 76)
    c.close()
    ro = bootstrap.connect(path, read_only=True)
    try:
        ev = evaluate(ro, TODAY)
        assert _metric(ev, "10.3")["status"] == "not_met"
    finally:
        ro.close()


def test_evaluate_writes_nothing(tmp_path):
    path = tmp_path / "t.duckdb"
    c = bootstrap.connect(path)
    add(c, "10.3", "2025年", 76)
    before = c.execute("SELECT count(*) FROM audit_log").fetchone()
    c.execute("CREATE TABLE probe AS SELECT 1")  # a write changes the snapshot other readers see
    c.close()
    ro = duckdb.connect(str(path), read_only=True)
    try:
        evaluate(ro, TODAY)
        assert ro.execute("SELECT count(*) FROM audit_log").fetchone() == before
    finally:
        ro.close()


def test_an_incident_may_be_uploaded_for_its_month(tmp_path):
    from tracker.ingest import import_file

    c = bootstrap.connect(tmp_path / "t.duckdb")
    try:
        _declare(c, "30.6", (2023, 2024, 2025))
        data = "单位,指标,期间,数值\n市场监督管理局,30.6,2026年10月,1\n".encode()
        result = import_file(c, "incident.csv", data, unit="市场监督管理局")
        assert (result.accepted, result.refused) == (1, 0), result.to_json()
        ev = evaluate(c, TODAY)
        assert _metric(ev, "30.6")["status"] == "not_met"
        assert 30 in ev.summary["veto_risks"]
        # A month is not accepted for a metric that is not an event count.
        wrong = import_file(
            c, "month.csv", "单位,指标,期间,数值\n城管执法局,10.3,2026年10月,85\n".encode(), unit="城管执法局"
        )
        assert wrong.refused == 1
    finally:
        c.close()


def test_cli_evaluates_as_known_then(tmp_path, capsys):
    import json

    from tracker.cli import main

    path = tmp_path / "t.duckdb"
    c = bootstrap.connect(path)
    add(c, "10.3", "2023年", 76, recorded_at="2024-01-20 09:00:00")
    add(c, "10.3", "2023年", 85, recorded_at="2026-06-01 09:00:00")
    c.close()

    def run(*extra):  # in this process: the process boundary is test_cli.py's (test_module_entry_point_runs)
        capsys.readouterr()
        assert main(["evaluate", "--db", str(path), "--as-of", "2024-03-31", "--json", *extra]) == 0
        data = json.loads(capsys.readouterr().out)
        metric = next(m for i in data["items"] for m in i["metrics"] if m["code"] == "10.3")
        return data["known_at"], metric["status"], metric["value"]

    assert run() == (None, "met", 85)
    assert run("--known-at", "2024-03-31") == ("2024-03-31 23:59:59", "not_met", 76)


def test_the_office_sees_figures_that_differ_from_the_reporters(tmp_path, monkeypatch):
    from app import webapp
    from tracker.access.auth import Actor

    at, _ = _co_unit_page(tmp_path, monkeypatch, "pages/late.py", Actor("王主任", "admin"))
    labels = [el.proto.label for el in at.get("page_link")]
    assert any(
        "14.1" in label and "城管执法局报 30.0%" in label and "住建局的 36.0%" in label for label in labels
    ), labels
    webapp._connection.clear()


def test_a_co_responsible_units_upload_says_it_is_kept_beside_the_reporters(tmp_path):
    from tracker.ingest import import_file

    c = bootstrap.connect(tmp_path / "t.duckdb")
    try:
        add(c, "14.1", "2025年", 36, recorded_at="2026-01-20 09:00:00")
        data = "单位,指标,期间,数值\n城管执法局,14.1,2025,30\n".encode()
        result = import_file(c, "co.csv", data, unit="城管执法局")
        assert result.accepted == 1
        warned = " ".join(w for ws in result.to_json()["warned_rows"] for w in ws["warnings"])
        assert "不是该指标的报送单位" in warned and "住建局" in warned
        assert "将替换" not in warned  # it replaces nothing: the reporter's 36 still counts
        assert _metric(evaluate(c, TODAY), "14.1")["value"] == 36
    finally:
        c.close()


def test_the_office_adopts_another_units_figure_on_the_item_page(tmp_path, monkeypatch):
    from app import webapp
    from tracker.access.auth import Actor

    def open_item(actor):
        return _co_unit_page(tmp_path, monkeypatch, "pages/item.py", actor, {"item": "14"})[0]

    leader = open_item(Actor("李市长", "leader"))
    assert not [b for b in leader.button if b.label == "采用此数据"]  # leaders read only
    at = open_item(Actor("王主任", "admin"))
    assert any("1条与报送单位数据不一致" in w.value for w in at.warning)
    at.text_input[0].input("城管数据经复核为准")
    next(b for b in at.button if b.label == "采用此数据").click().run()
    assert not at.exception, [e.value for e in at.exception]
    webapp._connection.clear()
    check = bootstrap.connect(tmp_path / "co.duckdb")
    try:
        row = _metric(evaluate(check, TODAY), "14.1")
        assert (row["status"], row["value"]) == ("not_met", 30)
        assert check.execute(
            "SELECT actor, target FROM audit_log WHERE action = 'figure_choice'"
        ).fetchall() == [("王主任", "14.1 2025年")]
    finally:
        check.close()


def _co_unit_page(tmp_path, monkeypatch, page: str, actor, query: dict | None = None):
    """The app on a database where 住建局 reported 14.1 = 36 and 城管执法局 = 30, one page opened as `actor`."""
    from streamlit.testing.v1 import AppTest

    from app import webapp
    from tests.conftest import ROOT

    path = tmp_path / "co.duckdb"
    if not path.exists():
        c = bootstrap.connect(path)
        add(c, "14.1", "2025年", 36, recorded_at="2026-01-20 09:00:00")
        add(c, "14.1", "2025年", 30, unit="城管执法局", recorded_at="2026-02-01 09:00:00")
        c.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    webapp._connection.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.session_state["as_of"] = TODAY
    at.session_state["actor"] = actor
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(page).run()  # straight to the page: the landing page's run would be asserted by nothing
    assert not at.exception, [e.value for e in at.exception]
    return at, path
