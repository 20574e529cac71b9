"""What a save leaves for the person who clicked (issue 24, finding 10): the new generation's other pages are
computed in the background after the click's rerun, not during it; the 通报 page's 文号 and 期数 sit in a form (typing
reruns nothing); the briefing built from the app's shared evaluation and history says what a fresh build says.
Timings are bench/actions.py's, never asserted here."""

from __future__ import annotations

import io
import shutil
import threading

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, TODAY, app_on_copy
from tracker import bootstrap
from tracker.access.auth import Actor
from tracker.catalogue import catalogue

PW = "tests-office-secret-1"
OFFICE = Actor("admin", "admin")


@pytest.fixture
def app_copy(demo_db, tmp_path, monkeypatch):
    """A copy of the demo database, with the administrator, that the app opens; nothing cached from elsewhere."""
    with app_on_copy(demo_db, tmp_path / "app.duckdb", monkeypatch, PW) as path:
        yield path


def open_page(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.session_state["actor"] = OFFICE
    at.session_state["as_of"] = TODAY
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(page).run()  # straight to the page: the landing page's run would be asserted by nothing
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_warm_up_after_a_check_runs_in_the_background_after_the_rerun(app_copy, monkeypatch):
    """核实 on the item page: the page that follows shows the new verdict (computed for it), while the overview's
    and the other pages' figures of the new generation are computed by a background thread once that page is
    drawn — never inside the click's run."""
    from app import cached

    threads: list[str] = []
    real_warm = cached.warm

    def warm(as_of):
        threads.append(threading.current_thread().name)
        real_warm(as_of)

    monkeypatch.setattr(cached, "warm", warm)
    item = str(catalogue().metric("2.2").item)
    at = open_page("pages/item.py", {"item": item})
    at.text_input(key="verify_note_2_2").input("2026年11月现场检查记录")
    at.button(key="verify_2_2").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已核实" in s.value for s in at.success)
    cached.settle()
    assert threads == [cached.WARM_THREAD]


def test_the_warm_up_sees_the_new_generation(app_copy):
    """What the background computed is what the next reader gets: the evaluation at the generation after the
    write, as a fresh evaluation says it."""
    from app import cached, webapp
    from tracker.engine.evaluate import evaluate

    item = str(catalogue().metric("2.2").item)
    at = open_page("pages/item.py", {"item": item})
    at.text_input(key="verify_note_2_2").input("2026年11月现场检查记录")
    at.button(key="verify_2_2").click().run()
    cached.settle()
    shared = webapp.evaluation(TODAY)
    fresh = evaluate(webapp.cursor(), TODAY)
    assert shared.metrics.set_index("metric").loc["2.2", "status"] == "met"
    assert shared.summary == fresh.summary


def test_the_briefing_numbers_are_typed_in_a_form(app_copy):
    """Typing a 文号 or 期数 reruns nothing: both fields belong to a form, sent with 印发并存档."""
    at = open_page("pages/reports.py")
    assert at.text_input(key="rep_number").form_id
    assert at.text_input(key="rep_issue_no").form_id
    assert any(b.label == "印发并存档" and b.form_id for b in at.button)


def test_the_briefing_charts_are_drawn_while_the_page_is_read_not_in_the_click(app_copy, monkeypatch):
    """印发并存档: the 通报's two charts depend only on the data, the date and 按当时已知, so they are rendered in the
    background once the page is shown; the click lays out and stores the document without drawing them, and the
    issued document still holds both."""
    import docx

    from app import cached, webapp
    from tracker.reports import briefing_issue
    from tracker.reports.briefing import model

    at = open_page("pages/reports.py")
    cached.settle()  # the person reads the page and types the 文号
    drawn: list[int] = []
    real_png = model.png
    monkeypatch.setattr(model, "png", lambda figures: drawn.append(len(figures)) or real_png(figures))
    at.text_input(key="rep_number").input("扎创卫办〔2026〕1号")
    at.button(key="rep_issue").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("扎创卫办〔2026〕1号" in s.value for s in at.success)
    assert drawn == []
    archive = briefing_issue.archive(webapp.cursor())
    _, data = briefing_issue.stored(webapp.cursor(), int(archive["id"].iloc[0]))
    assert len(docx.Document(io.BytesIO(data)).inline_shapes) == 2


def test_the_check_note_is_typed_in_a_form(app_copy):
    """核实's note too: typing it reruns nothing, 核实 sends it."""
    at = open_page("pages/item.py", {"item": str(catalogue().metric("2.2").item)})
    assert at.text_input(key="verify_note_2_2").form_id
    assert at.button(key="verify_2_2").form_id


def test_a_briefing_built_from_the_shared_evaluation_says_what_a_fresh_build_says(demo_con):
    """model.build handed the evaluation and the history (the app's shared ones) builds the same briefing."""
    from tracker.engine import views
    from tracker.engine.evaluate import evaluate, readiness_history
    from tracker.reports.briefing import model

    cat = catalogue()
    for known_then in (False, True):
        known_at = views.end_of(TODAY) if known_then else None
        given = model.build(
            demo_con,
            TODAY,
            charts=False,
            known_then=known_then,
            evaluation=evaluate(demo_con, TODAY, cat, known_at=known_at),
            history=readiness_history(
                demo_con, views.month_ends(views.campaign_start(cat), TODAY), cat, known_then=known_then
            ),
        )
        fresh = model.build(demo_con, TODAY, charts=False, known_then=known_then)
        assert given.summary == fresh.summary
        for part in ("items", "metrics", "units", "history", "category_counts"):
            assert getattr(given, part).equals(getattr(fresh, part)), part
        # the charts the app draws ahead from the shared briefing are the ones a fresh build would draw
        drawn, fresh_charts = model.chart_figures(given), model.chart_figures(fresh)
        assert [(c, f.to_json()) for c, f in drawn] == [(c, f.to_json()) for c, f in fresh_charts]


def test_a_commit_with_no_standing_acceptance_evaluates_nothing_more(demo_db, tmp_path, monkeypatch):
    """After an upload, a check or a chosen figure, the acceptances are synced (acceptance.resync): with none
    standing there is nothing to withdraw, so the writer does not wait for an evaluation to learn it."""
    from tracker.office import acceptance

    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, path)
    con = bootstrap.connect(path)
    assert con.execute("SELECT count(*) FROM acceptance").fetchone()[0] == 0

    def no_evaluation(*args, **kwargs):
        raise AssertionError("evaluated with nothing to withdraw")

    monkeypatch.setattr(acceptance, "evaluate", no_evaluation)
    withdrawn = acceptance.resync(con, today=TODAY)
    assert withdrawn.empty
    assert list(withdrawn.columns) == ["id", "item", "accepted_on", "accepted_by", "withdrawn_reason"]
    con.close()


def test_a_warm_up_stopped_with_the_writers_session_ends_quietly(monkeypatch, caplog):
    """Streamlit stops a session's threads when it starts another run: a warm-up waiting then for a value another
    thread computes ends without a traceback on the console (that thread computes it; the first reader the rest)."""
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    from app import cached

    def stopped(as_of):
        raise StopException()

    monkeypatch.setattr(cached, "warm", stopped)
    with caplog.at_level("ERROR"):
        cached._warm_quietly(TODAY)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_warm_up_that_finds_the_database_unreachable_leaves_one_line_and_no_traceback(monkeypatch, caplog):
    """PostgreSQL restarting while the warm-up after a write runs: not a bug to trace (the first reader computes
    what is missing, or is told the database cannot be reached)."""
    from app import cached
    from tracker import db

    def unreachable(as_of):
        raise db.Unavailable("PostgreSQL cannot be reached: the server is restarting")

    monkeypatch.setattr(cached, "warm", unreachable)
    with caplog.at_level("WARNING"):
        cached._warm_quietly(TODAY)
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]
    assert [r for r in caplog.records if "cannot be reached" in r.getMessage()]
