"""Hostile actions (issue 22, findings 7–9): forged log lines, sign-in floods, two sessions racing for one
office action, passwords that are not what they seem, and the command line's and the demo's edges."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading

import pytest

from tests.scenario import add
from tracker import db, logs
from tracker.access import users
from tracker.access.auth import SYSTEM, Actor
from tracker.access.users import AccountError, authenticate, create_user

OFFICE = Actor("王主任", "admin")
PW = "correct horse 9"
FORGED = "2026-12-06 09:00:00,000 INFO tracker.service actor=admin action=backup target=- outcome=ok"


# ---------------------------------------------------------------- finding 7: logs that cannot be forged


def _new_log_text(before: int) -> str:
    return logs.log_file().read_bytes()[before:].decode("utf-8")


@pytest.fixture
def log_file(tmp_path, monkeypatch):
    """The process's log file (configured once per process), and where it ended before the test."""
    monkeypatch.setenv("TRACKER_LOG_DIR", str(tmp_path / "logs"))
    path = logs.setup(tmp_path / "x.duckdb")
    assert path is not None
    return path.stat().st_size if path.exists() else 0


def test_a_name_with_a_newline_cannot_write_a_log_line_of_its_own(log_file, capsys):
    con = db.connect(":memory:")
    typed = f"x\n{FORGED}"
    with pytest.raises(AccountError, match="账号或密码错误"):
        authenticate(con, typed, "whatever 123")  # the sign-in form, no account needed
    logging.getLogger("tracker.ingest").warning("file=%s", f"a.csv\r\n{FORGED}")
    text = _new_log_text(log_file)
    assert not any(line.startswith(FORGED) for line in text.splitlines())
    assert "x\\u000a2026-12-06 09:00:00" in text and "a.csv\\u000d\\u000a2026" in text
    err = capsys.readouterr().err  # the console too
    assert "a.csv\\u000d\\u000a2026" in err and f"\n{FORGED}" not in err


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J\x1b[31m", "\\u001b[2J\\u001b[31m"),  # terminal escapes: clear the screen, red
        ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),  # line and paragraph separators
        ("evil\b\b\b\bgood", "evil\\u0008\\u0008\\u0008\\u0008good"),  # backspaces over what was written
        ("\u202egnp.exe", "\\u202egnp.exe"),  # a bidi override
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),  # format characters
        ("tab\there", "tab\\u0009here"),
    ],
)
def test_control_and_format_characters_are_escaped_in_every_record(log_file, capsys, raw, shown):
    logging.getLogger("tracker.ingest").warning("actor=%s file=%s", "cli", raw)
    text = _new_log_text(log_file)
    assert shown in text and raw not in text
    err = capsys.readouterr().err
    assert shown in err and raw not in err


def test_a_traceback_keeps_its_lines_but_cannot_start_a_record(log_file):
    try:
        raise ValueError(f"bad file\n{FORGED}\x1b[2J")
    except ValueError:
        error_id = logs.unexpected(logging.getLogger("tracker.cli"), "command import")
    text = _new_log_text(log_file)
    assert f"error id {error_id}" in text and "Traceback (most recent call last):" in text
    assert "ValueError: bad file" in text and "\\u001b[2J" in text and "\x1b" not in text
    records = [line for line in text.splitlines() if line[:4].isdigit()]
    assert len(records) == 1 and error_id in records[0]  # the forged line is inside the traceback, indented


def test_a_page_error_goes_to_the_log_file_with_its_id_and_traceback(app_env, monkeypatch, log_file):
    from streamlit.testing.v1 import AppTest

    from app import cached
    from tracker.config import ROOT

    def broken(*args, **kwargs):
        raise RuntimeError("simulated page bug")

    monkeypatch.setattr(cached, "ranking", broken)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.session_state["actor"] = Actor("admin", "admin")
    at.run()
    shown = [e.value for e in at.error if "错误编号" in e.value]
    error_id = shown[0].split("错误编号 ")[1][:8]
    text = _new_log_text(log_file)
    assert f"error id {error_id}" in text
    assert "RuntimeError: simulated page bug" in text.split(f"error id {error_id}", 1)[1]


