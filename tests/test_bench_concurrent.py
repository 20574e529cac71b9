"""bench.concurrent's pure parts (issue 23): the script runs read back from several workers' logs, and the PostgreSQL
mode's goals on hand-made results. No browser, no server, no timing."""

from __future__ import annotations

import pytest

from bench import concurrent, concurrent_pg

STAMP = "2026-12-06 22:00:00,000 INFO tracker.app.run"


def _run(page: str, ms: float, session: str) -> str:
    return f"{STAMP} script_run page={page} duration_ms={ms} session={session}\n"


def test_runs_are_read_from_every_workers_log_once_each(tmp_path):
    w1, w2 = tmp_path / "w1.log", tmp_path / "w2.log"
    w1.write_text(
        "  Streamlit 启动\n" + _run("overview", 250.0, "aaaaaaaaaa") + _run("item", 120.5, "aaaaaaaaaa"),
        encoding="utf-8",
    )
    w2.write_text(_run("overview", 300.0, "bbbbbbbbbb"), encoding="utf-8")
    logs = {"w1": w1, "w2": w2}
    runs, offsets = concurrent.script_runs(logs, {})
    assert sorted(runs) == [
        ("w1", "item", 0.1205, "aaaaaaaaaa"),
        ("w1", "overview", 0.25, "aaaaaaaaaa"),
        ("w2", "overview", 0.3, "bbbbbbbbbb"),
    ]
    assert offsets == {"w1": w1.stat().st_size, "w2": w2.stat().st_size}

    # Nothing new: nothing read again.
    assert concurrent.script_runs(logs, offsets) == ([], offsets)

    # A line still being written is left for the next read, not taken as a shorter duration.
    line = _run("phases", 1234.5, "cccccccccc")
    with open(w2, "a", encoding="utf-8") as f:
        f.write(line[:-8])
    runs, offsets = concurrent.script_runs(logs, offsets)
    assert runs == []
    with open(w2, "a", encoding="utf-8") as f:
        f.write(line[-8:] + _run("unit", 80.0, "bbbbbbbbbb"))
    runs, offsets = concurrent.script_runs(logs, offsets)
    assert runs == [("w2", "phases", 1.2345, "cccccccccc"), ("w2", "unit", 0.08, "bbbbbbbbbb")]
    assert offsets["w2"] == w2.stat().st_size


def test_a_log_not_written_yet_reads_as_nothing(tmp_path):
    runs, offsets = concurrent.script_runs({"w1": tmp_path / "w1.log"}, {})
    assert runs == [] and offsets == {"w1": 0}


def test_sessions_are_counted_per_worker():
    runs = [
        ("w1", "overview", 0.2, "a"),
        ("w1", "item", 0.1, "a"),
        ("w1", "overview", 0.2, "b"),
        ("w2", "overview", 0.3, "c"),
    ]
    assert concurrent.by_page(runs) == {"overview": [0.2, 0.2, 0.3], "item": [0.1]}
    assert concurrent.sessions_per_process(runs, ["w1", "w2", "w3"]) == {
        "w1": {"sessions": 2, "runs": 3},
        "w2": {"sessions": 1, "runs": 1},
        "w3": {"sessions": 0, "runs": 0},
    }


def _stats(median: float, p95: float) -> dict:
    return {"n": 4, "median": median, "p95": p95, "max": p95}


def _results(server8_p95: float, item_wait8: float, failed8=(), failed16=(), signin8: float = 20.0) -> dict:
    def round_(server_p95: float, item_wait: float, failed, signin: float) -> dict:
        return {
            "seconds": 1.0,
            "failed": list(failed),
            "wait": {
                "signin": _stats(signin, signin),
                "item": _stats(item_wait, item_wait),
                "unit": _stats(0.5, 0.9),
                "upload_commit": _stats(4.0, 6.0),  # an action, not a page after sign-in
            },
            "server": {"overview": _stats(0.2, server_p95), "item": _stats(0.1, 0.1)},
        }

    return {
        1: round_(0.2, 0.5, (), 2.5),
        8: round_(server8_p95, item_wait8, failed8, signin8),
        16: round_(0.5, 0.5, failed16, 30.0),
    }


