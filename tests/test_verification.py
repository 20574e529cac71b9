"""核实 (issue 10): the office confirms a unit's 「是」 on a checklist metric. Who may, what is refused, what the audit
log keeps, what the upload preview says about a verified answer, and what a verification does to readiness."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, TODAY, app_on_copy
from tests.scenario import add
from tracker import bootstrap
from tracker.access.auth import SYSTEM, Actor, PermissionDenied
from tracker.access.users import create_user
from tracker.catalogue import catalogue
from tracker.cli import main
from tracker.engine.evaluate import evaluate
from tracker.office import verification
from tracker.office.verification import VerificationError

CAT = catalogue()
OFFICE = Actor("王主任", "admin")
REPORTER = Actor("编办李", "reporter", "市委编办")
LEADER = Actor("李市长", "leader")
NOW = dt.datetime(2026, 3, 1, 10, 0)


@pytest.fixture
def con():
    con = bootstrap.connect(":memory:")
    seed(con)
    yield con
    con.close()


def seed(con) -> None:
    """The answers the tests verify (tests/test_pg_office.py seeds PostgreSQL with them too)."""
    # 2.2 (checklist, reported by 市委编办): 「是」 for 2025, awaiting the office's check
    add(con, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")
    add(con, "2.3", "2025年", 0, recorded_at="2026-02-01 09:00:00")  # 「否」
    add(con, "10.3", "2025年", 85)  # a figure, not a checklist


def count(con, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def status(con, metric: str, day: dt.date = dt.date(2026, 3, 2)) -> str:
    return evaluate(con, day).metrics.set_index("metric").loc[metric, "status"]


# ---------------------------------------------------------------- the service


def test_reporter_and_leader_may_not_verify_and_the_refusal_is_audited(con):
    for actor in (REPORTER, LEADER):
        with pytest.raises(PermissionDenied):
            verification.verify(con, "2.2", "2025", actor, "现场检查")
    assert count(con, "SELECT count(*) FROM verification") == 0
    refused = con.execute("SELECT actor, action, target FROM audit_log ORDER BY id").fetchall()
    assert refused == [("编办李", "verify_refused", "2.2 2025年"), ("李市长", "verify_refused", "2.2 2025年")]


def test_a_disabled_administrator_verifies_nothing(con):
    from tracker.access.users import set_disabled

    office = create_user(con, SYSTEM, "王主任", "admin", "a-long-password-1")
    set_disabled(con, SYSTEM, "王主任", True)
    with pytest.raises(PermissionDenied, match="已停用"):
        verification.verify(con, "2.2", "2025", office, "现场检查")
    assert count(con, "SELECT count(*) FROM verification") == 0
    assert count(con, "SELECT count(*) FROM audit_log WHERE action = 'verify_refused'") == 1


def test_office_verifies_with_before_and_after_in_the_audit_log(con):
    assert status(con, "2.2") == "pending"
    result = verification.verify(con, "2.2", "2025年", OFFICE, "2026年3月现场检查记录", now=NOW)
    assert result.written and "已核实" in result.message
    row = con.execute(
        "SELECT verified_by, verified_at, note, metric, unit, area, period_start, value FROM verification"
    ).fetchone()
    assert row == ("王主任", NOW, "2026年3月现场检查记录", "2.2", "市委编办", None, dt.date(2025, 1, 1), 1.0)
    actor, action, target, before, after = con.execute(
        "SELECT actor, action, target, before_json, after_json FROM audit_log"
    ).fetchone()
    assert (actor, action, target) == ("王主任", "verify", "2.2 2025年")
    before, after = json.loads(before), json.loads(after)
    assert before["answer"] == "是" and before["unit"] == "市委编办" and before["verified"] is None
    assert after["verified_by"] == "王主任" and after["note"] == "2026年3月现场检查记录"
    assert status(con, "2.2") == "met"


def test_refusals_write_nothing(con):
    cases = [
        ("9.9", "2025", "未知指标「9.9」"),
        ("10.3", "2025", "不是核查项"),
        ("2.2", "2024", "尚无答复"),
        ("2.3", "2025", "当前答复为「否」"),
        ("2.2", "明年", "期间「明年」无法识别"),
        ("2.2", "2025Q1", "是年度指标"),
    ]
    for metric, period, message in cases:
        with pytest.raises(VerificationError, match=message):
            verification.verify(con, metric, period, OFFICE, "检查记录")
    with pytest.raises(VerificationError, match="请填写核实依据"):
        verification.verify(con, "2.2", "2025", OFFICE, "  ")
    with pytest.raises(VerificationError, match="当前答复来自「市委编办」"):
        verification.verify(con, "2.2", "2025", OFFICE, "检查记录", unit="卫健委")
    with pytest.raises(VerificationError, match="全市指标"):
        verification.verify(con, "2.2", "2025", OFFICE, "检查记录", area="铁东街道")
    assert count(con, "SELECT count(*) FROM verification") == 0
    assert count(con, "SELECT count(*) FROM audit_log") == 0


def test_already_verified_says_so_and_writes_nothing(con):
    verification.verify(con, "2.2", "2025", OFFICE, "检查记录", now=NOW)
    again = verification.verify(con, "2.2", "2025", OFFICE, "又查一次", unit="编办")
    assert not again.written and again.message.startswith("已核实")
    assert "王主任" in again.message and "2026-03-01" in again.message
    assert count(con, "SELECT count(*) FROM verification") == 1
    assert count(con, "SELECT count(*) FROM audit_log") == 1


def test_the_office_own_answer_needs_no_check(con):
    add(con, "2.1", "2025年", 1, unit="创卫办", recorded_at="2026-02-01 09:00:00")
    result = verification.verify(con, "2.1", "2025", OFFICE, "检查记录")
    assert not result.written and "创卫办" in result.message
    assert count(con, "SELECT count(*) FROM verification") == 0


def test_pending_answers_and_the_same_answer_sent_again(con):
    pending = verification.pending_answers(con)
    assert list(zip(pending["metric"], pending["period_label"], strict=True)) == [("2.2", "2025年")]
    verification.verify(con, "2.2", "2025", OFFICE, "检查记录", now=NOW)
    assert verification.pending_answers(con).empty
    # the same 「是」 sent again: it keeps its check, nothing to do
    add(con, "2.2", "2025年", 1, recorded_at="2026-03-05 09:00:00")
    assert verification.pending_answers(con).empty
    assert not verification.verify(con, "2.2", "2025", OFFICE, "检查记录").written
    # 是 → 否 → 是: the check of the first 「是」 no longer holds
    add(con, "2.2", "2025年", 0, recorded_at="2026-03-10 09:00:00")
    add(con, "2.2", "2025年", 1, recorded_at="2026-03-20 09:00:00")
    assert list(verification.pending_answers(con, ["2.2"])["metric"]) == ["2.2"]
    assert verification.verify(con, "2.2", "2025", OFFICE, "复查", now=dt.datetime(2026, 3, 21, 9)).written
    assert verification.pending_answers(con).empty


def test_only_units_whose_figure_counts_are_checked(con):
    """A co-responsible unit's 「否」 for 2.2 does not replace the reporter's 「是」: the answer to check stays
    市委编办's."""
    add(con, "2.2", "2025年", 0, unit="卫健委", recorded_at="2026-02-10 09:00:00")
    assert verification.verify(con, "2.2", "2025", OFFICE, "检查记录", now=NOW).written


