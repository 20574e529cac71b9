"""核实 on PostgreSQL, two sessions at once (issue 23): tests/test_hostile_actions.py's race, where two
transactions really run at once and the answers are read in the replica."""

from __future__ import annotations

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.scenario import add
from tests.test_hostile_actions import OFFICE, pause_after, race
from tracker import bootstrap
from tracker.office import verification


def test_two_sessions_verifying_one_answer_make_one_verification(pg_url, monkeypatch):
    con = bootstrap.connect(pg_url)
    try:
        add(con, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")
        pause_after(monkeypatch, verification, "_answers")
        results = race(
            con,
            lambda c: verification.verify(c, "2.2", "2025", OFFICE, "现场检查甲"),
            lambda c: verification.verify(c, "2.2", "2025", OFFICE, "现场检查乙"),
        )
        assert con.execute("SELECT count(*) FROM verification").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'verify'").fetchone()[0] == 1
        assert sorted(r.written for r in results) == [False, True]
        loser = next(r for r in results if not r.written)
        assert loser.message.startswith("已核实") and "王主任" in loser.message
    finally:
        con.close()