def test_postgres_goals_met():
    results = _results(server8_p95=1.0, item_wait8=3.0)  # 1.0 / 0.2 = exactly 5 ×; exactly 3 s
    ratio = concurrent.ratios(results)
    verdict = concurrent_pg.goals(results, ratio)
    assert verdict == {
        "n8_server_p95_within_5x": True,
        "n8_wait_p95_within_3s": True,
        "n16_none_failed": True,
    }
    lines = concurrent_pg.goal_lines(results, ratio, verdict)
    assert len(lines) == 3 and all("NOT met" not in line for line in lines)
    assert "overview 5.00 ×" in lines[0]


@pytest.mark.parametrize(
    ("changes", "broken"),
    [
        ({"server8_p95": 1.01}, "n8_server_p95_within_5x"),
        ({"item_wait8": 3.01}, "n8_wait_p95_within_3s"),
        ({"failed8": ["session 3 at item: TimeoutError"]}, "n8_wait_p95_within_3s"),
        ({"failed16": ["session 20 at signin: TimeoutError"]}, "n16_none_failed"),
    ],
)
def test_postgres_goals_each_missed(changes, broken):
    results = _results(**{"server8_p95": 1.0, "item_wait8": 3.0, **changes})
    ratio = concurrent.ratios(results)
    verdict = concurrent_pg.goals(results, ratio)
    assert [key for key, ok in verdict.items() if not ok] == [broken]
    assert sum("NOT met" in line for line in concurrent_pg.goal_lines(results, ratio, verdict)) == 1


def test_sign_in_and_the_upload_are_not_pages_after_sign_in():
    results = _results(server8_p95=1.0, item_wait8=1.0, signin8=25.0)
    assert concurrent_pg.goals(results, concurrent.ratios(results))["n8_wait_p95_within_3s"] is True


def test_goals_only_for_the_sizes_run():
    results = _results(server8_p95=1.0, item_wait8=1.0)
    del results[8], results[16]
    assert concurrent_pg.goals(results, concurrent.ratios(results)) == {}


def test_spread_lines_name_every_worker():
    results = {4: {"workers": {"w1": {"sessions": 2, "runs": 30}, "w2": {"sessions": 2, "runs": 29}}}}
    assert concurrent_pg.spread_lines(results) == [
        "N=4 over the workers: w1 2 sessions / 30 runs, w2 2 sessions / 29 runs"
    ]


def test_workers_need_the_postgres_store(capsys):
    with pytest.raises(SystemExit) as exit_:
        concurrent.main(["--sessions", "1", "--workers", "2"])
    assert exit_.value.code == 2
    assert "--store postgres" in capsys.readouterr().err


def _moved(shown_max: float, failed=()) -> dict:
    return {
        "uploads_on": "w1",
        "watched_on": "w2",
        "tries": [
            {"started": -0.4, "served": 0.6, "shown": 1.0, "read": 1.3, "whole": True},
            {
                "started": 0.3,
                "served": shown_max - 0.5,
                "shown": shown_max,
                "read": shown_max + 0.4,
                "whole": True,
            },
        ],
        "failed": list(failed),
        "started": {"median": -0.05, "max": 0.3},
        "served": {"median": 0.6, "max": shown_max - 0.5},
        "shown": {"median": 1.0, "max": shown_max},
        "read": {"median": 1.3, "max": shown_max + 0.4},
    }


def test_propagation_within_2_s_is_read_on_the_page_drawn():
    """The goal's figure is when the other worker's 总览 showing the upload was drawn, whatever its run began, and
    not when the bench had read the page's text to tell (later)."""
    met = concurrent_pg.propagation_lines(_moved(2.0))
    assert "w1" in met[0] and "w2" in met[0] and "on screen 1.00 / 2.00" in met[0]
    assert "its run ended by the worker 0.60 / 1.50" in met[0]
    assert "the page's text read by the bench 1.30 / 2.40" in met[0]
    assert met[1].endswith("within 2 s — met")
    assert concurrent_pg.propagation_lines(_moved(2.01))[1].endswith("NOT met")
    assert (
        "NOT met (1 tries failed)" in concurrent_pg.propagation_lines(_moved(1.0, ["try 3: TimeoutError"]))[1]
    )
    partial = _moved(1.0)
    partial["tries"][0]["whole"] = False  # that page showed part of the upload: the rest came later, untimed
    assert concurrent_pg.propagation_lines(partial)[1].endswith(
        "NOT met (1 tries showed part of the upload first: when all of it showed is not timed)"
    )
    failed = {"uploads_on": "w1", "watched_on": "w2", "tries": [], "failed": ["try 0: TimeoutError: x"]}
    assert concurrent_pg.propagation_lines(failed) == [
        "propagation (committed on w1, seen on w2's 总览): every try failed — try 0: TimeoutError: x"
    ]