def test_the_answer_checked_is_the_one_the_office_chose_to_count(con):
    """A co-responsible unit's 「否」 counts once the office chooses it (tracker.engine.figures): nothing to check then."""
    from tracker.office import figures

    add(con, "2.2", "2025年", 0, unit="人社局", recorded_at="2026-02-10 09:00:00")
    figures.choose(con, "2.2", "2025", "人社局", actor=OFFICE, note="编办材料不全，以人社局为准")
    assert verification.pending_answers(con).empty
    with pytest.raises(VerificationError, match="当前答复为「否」（人社局）"):
        verification.verify(con, "2.2", "2025", OFFICE, "检查记录")


def test_awaiting_from_counts_the_submissions_pending_answers(con):
    """What the unit is told after its commit: the 「是」 of its submission that wait for the office (the pending
    answers sent in it), read for the submission's own metrics; a submission of figures only waits for nothing."""
    con.execute("UPDATE measurement SET submission_id = 7 WHERE metric = '10.3'")
    add(con, "2.1", "2025年", 1, recorded_at="2026-02-02 09:00:00")  # a second pending 「是」 in submission 0

    def everything(submission: int) -> int:  # over every checklist metric, as it was read before
        ids = {
            i
            for (i,) in con.execute(
                "SELECT id FROM measurement WHERE submission_id = ?", [submission]
            ).fetchall()
        }
        return int(verification.pending_answers(con)["id"].isin(ids).sum())

    assert verification.awaiting_from(con, 0) == everything(0) == 2
    assert verification.awaiting_from(con, 7) == everything(7) == 0
    assert verification.awaiting_from(con, 99) == 0  # no such submission
    verification.verify(con, "2.2", "2025", OFFICE, "检查记录", now=NOW)
    assert verification.awaiting_from(con, 0) == everything(0) == 1


