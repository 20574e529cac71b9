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
