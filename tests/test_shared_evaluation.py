"""Sessions share what is the same for everyone (issue 15): two browser sessions at the same data generation and
date get one evaluation between them, a commit makes exactly one new one, the overview's charts are built once per
generation, and a script run reads the data's generation once however often its page asks."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import TODAY
from tracker import bootstrap, stored
from tracker.access.auth import Actor
from tracker.access.users import ensure_admin
from tracker.config import ROOT
from tracker.engine import views
from tracker.ingest.service import import_file

PW = "a-password-1"
ADMIN = Actor("admin", "admin")


@pytest.fixture
def app_db(demo_db, tmp_path, monkeypatch):
    """A copy of the demo database that the app opens, with nothing cached from another test (each copy's path
    enters its generation; the caches are cleared as well, so that counts start from nothing)."""
    from app import cached, webapp

    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db, path)
    con = bootstrap.connect(path)
    ensure_admin(con, PW)
    con.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", PW)
    webapp._connection.clear()
    webapp.clear_caches()
    cached._shared_figure.clear()
    yield path
    webapp._connection.clear()
    webapp.clear_caches()
    cached._shared_figure.clear()


@pytest.fixture
def evaluations(monkeypatch) -> Counter:
    """Every evaluation the app's cache computes, counted by date."""
    from app import webapp

    calls: Counter = Counter()
    real = webapp.evaluate

    def counted(con, as_of, *args, **kwargs):
        calls[as_of] += 1
        return real(con, as_of, *args, **kwargs)

    monkeypatch.setattr(webapp, "evaluate", counted)
    return calls


@pytest.fixture
def builds(monkeypatch) -> Counter:
    """Every shared chart the pages build (cached.figure calling its build), counted by name."""
    from app import cached

    calls: Counter = Counter()
    real = cached.figure

    def counted(name, key, build):
        def counting_build():
            calls[name] += 1
            return build()

        return real(name, key, counting_build)

    monkeypatch.setattr(cached, "figure", counted)
    return calls


