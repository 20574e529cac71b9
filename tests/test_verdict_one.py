"""Issue 21 (判定可信·二): one verdict, the same everywhere, right at every boundary.

Hand-worked dates: the demo's today is 2026-11-28; its 2024 暗访 finds live poultry slaughtered at 河西早市, an open
否决风险 finding on item 16 from 14 to 23 May 2024; the 2024 school food poisoning keeps item 30 a veto risk.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from tests.conftest import TODAY, app_on_copy
from tests.scenario import add
from tracker import bootstrap
from tracker.access.auth import SYSTEM, Actor
from tracker.catalogue import catalogue
from tracker.engine.evaluate import evaluate
from tracker.office import verification

OFFICE = Actor("王主任", "admin")


@pytest.fixture
def con():
    c = bootstrap.connect(":memory:")
    yield c
    c.close()


@pytest.fixture
def demo_copy(demo_db, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    c = bootstrap.connect(path)
    yield c
    c.close()


def _status(con, metric: str, known_at: dt.datetime | None = None, day: dt.date = TODAY) -> str:
    return evaluate(con, day, known_at=known_at).metrics.set_index("metric").loc[metric, "status"]


def _pending(con) -> list[str]:
    return list(verification.pending_answers(con, ["2.2"])["period_label"])


# ---------------------------------------------------------------- 1. a changed answer needs a new check


def test_yes_no_yes_needs_a_new_check_in_the_evaluation_as_in_the_pending_list(con):
    """2.2 is city-wide (area NULL): the check of the first 「是」 is voided by the 「否」 recorded after it."""
    add(con, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")
    assert _status(con, "2.2") == "pending" and _pending(con) == ["2025年"]
    verification.verify(con, "2.2", "2025", OFFICE, "现场检查记录", now=dt.datetime(2026, 3, 1, 10))
    assert _status(con, "2.2") == "met" and _pending(con) == []
    add(con, "2.2", "2025年", 1, recorded_at="2026-03-05 09:00:00")  # the same 「是」 again: still checked
    assert _status(con, "2.2") == "met" and _pending(con) == []
    add(con, "2.2", "2025年", 0, recorded_at="2026-03-10 09:00:00")
    assert _status(con, "2.2") == "not_met" and _pending(con) == []
    add(con, "2.2", "2025年", 1, recorded_at="2026-03-20 09:00:00")
    assert _status(con, "2.2") == "pending" and _pending(con) == ["2025年"]
    # as known at each moment: met after the check, not met after the 「否」, pending after the new 「是」
    assert _status(con, "2.2", dt.datetime(2026, 3, 6)) == "met"
    assert _status(con, "2.2", dt.datetime(2026, 3, 15)) == "not_met"
    assert _status(con, "2.2", dt.datetime(2026, 3, 21)) == "pending"
    # a new check of the new 「是」 holds again, in both
    verification.verify(con, "2.2", "2025", OFFICE, "复查记录", now=dt.datetime(2026, 3, 22, 10))
    assert _status(con, "2.2") == "met" and _pending(con) == []
    assert _status(con, "2.2", dt.datetime(2026, 3, 21)) == "pending"


def test_a_check_made_after_the_moment_known_does_not_count_then(con):
    add(con, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")
    verification.verify(con, "2.2", "2025", OFFICE, "现场检查记录", now=dt.datetime(2026, 3, 1, 10))
    assert _status(con, "2.2", dt.datetime(2026, 2, 28)) == "pending"
    assert _status(con, "2.2", dt.datetime(2026, 3, 1, 10)) == "met"


def test_a_no_from_a_unit_whose_figure_does_not_count_voids_no_check(con):
    """卫健委 is listed on item 2 but does not report 2.2: its 「否」 is shown beside, never counted, and the
    check of 市委编办's 「是」 holds — in the evaluation as in the pending list."""
    add(con, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")
    verification.verify(con, "2.2", "2025", OFFICE, "现场检查记录", now=dt.datetime(2026, 3, 1, 10))
    add(con, "2.2", "2025年", 0, unit="卫健委", recorded_at="2026-03-10 09:00:00")
    add(con, "2.2", "2025年", 1, recorded_at="2026-03-20 09:00:00")
    assert _status(con, "2.2") == "met" and _pending(con) == []


class _OneSecond(dt.datetime):
    """A clock that stays within one second, a few milliseconds per reading: a check and the answers after it
    all land in the same second (a unit's file sent just after the office's click)."""

    ticks = 0

    @classmethod
    def now(cls, tz=None):
        cls.ticks += 1
        return cls(2026, 12, 7, 0, 35, 15, 1000 * cls.ticks)


def test_a_no_in_the_same_second_as_the_check_still_voids_it(con, monkeypatch):
    """The stamps order the events: a 「否」 committed in the second of the check (found by a run of the suite
    that hit it) voids it, and the 「是」 after it waits for a new check — not "met" because the seconds tie."""
    import types

    from tracker.ingest import commit
    from tracker.ingest.uploads import upload

    clock = types.SimpleNamespace(**{**vars(dt), "datetime": _OneSecond})
    monkeypatch.setattr(commit, "dt", clock)
    monkeypatch.setattr(verification, "dt", clock)
    add(con, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")
    verification.verify(con, "2.2", "2025", OFFICE, "现场检查记录")
    assert _status(con, "2.2") == "met"
    for answer, status in (("否", "not_met"), ("是", "pending")):
        data = f"指标,期间,数值\n2.2,2025年,{answer}\n".encode()
        assert upload(con, SYSTEM, f"{answer}.csv", data, unit="市委编办").outcome == "committed"
        assert _status(con, "2.2") == status
    assert _pending(con) == ["2025年"]


# ---------------------------------------------------------------- 11. the reason says who answered and who checked


def _reason(con, metric: str, lang: str = "zh") -> str:
    column = "reason" if lang == "zh" else "reason_en"
    return evaluate(con, TODAY).metrics.set_index("metric").loc[metric, column]


def test_an_answer_the_office_entered_says_so_not_verified_by_the_reporter(con):
    add(con, "2.3", "2025年", 1, unit="创卫办", recorded_at="2026-02-01 09:00:00")
    assert _reason(con, "2.3") == "2025年 爱国卫生工作经费纳入财政预算 由创卫办录入「是」，无需核实"
    assert "entered by the office" in _reason(con, "2.3", "en")
    assert "财政局" not in _reason(con, "2.3")


def test_a_verified_answer_names_the_unit_that_answered_and_who_checked(con):
    add(con, "2.3", "2025年", 1, recorded_at="2026-02-01 09:00:00")
    verification.verify(con, "2.3", "2025", OFFICE, "预算文件", now=dt.datetime(2026, 3, 1, 10))
    assert _reason(con, "2.3") == "2025年 爱国卫生工作经费纳入财政预算 已核实（财政局报「是」，王主任核实）"


# ---------------------------------------------------------------- 6. one verdict, the same everywhere

# Hand-worked: on 2023-12-31 no veto risk (the poisoning is of 2024); on 2024-05-20 the open 暗访 finding puts item 16
# at risk beside item 30; on the demo's today only item 30 (the finding was closed after 复查 in May 2024).
VETO_RISKS = {dt.date(2023, 12, 31): [], dt.date(2024, 5, 20): [16, 30], TODAY: [30]}


def _cli_verdict(path, day: dt.date, capsys) -> tuple[list[int], dict[int, tuple[str, bool]]]:
    import json

    from tracker.cli import main

    assert main(["evaluate", "--db", str(path), "--as-of", day.isoformat(), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    items = {i["code"]: (i["status"], i["veto_risk"]) for i in data["items"]}
    return data["summary"]["veto_risks"], items


def _items(frame) -> dict[int, tuple[str, bool]]:
    return {int(r.item): (r.status, bool(r.veto_risk)) for r in frame.itertuples(index=False)}


def test_cli_overview_briefing_and_national_form_give_one_verdict(demo_db, tmp_path, capsys):
    from tracker.engine import views
    from tracker.reports import national_form
    from tracker.reports.briefing import model

    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    cli = {day: _cli_verdict(path, day, capsys) for day in VETO_RISKS}
    con = bootstrap.connect(path)
    try:
        for day, risks in VETO_RISKS.items():
            cli_risks, cli_items = cli[day]
            assert cli_risks == risks, day
            assert sorted(i for i, (_, veto) in cli_items.items() if veto) == risks
            o = views.overview(con, day)
            assert o.summary["veto_risks"] == risks
            assert _items(o.ev.items) == cli_items
            assert _items(views.item_table(o.ev, catalogue())) == cli_items
            # every veto risk the overview lists is named, by a failed veto metric or an open 暗访 finding
            assert sorted({*o.vetoes["item"], *o.visits["item"]}) == risks
            b = model.build(con, day, charts=False)
            assert b.summary["veto_risks"] == risks
            assert _items(b.items) == cli_items
            assert sorted(set(b.vetoes["item"])) == risks
            form = national_form.fill(con, day.year - 1, "city", as_of=day)
            assert form.veto_risks == risks
            assert _items(form.items) == cli_items
    finally:
        con.close()


def test_the_history_counts_the_visit_veto_in_its_month(demo_con):
    from tracker.engine.evaluate import readiness_history

    history = readiness_history(demo_con, [dt.date(2024, 4, 30), dt.date(2024, 5, 20), dt.date(2024, 5, 31)])
    assert history["veto_risks"].tolist() == [1, 2, 1]


def test_the_cli_names_the_open_visit_finding(demo_db, tmp_path, capsys):
    from tracker.cli import main

    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    assert main(["evaluate", "--db", str(path), "--as-of", "2024-05-20"]) == 0
    out = capsys.readouterr().out
    sixteen = out.split("\n16. ")[1].split("\n")
    assert "【一票否决风险】" in sixteen[0]
    assert "河西早市（河西街道）活禽在摊位前露天宰杀" in sixteen[1] and "市场监督管理局" in sixteen[1]


def test_an_unmet_area_metric_shows_the_failing_area_value(demo_con):
    """40.5: 18 of 19 streets and townships at or above 90%; 柴河镇 at 88.5% is the one that fails."""
    row = evaluate(demo_con, TODAY).metrics.set_index("metric").loc["40.5"]
    assert row["status"] == "not_met" and row["value"] == 88.5 and row["period_label"] == "2025年"


# ---------------------------------------------------------------- 9. 较上月变化 is last month's end as known then

EDUCATION_2025 = "指标,期间,数值\n9.4,2025年,95%\n29.1,2025年,100%\n29.2,2025年,是\n29.3,2025年,是\n"


def _month_of_work(con) -> None:
    """The office checks 2.2 and 教育局 sends its 2025 figures (the office checks its two 「是」): items 2, 9 and 29
    become met today."""
    from tracker.ingest.uploads import upload

    assert (
        upload(con, SYSTEM, "教育局2025.csv", EDUCATION_2025.encode(), unit="教育局").outcome == "committed"
    )
    for metric in ("2.2", "29.2", "29.3"):
        assert verification.verify(con, metric, "2025", SYSTEM, "现场核实").written


def test_the_month_work_shows_as_progress(demo_copy):
    from tracker.engine import views

    before = views.overview(demo_copy, TODAY)
    assert before.before.as_of == dt.date(2026, 10, 31) and before.before.known_at == dt.datetime(
        2026, 10, 31, 23, 59, 59, 999999
    )
    assert (before.summary_before["met"], before.summary["met"]) == (34, 34)
    _month_of_work(demo_copy)
    after = views.overview(demo_copy, TODAY)
    assert (after.summary_before["met"], after.summary["met"]) == (34, 37)
    assert after.deltas["met"] == 3 and after.deltas["stale"] == -2 and after.deltas["pending"] == -1
    assert after.changes[["item", "before", "after"]].values.tolist() == [
        [2, "pending", "met"],
        [9, "stale", "met"],
        [29, "stale", "met"],
    ]


# ---------------------------------------------------------------- pages: the item page and the overview


PW = "a-password-1"


@pytest.fixture
def app_copy(demo_db, tmp_path, monkeypatch):
    """A copy of the demo database that the app opens, nothing cached from another test."""
    with app_on_copy(demo_db, tmp_path / "app.duckdb", monkeypatch, PW) as path:
        yield path


def _open(page: str, query: dict | None = None):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["actor"] = Actor("admin", "admin")
    at.session_state["as_of"] = TODAY
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(page).run()  # straight to the page: the landing page's run would be asserted by nothing
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_yes_no_yes_shows_pending_again_on_the_item_page_and_in_the_overview(app_copy):
    """The office verifies 2.2, 市委编办 sends 「否」 and then 「是」 again: item 2 is 待核实 again, and the
    overview's count of 待核实 items is one more than right after the check (2 → 3)."""
    from app import webapp
    from tracker.engine import views
    from tracker.ingest.uploads import upload

    con = webapp.cursor()
    verification.verify(con, "2.2", "2025", SYSTEM, "现场核实")
    assert views.overview(con, TODAY).summary["pending"] == 2
    for answer in ("否", "是"):
        data = f"指标,期间,数值\n2.2,2025年,{answer}\n".encode()
        assert upload(con, SYSTEM, f"{answer}.csv", data, unit="市委编办").outcome == "committed"
    webapp.clear_caches()
    assert views.overview(con, TODAY).summary["pending"] == 3
    at = _open("pages/item.py", {"item": "2"})
    head = next(m.value for m in at.markdown if "类别：" in m.value)  # the item's own badge, under its title
    assert ">待核实</span>" in head
    assert [b for b in at.button if b.key == "verify_2_2"]  # the office is offered the new check
    overview = _open("pages/overview.py")
    tiles = {m.label: m.value for m in overview.metric}
    assert tiles["待核实"] == "3"


def test_the_overview_tiles_show_the_change_as_a_number(app_copy):
    from app import webapp

    at = _open("pages/overview.py")
    first = at.metric[0]
    assert first.value == "34/45" and first.proto.delta == "0"  # no change since 2026-10-31: a number, 0
    assert any("34 → 34" in m.value for m in at.markdown)
    _month_of_work(webapp.cursor())
    webapp.clear_caches()
    at = _open("pages/overview.py")
    first = at.metric[0]
    assert first.value == "37/45" and first.proto.delta == "+3"
    assert any("34 → 37" in m.value for m in at.markdown)
    assert any("2026年10月31日" in s.value or "2026-10-31" in s.value for s in at.subheader)


# ---------------------------------------------------------------- 1. the archive's 目录 uses the same definition


def test_the_archive_says_verified_where_the_evaluation_does(tmp_path):
    """卫健委's 「否」 does not count for 2.2 (市委编办 reports it): the check of 2026-02-20 holds for the 「是」 sent
    again on 2026-03-01 — met in the evaluation, and 已核实 in the archive's 目录 (it said 待核实)."""
    import io
    import zipfile

    from openpyxl import load_workbook

    from tracker.office import evidence
    from tracker.reports import archive

    c = bootstrap.connect(tmp_path / "t.duckdb")
    try:
        add(c, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")
        verification.verify(c, "2.2", "2025", OFFICE, "现场检查记录", now=dt.datetime(2026, 2, 20, 15, 0))
        add(c, "2.2", "2025年", 0, unit="卫健委", recorded_at="2026-02-25 09:00:00")
        again = add(c, "2.2", "2025年", 1, recorded_at="2026-03-01 09:00:00")
        evidence.attach_file(
            c, b"%PDF-1.4\n" + b"x" * 300 + b"\n%%EOF\n", "编办文件.pdf", "measurement", again, OFFICE
        )
        assert _status(c, "2.2") == "met"
        out = tmp_path / "档案.zip"
        archive.write_archive(c, out)
        with zipfile.ZipFile(out) as z:
            sheet = load_workbook(io.BytesIO(z.read("目录.xlsx")))["文件清单"]  # the list of files (issue 24)
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert [r[7] for r in rows[1:] if r[1] and r[1].startswith("2.2")] == ["已核实（王主任 2026-02-20）"]
    finally:
        c.close()