# ---------------------------------------------------------------- finding 8: two sessions, one action


def pause_after(monkeypatch, module, name: str, parties: int = 2):
    """Make `module.name` wait, after doing its work, until `parties` threads have done it (or 3 s have
    passed): two sessions that both checked before either wrote. Checks made inside the write transaction
    cannot meet there: the second waits for the first's commit, and the barrier times out instead."""
    real = getattr(module, name)
    barrier = threading.Barrier(parties)

    def paused(*args, **kwargs):
        out = real(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return out

    monkeypatch.setattr(module, name, paused)


def race(con, *calls):
    """Run each call(cursor) in its own thread on its own cursor; their results or the exceptions raised."""
    results: list = [None] * len(calls)

    def run(i, call):
        cursor = con.cursor()
        try:
            results[i] = call(cursor)
        except Exception as exc:  # noqa: BLE001 - the loser's refusal is the result
            results[i] = exc
        finally:
            cursor.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_sessions_accepting_one_item_make_one_acceptance(monkeypatch):
    from tracker.office import acceptance
    from tracker.office.acceptance import AcceptanceError

    con = db.connect(":memory:")
    add(con, "12.1", "2023年", 38.5, recorded_at="2024-01-10 09:00:00")
    add(con, "12.2", "2023年", 9.2, recorded_at="2024-01-10 09:00:00")
    add(con, "12.3", "2023年", 1, unit="创卫办", recorded_at="2024-01-10 09:00:00")
    on = dt.date(2024, 3, 15)
    pause_after(monkeypatch, acceptance, "evaluate")
    results = race(
        con,
        lambda c: acceptance.accept(c, 12, OFFICE, on, "现场检查记录甲"),
        lambda c: acceptance.accept(c, 12, OFFICE, on, "现场检查记录乙"),
    )
    assert con.execute("SELECT count(*) FROM acceptance WHERE withdrawn_at IS NULL").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'accept'").fetchone()[0] == 1
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(lost) == 1 and isinstance(lost[0], AcceptanceError) and "已于" in str(lost[0])


def test_two_sessions_verifying_one_answer_make_one_verification(monkeypatch):
    from tracker.office import verification

    con = db.connect(":memory:")
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


def test_two_notices_cannot_share_one_number(monkeypatch):
    from tests.test_briefing import AS_OF, scenario
    from tracker.office import reminders
    from tracker.office.reminders import ReminderError

    con = db.connect(":memory:")
    scenario(con)
    pause_after(monkeypatch, reminders, "owed")
    number = "创卫办督〔2024〕1号"
    results = race(
        con,
        lambda c: reminders.send(c, OFFICE, AS_OF, number, unit="住建局"),
        lambda c: reminders.send(c, OFFICE, AS_OF, number, unit="城管执法局"),
    )
    assert (
        con.execute("SELECT count(DISTINCT unit) FROM reminder WHERE doc_number = ?", [number]).fetchone()[0]
        == 1
    )
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'reminder_send'").fetchone()[0] == 1
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(lost) == 1 and isinstance(lost[0], ReminderError) and "已用过" in str(lost[0])


def test_two_creations_of_one_account_make_one_and_say_so(monkeypatch):
    con = db.connect(":memory:")
    pause_after(monkeypatch, users, "_check_password")
    results = race(
        con,
        lambda c: create_user(c, SYSTEM, "城管张", "leader", PW),
        lambda c: create_user(c, SYSTEM, "城管张", "leader", "another long pass 7"),
    )
    assert con.execute("SELECT count(*) FROM app_user").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'user_add'").fetchone()[0] == 1
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(lost) == 1 and isinstance(lost[0], AccountError), lost
    assert str(lost[0]) == "账号「城管张」已存在"