def test_verifications_say_who_and_when(con):
    verification.verify(con, "2.2", "2025", OFFICE, "检查记录", now=NOW)
    table = verification.verifications(con, ["2.2"])
    assert list(table["verified_by"]) == ["王主任"] and list(table["period_label"]) == ["2025年"]
    assert list(table["answer"]) == ["是"] and bool(table["current"].iloc[0])
    add(con, "2.2", "2025年", 0, recorded_at="2026-03-10 09:00:00")
    assert not bool(verification.verifications(con, ["2.2"])["current"].iloc[0])


def test_item_history_shows_the_check_of_an_identical_answer_sent_again(con):
    from tracker.engine.views import metric_history

    def verified_by() -> object:
        row = metric_history(con, ["2.2"], dt.date(2026, 11, 28)).set_index("period_label").loc["2025年"]
        return row["verified_by"]

    verification.verify(con, "2.2", "2025", OFFICE, "检查记录", now=NOW)
    assert verified_by() == "王主任"
    add(con, "2.2", "2025年", 1, recorded_at="2026-03-05 09:00:00")  # the same 「是」 again
    assert verified_by() == "王主任"
    add(con, "2.2", "2025年", 0, recorded_at="2026-03-10 09:00:00")
    add(con, "2.2", "2025年", 1, recorded_at="2026-03-20 09:00:00")  # 是 → 否 → 是: not checked any more
    assert not isinstance(verified_by(), str)


# ---------------------------------------------------------------- command line


