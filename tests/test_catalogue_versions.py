"""The catalogue's versions (issue 21, finding 10): editing a rule in indicators/ does not rewrite history.

Hand-worked: 8.2 人均体育场地面积 is 「> 2.2 平方米」 as the plan writes it. The database keeps versions from
2024-01-02 (as one upgraded to this code would). The figure for 2023 is exactly 2.2, recorded 2023-12-20:
2.2 > 2.2 is false, 未达标. On 2024-07-01 the office changes the operator to 「>=」 in its copy of standard.yaml
and the next writing connection stores that version: 2.2 ≥ 2.2, 达标 — from then on. Judged as known at
2024-03-01 (or any moment before 2024-07-01, or before the first version) the verdict stays 未达标; known at
2024-12-31, or now, 达标.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests import scenario
from tests.conftest import ROOT
from tracker import bootstrap, db
from tracker.access.auth import Actor
from tracker.catalogue import catalogue
from tracker.cli import main
from tracker.config import INDICATORS
from tracker.engine import catalogue_versions
from tracker.engine.evaluate import evaluate, metric_statuses

AS_OF = dt.date(2024, 12, 31)
FIRST = dt.datetime(2024, 1, 2, 9, 0)  # the database is created with the plan's rules
CHANGED = dt.datetime(2024, 7, 1, 9, 0)  # the office's edit reaches the database
PLAN_RULE = 'rule: {kind: threshold, op: ">", value: 2.2}'
EDITED_RULE = 'rule: {kind: threshold, op: ">=", value: 2.2}'


@pytest.fixture
def office_catalogue(tmp_path, monkeypatch):
    """The office's own copy of indicators/, named by TRACKER_CATALOGUE (the real one is never edited)."""
    folder = tmp_path / "indicators"
    shutil.copytree(
        INDICATORS, folder, ignore=shutil.ignore_patterns("rules", "reference", "__pycache__", "*.py")
    )
    monkeypatch.setenv("TRACKER_CATALOGUE", str(folder))
    catalogue.cache_clear()
    yield folder
    catalogue.cache_clear()


def _open(path, monkeypatch, when: dt.datetime):
    """A writing connection opened at `when` (it stores the catalogue's version if the YAML changed). Not a copy
    of the session's template database: its first version was stored when the template was made, today."""
    monkeypatch.setattr(db, "TEMPLATE", None)
    monkeypatch.setattr(catalogue_versions, "_now", lambda: when)
    return bootstrap.connect(path)


@pytest.fixture
def edited(office_catalogue, tmp_path, monkeypatch):
    """The database of the hand-worked case, closed, after the edit of 2024-07-01."""
    path = tmp_path / "tracker.duckdb"
    con = _open(path, monkeypatch, FIRST)
    scenario.add(con, "8.2", "2023年", 2.2, recorded_at="2023-12-20 10:00:00")  # exactly at the threshold
    con.close()
    standard = office_catalogue / "standard.yaml"
    text = standard.read_text(encoding="utf-8")
    assert text.count(PLAN_RULE) == 1
    standard.write_text(text.replace(PLAN_RULE, EDITED_RULE), encoding="utf-8")
    catalogue.cache_clear()  # the process restarts with the edited YAML
    _open(path, monkeypatch, CHANGED).close()
    return path


def _status(con, known_at):
    return evaluate(con, AS_OF, known_at=known_at).metrics.set_index("metric").loc["8.2"]


def test_a_verdict_as_known_before_the_edit_keeps_the_rule_then_in_force(edited, monkeypatch):
    con = _open(edited, monkeypatch, CHANGED)
    before = _status(con, dt.datetime(2024, 3, 1))
    assert before["status"] == "not_met"  # 2.2 > 2.2 is false
    assert before["reason"] == "2023年 人均体育场地面积 2.2平方米 ≤ 2.2平方米（文体旅游广电局）"
    assert _status(con, CHANGED - dt.timedelta(seconds=1))["status"] == "not_met"
    after = _status(con, dt.datetime(2024, 12, 31, 23, 59))
    assert after["status"] == "met"  # 2.2 ≥ 2.2
    assert after["reason"] == "2023年 人均体育场地面积 2.2平方米 ≥ 2.2平方米（文体旅游广电局）"
    assert _status(con, CHANGED)["status"] == "met"  # in force from the moment it was loaded
    assert _status(con, None)["status"] == "met"
    # Before the first stored version the first one is in force (the plan's rule).
    assert _status(con, dt.datetime(2023, 12, 31))["status"] == "not_met"


def test_each_change_is_stored_with_its_date_and_fingerprint_and_audited(edited, monkeypatch):
    con = _open(edited, monkeypatch, dt.datetime(2024, 8, 1))  # an unchanged YAML stores nothing new
    rows = con.execute("SELECT loaded_at, fingerprint, rules FROM cat_version ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [FIRST, CHANGED]
    assert rows[0][1] != rows[1][1] and len(rows[1][1]) == 64
    assert json.loads(rows[0][2])["8.2"]["rule"]["op"] == ">"
    assert json.loads(rows[1][2])["8.2"]["rule"]["op"] == ">="
    action, detail = con.execute(
        "SELECT action, detail FROM audit_log WHERE action = 'catalogue_change'"
    ).fetchone()
    assert rows[1][1][:12] in detail
    assert catalogue_versions.last_changed(con) == {"8.2": CHANGED.date()}


def test_histories_known_then_use_each_dates_catalogue(edited, monkeypatch):
    con = _open(edited, monkeypatch, CHANGED)
    dates = [dt.date(2024, 3, 31), dt.date(2024, 6, 30), dt.date(2024, 9, 30), AS_OF]
    rows = metric_statuses(con, dates, known_then=True)
    assert list(rows["as_of"].dt.date.drop_duplicates()) == dates  # the two versions' rows, in date order
    rows = rows[rows["metric"] == "8.2"]
    assert list(zip(rows["as_of"].dt.date, rows["status"], strict=True)) == list(
        zip(dates, ["not_met", "not_met", "met", "met"], strict=True)
    )


def test_command_line_known_at(edited, capsys):
    def status(*extra):
        assert main(["evaluate", "--as-of", str(AS_OF), "--json", "--db", str(edited), *extra]) == 0
        data = json.loads(capsys.readouterr().out)
        return next(m["status"] for i in data["items"] for m in i["metrics"] if m["code"] == "8.2")

    assert status("--known-at", "2024-03-01") == "not_met"
    assert status("--known-at", "2024-12-31") == "met"
    assert status() == "met"


@pytest.mark.parametrize(
    ("lang", "words"), [("zh", "规则最近修改：2024-07-01"), ("en", "Rule last changed: 2024-07-01")]
)
def test_item_page_says_when_the_rule_last_changed(edited, monkeypatch, lang, words):
    monkeypatch.setenv("TRACKER_DB", str(edited))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.session_state["actor"] = Actor("admin", "admin")
    at.session_state["as_of"] = AS_OF
    at.session_state["lang"] = lang
    at.query_params["item"] = "8"
    # straight to the page: the landing page's run is asserted by nothing
    at.switch_page("pages/item.py").run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    assert sum(words in c for c in captions) == 1  # 8.2 only; 8.1 and 8.3 never changed