def new_session(page: str) -> AppTest:
    """A browser session of its own (a new AppTest is a new Streamlit session), signed in, on a page."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["actor"] = ADMIN
    at.session_state["as_of"] = TODAY
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def commit_a_figure() -> None:
    """A commit, as the upload page makes it (without clearing the caches: the new generation alone must do)."""
    from app import webapp

    result = import_file(
        webapp.cursor(),
        "fix.csv",
        "指标,期间,数值\n12.1,2023年,36%\n".encode(),
        unit="园林绿化服务中心",
        user="admin",
    )
    assert result.outcome == "committed", result.message


# 绿化覆盖率 of 2025 corrected to 20 %, below its figure (38 %): the overview's head loses an item.
LATE = "指标,期间,数值\n12.1,2025年,20%\n".encode()


def commit_late_figure(con=None, **kwargs):
    """LATE committed for 园林绿化服务中心 through the upload service (on the app's connection by default)."""
    from app import webapp

    result = import_file(
        con or webapp.cursor(), "late.csv", LATE, unit="园林绿化服务中心", user="admin", **kwargs
    )
    assert result.outcome == "committed", result.message
    return result


def test_two_sessions_share_one_evaluation_and_a_commit_makes_one_more(app_db, evaluations):
    before = views.last_month_end(TODAY)  # the overview compares with last month's end, as known then
    first = new_session("pages/overview.py")
    assert evaluations == {TODAY: 1, before: 1}
    second = new_session("pages/overview.py")
    new_session("pages/item.py")
    assert evaluations == {TODAY: 1, before: 1}  # the other sessions used the first one's

    commit_a_figure()
    first.run()
    second.run()
    assert not first.exception and not second.exception
    # One new evaluation of today for both sessions; last month's end as known then is what it was: the commit,
    # recorded after that moment, cannot change it (tracker.stored.KNOWN_BY), so it is not computed again.
    assert evaluations == {TODAY: 2, before: 1}


def test_what_a_session_read_while_an_upload_was_checked_is_not_shown_once_it_is_committed(app_db):
    """An upload stores its submission first (its file kept, the outcome pending) and commits its rows seconds later.
    A page read in between is keyed to the data as it then was: the commit must change that key, or the figures
    read before it are shown after it — to every session, and on PostgreSQL to every worker."""
    from app import cached, webapp
    from tracker.engine.evaluate import evaluate
    from tracker.engine.progress import progress_table

    def read_meanwhile(fraction: float, _text: str) -> None:
        if fraction == 0.75:  # checked, the submission stored, the rows about to be written
            new_session("pages/overview.py")

    commit_late_figure(progress=read_meanwhile)
    new_session("pages/overview.py")  # another person, after the commit
    con = webapp.cursor()
    shown = webapp.evaluation(TODAY).metrics.set_index("metric")
    assert shown.loc["12.1", "value"] == pytest.approx(20.0)
    fresh = evaluate(con, TODAY)
    assert shown["status"].to_dict() == fresh.metrics.set_index("metric")["status"].to_dict()
    assert cached.progress_table(TODAY).equals(progress_table(con, fresh, webapp.cat()))


def test_keeping_an_uploads_file_moves_no_mark_and_its_commit_does(tmp_path):
    """The first of an upload's two writes (its file kept, the outcome pending) changes nothing a page shows: a page
    drawn meanwhile is not drawn again for it. The commit changes the marks, whatever the rows' submission."""
    from tracker.ingest.service import store_raw_file

    con = bootstrap.connect(tmp_path / "marks.duckdb")
    start = stored.signature(con, stored.VERDICT_SQL)
    store_raw_file(con, "a.csv", b"x", "0" * 64, None, "admin")
    assert stored.signature(con, stored.VERDICT_SQL) == start
    commit_late_figure(con)
    assert stored.signature(con, stored.VERDICT_SQL) != start


def test_a_page_drawn_while_a_commit_lands_is_drawn_again_with_all_of_it(app_db, monkeypatch):
    """A commit that lands while a page is drawn (another person's upload): the parts read before it and the parts
    read after it must not be shown side by side — the head's counts of before with the progress lines of after.
    The page is drawn again, whole, and looks as it does to a person who opens it after the commit."""
    from app import cached, webapp

    def landing() -> AppTest:
        """The office's landing page (总览) through dashboard.py's frame, which ends every page's run."""
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        at.session_state["actor"] = ADMIN
        at.session_state["as_of"] = TODAY
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    def texts(at) -> list[str]:
        return [e.value for e in (*at.markdown, *at.caption, *at.metric, *at.error, *at.success)]

    real, landed = cached.progress_table, []

    def committing_meanwhile(as_of):
        if not landed:  # once: the head is drawn by now, the progress table is read after the commit
            landed.append(commit_late_figure())
        return real(as_of)

    monkeypatch.setattr(cached, "progress_table", committing_meanwhile)
    drawn = landing()
    assert landed and landed[0].outcome == "committed", landed
    after = landing()  # another person, after the commit
    assert texts(drawn)[0].startswith("## 达标 33/45")  # the upload took 绿化覆盖率 below its figure
    assert texts(drawn) == texts(after)

    # Uploads landing during every run: drawn again REDRAWS times, then shown as read (never a page held back).
    def every_run(as_of):
        number = len(landed)
        landed.append(import_file(webapp.cursor(), f"more-{number}.csv",
                                  f"指标,期间,数值\n12.1,2024年,{30 + number}%\n".encode(),
                                  unit="园林绿化服务中心", user="admin"))  # fmt: skip
        return real(as_of)

    monkeypatch.setattr(cached, "progress_table", every_run)
    landed.clear()
    landing()
    assert len(landed) == 1 + webapp.REDRAWS and all(r.outcome == "committed" for r in landed)


def test_what_was_known_by_a_moment_changes_only_with_rows_recorded_by_then(tmp_path):
    """The marks a past moment's verdict is keyed to: a figure recorded after the moment leaves them as they were; one
    recorded by then or a row of then deleted (the demo replaced) changes them."""
    from tests.scenario import add

    con = bootstrap.connect(tmp_path / "t.duckdb")
    moment = dt.datetime(2026, 10, 31, 23, 59, 59)
    add(con, "12.1", "2024年", 36, recorded_at="2025-03-01 09:00:00")
    first = stored.known_by(con, moment)
    add(con, "12.1", "2025年", 37, recorded_at="2026-11-02 09:00:00")  # after the moment
    assert stored.known_by(con, moment) == first
    add(con, "12.1", "2023年", 35, recorded_at=str(moment))  # exactly at the moment: known by then
    second = stored.known_by(con, moment)
    assert second != first
    con.execute("DELETE FROM measurement WHERE period_label = '2023年'")
    assert stored.known_by(con, moment) == first
    con.execute("DELETE FROM measurement WHERE period_label = '2024年'")
    assert stored.known_by(con, moment) != first
    con.close()


OVERVIEW_CHARTS = ("overview_categories", "overview_trend", "overview_timeline")


def overview_builds(builds: Counter) -> dict[str, int]:
    return {name: builds[name] for name in OVERVIEW_CHARTS}


def chart_specs(at: AppTest) -> list[str]:
    return [chart.proto.spec for chart in at.get("plotly_chart")]


def test_the_overview_charts_are_built_once_per_generation(app_db, builds):
    first = new_session("pages/overview.py")
    assert overview_builds(builds) == dict.fromkeys(OVERVIEW_CHARTS, 1)
    second = new_session("pages/overview.py")
    assert overview_builds(builds) == dict.fromkeys(OVERVIEW_CHARTS, 1)  # the second session drew the first's
    assert len(chart_specs(first)) == 3 and chart_specs(second) == chart_specs(first)

    commit_a_figure()
    first.run()
    second.run()
    assert not first.exception and not second.exception
    assert overview_builds(builds) == dict.fromkeys(OVERVIEW_CHARTS, 2)  # a new generation: built again, once

    # 「按当时已知」 changes what the trend and the time line are drawn from, not the categories' bars.
    first.toggle(key="overview_known_then").set_value(True).run()
    assert not first.exception
    assert overview_builds(builds) == {"overview_categories": 2, "overview_trend": 3, "overview_timeline": 3}


def test_a_commit_on_the_upload_page_leaves_the_next_readers_nothing_to_compute(
    app_db, evaluations, monkeypatch
):
    """The new generation's evaluations and history are computed for the committing session right after its commit
    (in the background once its page is drawn, issue 24): the next session's overview finds them computed."""
    from app import cached, webapp

    histories = []
    real_history = webapp.readiness_history
    monkeypatch.setattr(
        webapp, "readiness_history", lambda *a, **kw: histories.append(a) or real_history(*a, **kw)
    )
    before = views.last_month_end(TODAY)
    uploader = new_session("pages/upload.py")
    uploader.selectbox(key="upload_unit").set_value("园林绿化服务中心").run()
    uploader.file_uploader(key="upload_file").upload(
        "fix.csv", "指标,期间,数值\n12.1,2023年,36%\n".encode(), "text/csv"
    ).run()
    assert not uploader.exception and evaluations == {} and histories == []
    uploader.button(key="upload_commit").click().run()
    assert not uploader.exception, [e.value for e in uploader.exception]
    assert any("已导入 1 行" in s.value for s in uploader.success)
    cached.settle()  # the uploader's warm-up, after its page
    assert evaluations == {TODAY: 1, before: 1} and len(histories) == 1  # computed for the uploader

    reader = new_session("pages/overview.py")
    new_session("pages/unit.py")
    new_session("pages/phases.py")
    assert not reader.exception
    assert evaluations == {TODAY: 1, before: 1} and len(histories) == 1  # nothing more for the readers


def test_a_check_on_the_item_page_leaves_the_next_readers_nothing_to_compute(app_db, evaluations):
    """The office's check of a 待核实 answer changes a status: the new generation is computed for the session that
    checked, as for an upload's."""
    from app import cached
    from tracker.catalogue import catalogue

    checker = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    checker.session_state["actor"] = ADMIN
    checker.session_state["as_of"] = TODAY
    checker.run()
    checker.query_params["item"] = str(catalogue().metric("2.2").item)
    checker.switch_page("pages/item.py").run()
    checker.text_input(key="verify_note_2_2").input("2026年11月现场检查记录")
    checker.button(key="verify_2_2").click().run()
    assert not checker.exception, [e.value for e in checker.exception]
    assert any("已核实" in s.value for s in checker.success)
    cached.settle()  # the checker's warm-up, after its page
    computed = dict(evaluations)
    assert computed[TODAY] == 2  # before the check, and after it for the checker

    for page in ("pages/overview.py", "pages/unit.py", "pages/phases.py"):
        new_session(page)
    assert dict(evaluations) == computed  # nothing more for the readers


def test_a_script_run_reads_the_generation_once(app_db, monkeypatch):
    """The overview asks for the data's generation many times (every cached read is keyed to it); one query."""
    from app import webapp

    asked = []
    real = webapp.cursor

    class Counting:
        def __init__(self, cursor):
            self._cursor = cursor

        def execute(self, sql, *args, **kwargs):
            if sql == stored.VERDICT_SQL:
                asked.append(sql)
            return self._cursor.execute(sql, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(self._cursor, name)

    monkeypatch.setattr(webapp, "cursor", lambda: Counting(real()))
    at = new_session("pages/overview.py")
    asked.clear()
    at.run()
    assert len(asked) == 1


def test_two_databases_alike_have_generations_of_their_own(demo_db, tmp_path, monkeypatch):
    """Everything shared is keyed to the data's generation: two copies of the same database (the tests' demo
    copies, a restored backup beside the original) must not hand each other their cached evaluations."""
    from app import webapp

    generations = []
    for name in ("a.duckdb", "b.duckdb"):
        shutil.copy(demo_db, tmp_path / name)
        monkeypatch.setenv("TRACKER_DB", str(tmp_path / name))
        webapp._connection.clear()
        generations.append(webapp.data_generation())
    webapp._connection.clear()
    assert generations[0] != generations[1]


def test_activity_is_written_at_most_every_half_minute_and_idle_still_ends_a_session():
    """Every script run touches its session: a write per run would make every page view a database write."""
    import datetime as dt

    from tracker.access import web_sessions
    from tracker.access.auth import SYSTEM
    from tracker.access.users import authenticate, create_user

    con = bootstrap.connect(":memory:")
    create_user(con, SYSTEM, "cg_rep", "reporter", PW, unit="城管执法局")
    actor, _ = authenticate(con, "cg_rep", PW)
    t0 = dt.datetime(2026, 11, 28, 9, 0)
    sid, _ = web_sessions.start(con, actor, now=t0)

    def last_seen():
        return con.execute("SELECT last_seen FROM web_session WHERE id = ?", [sid]).fetchone()[0]

    assert web_sessions.touch(con, sid, now=t0 + dt.timedelta(seconds=10)) is None
    assert last_seen() == t0  # not written: less than half a minute
    assert web_sessions.touch(con, sid, now=t0 + dt.timedelta(seconds=40)) is None
    assert last_seen() == t0 + dt.timedelta(seconds=40)
    idle = web_sessions.idle_limit()
    assert (
        web_sessions.touch(con, sid, now=t0 + dt.timedelta(seconds=40) + idle + dt.timedelta(seconds=1))
        == "idle"
    )