@pytest.fixture
def db_file(tmp_path):
    path = tmp_path / "cli.duckdb"
    con = bootstrap.connect(path)
    add(con, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")
    add(con, "2.3", "2025年", 0, recorded_at="2026-02-01 09:00:00")
    create_user(con, SYSTEM, "编办李", "reporter", "a-password-1", unit="市委编办")
    con.close()
    return path


def test_cli_exit_codes(db_file, capsys):
    base = ["verify", "--db", str(db_file), "--period", "2025", "--note", "现场检查"]
    assert main([*base, "--metric", "2.2", "--as-user", "编办李"]) == 3
    assert "只有创卫办管理员" in capsys.readouterr().err
    assert main([*base, "--metric", "2.2", "--as-user", "没有这个人"]) == 3
    assert main([*base, "--metric", "2.3"]) == 1
    assert "当前答复为「否」" in capsys.readouterr().err
    assert main([*base, "--metric", "9.9"]) == 2
    assert "未知指标「9.9」" in capsys.readouterr().err
    assert main([*base, "--metric", "2.2"]) == 0
    assert "已核实" in capsys.readouterr().out
    assert main([*base, "--metric", "2.2"]) == 0  # already verified: says so, changes nothing
    con = bootstrap.connect(db_file)
    assert con.execute("SELECT verified_by FROM verification").fetchall() == [("system",)]
    con.close()


# ---------------------------------------------------------------- on the demo campaign


@pytest.fixture
def demo_copy(demo_db, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    con = bootstrap.connect(path)
    yield con
    con.close()


def test_verifying_every_pending_answer_raises_readiness(demo_copy):
    con = demo_copy
    before = evaluate(con, TODAY)
    pending = before.metrics[before.metrics["status"] == "pending"]
    checklist = {m.code for m in CAT.metrics if m.value_type == "yesno"}
    assert len(pending) and set(pending["metric"]) <= checklist
    # items whose only blockers are pending metrics: they become met once those are checked
    blocked = before.metrics[before.metrics["status"] != "met"].assign(
        item=lambda d: d["metric"].map(lambda c: CAT.metric(c).item)
    )
    only_pending = blocked.groupby("item")["status"].agg(lambda s: set(s) == {"pending"})
    expected = int(only_pending.sum())
    assert expected > 0
    for row in pending.itertuples(index=False):
        result = verification.verify(
            con, row.metric, row.period_label, SYSTEM, "现场核实", now=dt.datetime(2026, 11, 28, 9)
        )
        assert result.written
    after = evaluate(con, TODAY)
    assert after.summary["met"] == before.summary["met"] + expected
    assert after.summary["pending"] == 0


def test_an_identical_answer_sent_again_keeps_the_item_met(demo_copy):
    """Needs the engine to match verifications by what was answered (metric/area/period/value), not by row."""
    from tracker.ingest.uploads import upload

    con = demo_copy
    verification.verify(con, "2.2", "2025", SYSTEM, "现场核实", now=dt.datetime(2026, 11, 28, 9))
    item = CAT.metric("2.2").item
    assert evaluate(con, TODAY).items.set_index("item").loc[item, "status"] == "met"
    result = upload(
        con, Actor("编办李", "reporter", "市委编办"), "again.csv", "指标,期间,数值\n2.2,2025年,是\n".encode()
    )
    assert result.outcome == "committed"
    assert evaluate(con, TODAY).items.set_index("item").loc[item, "status"] == "met"


# ---------------------------------------------------------------- the upload preview


def test_preview_warns_when_a_verified_answer_changes(con):
    from tracker.ingest.uploads import upload

    verification.verify(con, "2.2", "2025", Actor("创卫办", "admin"), "检查记录", now=NOW)
    changed = upload(con, REPORTER, "no.csv", "指标,期间,数值\n2.2,2025年,否\n".encode(), dry_run=True)
    assert "原答复「是」已于2026-03-01由创卫办核实；改为「否」后需重新核实" in changed.warned_rows[0].reasons
    same = upload(con, REPORTER, "yes.csv", "指标,期间,数值\n2.2,2025年,是\n".encode(), dry_run=True)
    assert same.warned_rows[0].reasons == ["与已核实的答复「是」相同（2026-03-01由创卫办核实），核实继续有效"]
    # an answer never checked: no word about checks
    plain = upload(con, REPORTER, "y.csv", "指标,期间,数值\n2.2,2024年,是\n".encode(), dry_run=True)
    assert plain.warned_rows == []


# ---------------------------------------------------------------- acceptance follows commits, not page views


def test_an_upload_that_fails_an_accepted_item_withdraws_its_acceptance(con):
    from tracker.ingest.uploads import upload
    from tracker.office import acceptance

    add(con, "12.1", "2023年", 38.5, recorded_at="2024-01-10 09:00:00")
    add(con, "12.2", "2023年", 9.2, recorded_at="2024-01-10 09:00:00")
    add(con, "12.3", "2023年", 1, unit="创卫办", recorded_at="2024-01-10 09:00:00")
    acceptance.accept(con, 12, OFFICE, dt.date(2024, 3, 15), "检查记录")
    upload(
        con,
        Actor("园林张", "reporter", "园林绿化服务中心"),
        "fix.csv",
        "指标,期间,数值\n12.1,2023年,36%\n".encode(),
    )
    row = con.execute("SELECT withdrawn_at IS NOT NULL, withdrawn_reason FROM acceptance").fetchone()
    assert row[0] and "36.0% < 38%" in row[1]
    actor = con.execute("SELECT actor FROM audit_log WHERE action = 'acceptance_withdraw_auto'").fetchone()
    assert actor == ("园林张",)


def test_data_generation_changes_with_a_verification(tmp_path, monkeypatch):
    from app import webapp

    path = tmp_path / "gen.duckdb"
    file_con = bootstrap.connect(path)
    add(file_con, "2.2", "2025年", 1, recorded_at="2026-02-01 09:00:00")
    file_con.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", "a-password-1")
    webapp._connection.clear()
    try:
        first = webapp.data_generation()
        verification.verify(webapp.cursor(), "2.2", "2025", OFFICE, "检查记录", now=NOW)
        second = webapp.data_generation()
        assert second != first
        webapp.cursor().execute(
            "INSERT INTO figure_choice VALUES ('2.2', NULL, DATE '2025-01-01', '卫健委', '王主任', ?, 'x')",
            [NOW],
        )
        assert webapp.data_generation() not in (first, second)
    finally:
        webapp._connection.clear()


# ---------------------------------------------------------------- pages


PW = "a-password-1"


@pytest.fixture
def app_copy(demo_db, tmp_path, monkeypatch):
    """A copy of the demo database with the administrator and a leader, that the app opens."""

    def leader(con):
        create_user(con, SYSTEM, "副市长", "leader", PW)

    with app_on_copy(demo_db, tmp_path / "app.duckdb", monkeypatch, PW, leader) as path:
        yield path


def open_page(actor: Actor, page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state["actor"] = actor
    at.session_state["as_of"] = TODAY
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(page).run()  # straight to the page: the landing page's run would be asserted by nothing
    assert not at.exception, [e.value for e in at.exception]
    return at


def badges(at) -> list[str]:
    return [m.value for m in at.markdown if "2.2 " in m.value]


def test_the_verify_button_shows_for_the_office_on_a_pending_metric_and_makes_it_met(app_copy):
    item = str(CAT.metric("2.2").item)
    leader = open_page(Actor("副市长", "leader"), "pages/item.py", {"item": item})
    assert not [b for b in leader.button if b.key == "verify_2_2"]
    assert any("待核实" in m for m in badges(leader))
    at = open_page(Actor("admin", "admin"), "pages/item.py", {"item": item})
    assert [b for b in at.button if b.key == "verify_2_2"]
    assert not [b for b in at.button if b.key == "verify_2_1"]  # 2.1 is met: nothing to check
    at.text_input(key="verify_note_2_2").input("2026年11月现场检查记录")
    at.button(key="verify_2_2").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已核实" in s.value for s in at.success)
    assert any("达标" in m and "待核实" not in m for m in badges(at))
    assert not [b for b in at.button if b.key == "verify_2_2"]
    # everyone sees who checked the current answer, and when
    leader = open_page(Actor("副市长", "leader"), "pages/item.py", {"item": item})
    assert any("由admin核实" in c.value for c in leader.caption)
    checks = [d.value for d in leader.dataframe if "核实人" in d.value.columns]
    latest = next(c for c in checks if "admin" in set(c["核实人"])).iloc[0]  # 2.2's: the newest check first
    assert (latest["核实人"], latest["报送期"], latest["核实依据"]) == (
        "admin",
        "2025年",
        "2026年11月现场检查记录",
    )
    assert bool(latest["对当前答复有效"])


def test_opening_every_page_as_a_leader_changes_nothing(app_copy):
    """Acceptances are synced after commits, not on page views: a leader opening 逐项验收 withdraws nothing."""
    from app import navigation

    con = bootstrap.connect(app_copy)
    # an acceptance of an item not met today, which no commit has synced yet
    not_met = int(evaluate(con, TODAY).items.query("status == 'not_met'")["item"].iloc[0])
    con.execute(
        """INSERT INTO acceptance (item, accepted_on, accepted_by, evidence, recorded_at)
           VALUES (?, DATE '2023-12-31', '王主任', '检查记录', TIMESTAMP '2024-01-05 10:00:00')""",
        [not_met],
    )
    tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]

    def snapshot() -> dict:
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        log = con.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
        withdrawn = con.execute("SELECT count(*) FROM acceptance WHERE withdrawn_at IS NOT NULL").fetchone()
        return {"counts": counts, "log": log, "withdrawn": withdrawn}

    before = snapshot()
    con.close()
    leader = Actor("副市长", "leader")
    for entry in navigation.PAGES:
        if navigation.allowed(entry, "leader"):
            open_page(leader, entry["path"])
    from app import webapp

    webapp._connection.clear()
    con = bootstrap.connect(app_copy)
    try:
        assert snapshot() == before
    finally:
        con.close()
