"""Hostile actions (issue 22, findings 7–9): forged log lines, sign-in floods, two sessions racing for one
office action, passwords that are not what they seem, and the command line's and the demo's edges."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import threading

import pytest

from tests.scenario import add
from tracker import bootstrap, logs
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
    con = bootstrap.connect(":memory:")
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

    con = bootstrap.connect(":memory:")
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

    con = bootstrap.connect(":memory:")
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
    from tracker.reports import reminders
    from tracker.reports.reminders import ReminderError

    con = bootstrap.connect(":memory:")
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
    con = bootstrap.connect(":memory:")
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


# ---------------------------------------------------------------- finding 7: a sign-in flood is throttled

T0 = dt.datetime(2026, 12, 6, 9, 0)
TOO_MANY = "尝试次数过多，请 {n} 秒后再试"


@pytest.fixture
def scrypts(monkeypatch):
    """How many passwords were hashed."""
    calls = []
    real = users.hash_password

    def counted(password, salt):
        calls.append(1)
        return real(password, salt)

    monkeypatch.setattr(users, "hash_password", counted)
    return calls


def audited(con, action: str) -> int:
    return con.execute("SELECT count(*) FROM audit_log WHERE action = ?", [action]).fetchone()[0]


def test_forty_failed_sign_ins_from_one_tab_are_throttled_after_ten(scrypts):
    con = bootstrap.connect(":memory:")
    create_user(con, SYSTEM, "leader1", "leader", PW)
    del scrypts[:]
    said = []
    for i in range(40):  # a different name each time: only the tab's own count can stop it
        with pytest.raises(AccountError) as refused:
            authenticate(
                con, f"guess{i}", "wrong password 1", now=T0 + dt.timedelta(seconds=i), client="tab-1"
            )
        said.append(str(refused.value))
    assert all(s.startswith("账号或密码错误") for s in said[:10])
    # the tenth failure at T0+9 s paused the tab for 60 s: at T0+10 s 59 s are left, at T0+39 s 30 s
    assert said[10] == TOO_MANY.format(n=59) and said[39] == TOO_MANY.format(n=30)
    assert len(scrypts) == 10  # a paused try costs no scrypt
    assert audited(con, "login_failed") == 10 and audited(con, "login_throttled") == 1  # once per lock-out
    actor, _ = authenticate(con, "leader1", PW, now=T0 + dt.timedelta(seconds=70), client="tab-1")
    assert actor.name == "leader1"


def test_one_name_tried_from_many_tabs_is_throttled_too(scrypts):
    con = bootstrap.connect(":memory:")
    said = []
    for i in range(13):  # an unknown name: no account lockout can stop it, a new tab each time
        with pytest.raises(AccountError) as refused:
            authenticate(con, "ｇｕｅｓｓ", "wrong password 1", now=T0, client=f"tab-{i}")
        said.append(str(refused.value))
    assert said[9].startswith("账号或密码错误") and said[10:] == [TOO_MANY.format(n=60)] * 3
    assert len(scrypts) == 10 and audited(con, "login_throttled") == 1
    target = con.execute("SELECT target FROM audit_log WHERE action = 'login_throttled'").fetchone()[0]
    assert target == "guess"  # the canonical name (full-width letters fold)
    with pytest.raises(AccountError, match="账号或密码错误"):  # after the pause: counted again
        authenticate(con, "guess", "wrong password 1", now=T0 + dt.timedelta(seconds=61), client="tab-9")


def test_the_sign_in_page_says_to_wait(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from app import webapp
    from tracker.config import ROOT

    path = tmp_path / "throttle.duckdb"
    bootstrap.connect(path).close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", "office-secret-1")
    webapp._connection.clear()
    try:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
        for i in range(11):
            at.text_input(key="login_name").input(f"nobody{i}")
            at.text_input(key="login_password").input("wrong password 1")
            at.button[0].click().run()
        errors = [e.value for e in at.error]
        assert errors and errors[-1].startswith("尝试次数过多，请 ") and errors[-1].endswith(" 秒后再试")
    finally:
        webapp._connection.clear()


# ---------------------------------------------------------------- finding 9: passwords as typed


INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u2061\u2062\u2063\u2064\u180e"  # 12 format characters


def test_a_password_of_invisible_characters_is_refused():
    con = bootstrap.connect(":memory:")
    assert len(INVISIBLE) == 12 and len(set(INVISIBLE)) == 12
    for password in (INVISIBLE, INVISIBLE + "ab", "\u3000" * 6 + INVISIBLE[:6]):
        with pytest.raises(AccountError, match="不可见字符"):
            create_user(con, SYSTEM, "cgzhang", "leader", password)
    assert con.execute("SELECT count(*) FROM app_user").fetchone()[0] == 0


@pytest.mark.parametrize(
    "password",
    ["ｃｇｚｈａｎｇ-secret-9", "CGZhang-secret-9", "cg\u200bzhang-secret-9", "ＣＧ ＺＨＡＮＧ secret 9"],
)
def test_a_password_may_not_hide_the_account_name(password):
    con = bootstrap.connect(":memory:")
    with pytest.raises(AccountError, match="密码不能包含账号名"):
        create_user(con, SYSTEM, "cg zhang", "leader", password)


def test_the_same_password_typed_in_another_normal_form_signs_in():
    import unicodedata

    con = bootstrap.connect(":memory:")
    nfc = "Café-Ünïcode-9"
    create_user(con, SYSTEM, "leader1", "leader", nfc)
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    assert authenticate(con, "leader1", nfd)[0].name == "leader1"
    assert (
        authenticate(con, "leader1", "Ｃａｆé-Ünïcode-９")[0].name == "leader1"
    )  # full-width, as an IME types


def test_a_password_already_normal_hashes_as_before():
    import hashlib

    salt = bytes(range(16))
    before = hashlib.scrypt(PW.encode("utf-8"), salt=salt, **users.SCRYPT)  # how every stored hash was made
    assert users.hash_password(PW, salt) == before


def test_an_account_made_before_with_a_password_not_normal_still_signs_in():
    import hashlib
    import os

    con = bootstrap.connect(":memory:")
    create_user(con, SYSTEM, "leader1", "leader", PW)
    old = "ｆｕｌｌ-width-pass-1"  # stored, before this change, hashed as typed
    salt = os.urandom(16)
    con.execute(
        "UPDATE app_user SET salt = ?, pw_hash = ? WHERE name = 'leader1'",
        [salt, hashlib.scrypt(old.encode("utf-8"), salt=salt, **users.SCRYPT)],
    )
    assert authenticate(con, "leader1", old)[0].name == "leader1"


def test_a_password_on_stdin_that_is_not_utf8_is_a_clear_error(tmp_path, monkeypatch, capsys):
    import io
    import sys

    from tracker.cli import main

    path = tmp_path / "cli.duckdb"
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO(b"secret-\xff\xfe-pass 9\n"), encoding="utf-8")
    )
    code = main(
        ["user", "add", "--name", "leader1", "--role", "leader", "--password-stdin", "--db", str(path)]
    )
    err = capsys.readouterr().err
    assert code == 2, err
    assert "错误：" in err and "UTF-8" in err and "错误编号" not in err
    con = bootstrap.connect(path)
    assert con.execute("SELECT count(*) FROM app_user WHERE name = 'leader1'").fetchone()[0] == 0


# ---------------------------------------------------------------- finding 9: the demo never orphans real work


def _demo_with_real_work(demo_pristine, tmp_path, what: str):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_pristine, path)  # the demo as loaded on 2026-11-28
    con = bootstrap.connect(path)
    if what == "finding":  # the office recorded a real finding in a demo round, at a demo site
        round_id, site_id = con.execute(
            "SELECT r.id, s.site_id FROM inspection_round r JOIN round_site s ON s.round_id = r.id "
            "WHERE r.created_by = 'demo' LIMIT 1"
        ).fetchone()
        con.execute(
            """INSERT INTO finding (round_id, site_id, check_code, item, metric, description, severity, unit,
                                    found_on, deadline, status, recorded_at, recorded_by)
               VALUES (?, ?, 'c1', 10, '10.3', '真实问题：垃圾未清运', '一般', '城管执法局', DATE '2026-11-20',
                       DATE '2026-12-20', 'open', TIMESTAMP '2026-11-20 10:00:00', '王主任')""",
            [round_id, site_id],
        )
    else:  # a real evidence file attached to a demo measurement
        measurement = con.execute("SELECT min(id) FROM measurement").fetchone()[0]
        con.execute(
            """INSERT INTO evidence_link (sha256, target, target_id, file_name, attached_at, attached_by)
               VALUES (?, 'measurement', ?, '现场照片.jpg', TIMESTAMP '2026-11-20 10:00:00', '王主任')""",
            ["ab" * 32, str(measurement)],
        )
    demo = con.execute("SELECT count(*) FROM submission WHERE is_demo").fetchone()[0]
    con.close()
    return path, demo


@pytest.mark.parametrize(("flag", "what"), [("--replace", "finding"), ("--clear", "evidence")])
def test_the_demo_is_not_replaced_or_cleared_from_under_real_work(
    demo_pristine, tmp_path, capsys, what, flag
):
    from tracker.cli import main

    path, demo = _demo_with_real_work(demo_pristine, tmp_path, what)
    capsys.readouterr()
    assert main(["demo", flag, "--db", str(path)]) == 6
    err = capsys.readouterr().err
    assert "错误：" in err and ("检查问题 1 条" if what == "finding" else "佐证材料 1 份") in err
    con = bootstrap.connect(path)
    assert con.execute("SELECT count(*) FROM submission WHERE is_demo").fetchone()[0] == demo  # untouched
    orphans = con.execute(
        """SELECT (SELECT count(*) FROM finding f WHERE NOT EXISTS (SELECT 1 FROM inspection_round r
                                                                  WHERE r.id = f.round_id))
                + (SELECT count(*) FROM evidence_link l WHERE l.target = 'measurement' AND NOT EXISTS (
                       SELECT 1 FROM measurement m WHERE CAST(m.id AS VARCHAR) = l.target_id))"""
    ).fetchone()[0]
    assert orphans == 0


# ---------------------------------------------------------------- finding 9: an import killed midway is audited


def test_an_import_killed_after_its_file_was_stored_is_audited_when_the_file_is_opened_again(tmp_path):
    import hashlib

    from tracker.cli.opening import open_db
    from tracker.ingest import service

    path = tmp_path / "killed.duckdb"
    con = bootstrap.connect(path)
    data = "单位,指标,期间,数值\n城管执法局,10.3,2023年,81%\n".encode()
    # what a SIGKILL right after storing the raw file leaves: the submission, marked failed, and no audit entry
    sid = service.store_raw_file(
        con, "城管-2023.csv", data, hashlib.sha256(data).hexdigest(), "城管执法局", "城管张"
    )
    con.close()
    for _ in range(2):  # the next opening for writing settles it, once
        con = open_db(path)
        entries = con.execute("SELECT actor, action, target, detail FROM audit_log").fetchall()
        con.close()
        assert len(entries) == 1
        actor, action, target, detail = entries[0]
        assert (actor, action, target) == ("城管张", "upload_interrupted", "城管-2023.csv")
        assert f"第 {sid} 份报送" in detail
    con = bootstrap.connect(path)
    outcome, message = con.execute("SELECT outcome, message FROM submission WHERE id = ?", [sid]).fetchone()
    assert outcome == "failed" and "中断" in message
