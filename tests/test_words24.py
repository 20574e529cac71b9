"""Developer words out of the clerk's way (issue 24, finding 5): the national form's office settings filled in the
app (audited, read by the form), the audit log in words, the account commands in words."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tracker import bootstrap
from tracker.access import audit, audit_text
from tracker.access.auth import SYSTEM, Actor, PermissionDenied
from tracker.access.users import create_user
from tracker.reports import national_form
from tracker.strings import ui

LEADER = Actor("领导甲", "leader")


def seed(con) -> None:
    """A leader's account (tests/test_pg_national_settings.py seeds PostgreSQL with it too)."""
    create_user(con, SYSTEM, "领导甲", "leader", "leader-password-1")


@pytest.fixture
def con():
    con = bootstrap.connect(":memory:")
    seed(con)
    yield con
    con.close()


def _log(con):
    return audit.entries(con, since=dt.date(2000, 1, 1), until=dt.date(2100, 1, 1))


def test_the_office_fills_a_setting_in_the_app_and_the_form_reads_it(con):
    before = national_form.fill(con, 2023, "city")
    assert "countycount" in {m["key"] for m in before.missing}
    assert all(".yaml" not in m["why"] for m in before.missing)
    national_form.set_setting(con, SYSTEM, "countycount", " 3 ")
    after = national_form.fill(con, 2023, "city")
    assert after.payload["countycount"] == "3"
    assert "countycount" not in {m["key"] for m in after.missing}
    entry = _log(con).iloc[0]
    assert entry["action"] == "national_setting" and json.loads(entry["after_json"]) == {"value": "3"}
    national_form.set_setting(con, SYSTEM, "countycount", "3")  # unchanged: nothing written
    assert len(_log(con)[lambda d: d["action"] == "national_setting"]) == 1


def test_a_setting_is_checked_and_only_the_office_fills_it(con):
    with pytest.raises(national_form.SettingError, match="9 位数字"):
        national_form.set_setting(con, SYSTEM, "regionname", "15078")
    with pytest.raises(national_form.SettingError, match="整数"):
        national_form.set_setting(con, SYSTEM, "countycount", "三个")
    with pytest.raises(PermissionDenied):
        national_form.set_setting(con, LEADER, "countycount", "3")
    assert national_form.settings(con)["countycount"] is None


def test_the_audit_log_reads_in_words(con):
    national_form.set_setting(con, SYSTEM, "countycount", "2")
    audit.record(
        con,
        "admin",
        "finding_answer",
        "finding:16",
        {"status": "open", "id": 16},
        {"status": "answered", "id": 16},
    )
    shown = audit_text.readable(_log(con))
    text = shown.to_csv(index=False)
    assert "问题 16" in text and "状态：待整改 → 已答复" in text
    assert "国家表字段 国家卫生县（乡镇）数量" in text and "数值：— → 2" in text
    assert "finding:16" not in text and '{"' not in text and "_json" not in text
    assert list(shown.columns) == [ui.t(f"audit_col.{c}") for c in
                                   ("id", "happened_at", "actor", "action", "target", "changes", "detail")]  # fmt: skip


def test_a_findings_words_read_in_english_in_the_english_audit_log(con, monkeypatch):
    """A finding's record holds its severity, its round's kind and its site's type as the Chinese words the office
    types: on the English screen they read in English (a browser test found 「Severity：一般」 on /audit)."""
    audit.record(con, "admin", "finding_add", "finding:3", None,
                 {"severity": "一般", "check_code": "干净整洁", "kind": "暗访", "type": "农贸市场"})  # fmt: skip
    monkeypatch.setattr(ui, "_language_source", lambda: "en")
    text = audit_text.readable(_log(con)).to_csv(index=False)
    assert (
        "Severity：Minor" in text
        and "Kind：Unannounced visit" in text
        and "Site type：Farmers' market" in text
    )
    assert "Check：干净整洁" in text  # the city's own check, named in indicators/site_types.yaml only
    monkeypatch.setattr(ui, "_language_source", lambda: "zh")
    assert "严重程度：一般" in audit_text.readable(_log(con)).to_csv(index=False)


def test_user_commands_answer_in_words(tmp_path, capsys):
    from tracker.cli import main

    db = str(tmp_path / "t.duckdb")
    with_stdin = __import__("io").StringIO("reporter-password-9\n")
    import sys

    old, sys.stdin = sys.stdin, with_stdin
    try:
        assert main(["user", "add", "--name", "城管张", "--role", "reporter", "--unit", "城管执法局",
                     "--password-stdin", "--db", db]) == 0  # fmt: skip
    finally:
        sys.stdin = old
    out = capsys.readouterr().out
    assert "单位上报员" in out and "reporter" not in out
    assert main(["user", "list", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "城管张" in out and "单位上报员" in out
    assert not any(word in out for word in ("NaN", "NaT", "None", "reporter", "must_change", "False"))