def test_a_propagation_upload_is_200_office_rows_for_last_year_and_this():
    import datetime as dt

    lines = concurrent_pg.propagation_file(0).decode("utf-8").splitlines()
    assert lines[0].startswith("单位,") and len(lines) == 1 + concurrent.UPLOAD_ROWS
    assert all(line.startswith("创卫办,") for line in lines[1:])
    this_year = dt.date.today().year
    assert {line.split(",")[2] for line in lines[1:]} == {f"{this_year - 1}年", f"{this_year}年"}
    assert concurrent_pg.propagation_file(1) != concurrent_pg.propagation_file(0)


@pytest.mark.parametrize(
    "argv",
    [["--propagation"], ["--store", "postgres", "--workers", "1", "--propagation", "3"]],
)
def test_propagation_needs_two_workers_on_postgres(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        concurrent.main(["--sessions", "1", *argv])
    assert exit_.value.code == 2
    assert "--propagation needs --store postgres" in capsys.readouterr().err


def test_the_commit_time_is_read_from_the_upload_services_own_log_line(tmp_path, monkeypatch):
    """The line as the app writes it (tracker.logs.action through the console's format), found by file name."""
    import datetime as dt
    import logging

    from tracker import logs

    log = tmp_path / "w1.log"
    handler = logging.FileHandler(log, encoding="utf-8")
    handler.setFormatter(logging.Formatter(logs.FORMAT))
    service = logging.getLogger("tracker.service")
    monkeypatch.setattr(service, "level", logging.INFO)
    service.addHandler(handler)
    try:
        with logs.action(concurrent.ADMIN, "upload_check", "propagation-0.csv"):
            pass
        with logs.action(concurrent.ADMIN, "upload", "propagation-0.csv") as logged:
            logged["outcome"] = "committed accepted=200 refused=0"
        stamp = dt.datetime.now().timestamp()
    finally:
        service.removeHandler(handler)
        handler.close()
    offset = 0
    assert concurrent_pg.commit_time(log, offset, "propagation-1.csv") is None
    committed = concurrent_pg.commit_time(log, offset, "propagation-0.csv")
    assert committed is not None and stamp - 1 < committed <= stamp + 0.001
    assert concurrent_pg.commit_time(log, log.stat().st_size, "propagation-0.csv") is None


def test_the_overview_runs_end_is_read_from_the_apps_own_log_line(tmp_path, monkeypatch):
    """The line as app.webapp.log_script_run writes it (the console's format): the last 总览 run between the two
    offsets, not another page's."""
    import logging
    import time

    from app import webapp
    from tracker import logs

    log = tmp_path / "w2.log"
    handler = logging.FileHandler(log, encoding="utf-8")
    handler.setFormatter(logging.Formatter(logs.FORMAT))
    monkeypatch.setattr(webapp.RUN_LOG, "level", logging.INFO)
    webapp.RUN_LOG.addHandler(handler)
    try:
        webapp.log_script_run("overview", time.perf_counter())
        first = log.stat().st_size
        stamp = time.time()
        webapp.log_script_run("overview", time.perf_counter())
        webapp.log_script_run("phases", time.perf_counter())
    finally:
        webapp.RUN_LOG.removeHandler(handler)
        handler.close()
    ended = concurrent_pg.overview_end(log, first, log.stat().st_size)
    assert stamp - 0.001 <= ended <= stamp + 1
    assert concurrent_pg.overview_end(log, 0, first) <= ended
