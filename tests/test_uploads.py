"""Uploads through the permission layer: who may send for whom, and what the audit log keeps."""

from __future__ import annotations

import json

import pytest

from tracker import bootstrap
from tracker.access.auth import Actor, PermissionDenied
from tracker.ingest.uploads import upload


def CSV(value: float) -> bytes:  # noqa: N802 - reads like the constant it stands for
    return f"指标,期间,数值\n10.3,2023年,{value}%\n".encode()


@pytest.fixture
def con(tmp_path):
    connection = bootstrap.connect(tmp_path / "up.duckdb")
    yield connection
    connection.close()


def count(con, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def test_reporter_uploads_for_its_own_unit(con):
    reporter = Actor("城管张", "reporter", "城管执法局")
    result = upload(con, reporter, "a.csv", CSV(value=85))
    assert (result.outcome, result.accepted, result.unit) == ("committed", 1, "城管执法局")
    row = con.execute("SELECT actor, action, target FROM audit_log WHERE action = 'upload'").fetchone()
    assert row == ("城管张", "upload", "a.csv")


def test_reporter_cannot_upload_for_another_unit_and_the_refusal_is_audited(con):
    reporter = Actor("卫健王", "reporter", "卫健委")
    with pytest.raises(PermissionDenied, match="只能为「卫健委」操作，不能为「城管执法局」操作"):
        upload(con, reporter, "b.csv", CSV(value=85), unit="市城市管理综合行政执法局")
    assert count(con, "SELECT count(*) FROM measurement") == 0
    assert count(con, "SELECT count(*) FROM submission") == 0
    detail = con.execute("SELECT detail FROM audit_log WHERE action = 'upload_refused'").fetchone()[0]
    assert "不能为「城管执法局」操作" in detail


def test_reporter_rows_for_another_unit_are_refused(con):
    reporter = Actor("卫健王", "reporter", "卫健委")
    data = "单位,指标,期间,数值\n城管执法局,10.3,2023年,85%\n卫健委,9.1,2023年,18%\n".encode()
    result = upload(con, reporter, "c.csv", data)
    assert (result.accepted, result.refused) == (1, 1)
    assert "本文件以「卫健委」名义报送" in result.refused_rows[0].reasons[0]


def test_leader_cannot_upload(con):
    with pytest.raises(PermissionDenied, match="领导账号只能查看"):
        upload(con, Actor("市长", "leader"), "d.csv", CSV(value=85), unit="城管执法局")


def test_replaced_values_are_audited_with_before_and_after(con):
    office = Actor("admin", "admin")
    upload(con, office, "first.csv", CSV(value=76), unit="城管执法局")
    second = upload(con, office, "second.csv", CSV(value=81), unit="城管执法局")
    before, after, detail = con.execute(
        "SELECT before_json, after_json, detail FROM audit_log WHERE action = 'value_replaced'"
    ).fetchone()
    assert json.loads(before)["value"] == 76.0 and json.loads(after) == {
        "value": 81.0,
        "unit": "城管执法局",
        "submission": second.submission,
    }
    assert detail == "第2行"


def test_dry_run_writes_nothing(con):
    result = upload(con, Actor("admin", "admin"), "e.csv", CSV(value=85), unit="城管执法局", dry_run=True)
    assert result.accepted == 1
    assert count(con, "SELECT count(*) FROM measurement") == 0
    assert count(con, "SELECT count(*) FROM audit_log") == 0


def test_cli_import_as_a_reporter_for_another_unit_is_refused_and_audited(tmp_path, capsys):
    from tracker.access.auth import SYSTEM
    from tracker.access.users import create_user
    from tracker.cli import main

    path = tmp_path / "cli.duckdb"
    con = bootstrap.connect(path)
    create_user(con, SYSTEM, "卫健王", "reporter", "password-123", unit="卫健委")
    con.close()
    csv = tmp_path / "b.csv"
    csv.write_bytes(CSV(value=85))
    code = main(["import", str(csv), "--unit", "城管执法局", "--as-user", "卫健王", "--db", str(path)])
    assert code == 3 and "不能为「城管执法局」操作" in capsys.readouterr().err
    code = main(["import", str(csv), "--as-user", "卫健王", "--json", "--db", str(path)])
    result = json.loads(capsys.readouterr().out)
    assert code == 1 and (result["accepted"], result["refused"]) == (0, 1)  # 10.3 is not 卫健委's item
    con = bootstrap.connect(path)
    actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
    con.close()
    assert actions == ["user_add", "upload_refused", "upload"]


# ---------------------------------------------------------------- issue 11: the audit is part of the commit


def test_the_upload_and_its_audit_land_together_or_not_at_all(con, monkeypatch):
    from tracker.access import audit

    office = Actor("admin", "admin")
    upload(con, office, "first.csv", CSV(value=76), unit="城管执法局")

    def broken(*args, **kwargs):  # the process dies while the audit entry is written
        raise RuntimeError("killed")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError, match="killed"):
        upload(con, office, "second.csv", CSV(value=81), unit="城管执法局")
    monkeypatch.undo()
    # Neither the second file's value nor any audit of it: the first upload alone is there.
    assert [r[0] for r in con.execute("SELECT value FROM measurement").fetchall()] == [76.0]
    assert count(con, "SELECT count(*) FROM audit_log WHERE action = 'value_replaced'") == 0
    assert count(con, "SELECT count(*) FROM audit_log WHERE action = 'upload'") == 1


def test_a_failed_commit_is_audited_as_failed_with_no_replaced_values(con, monkeypatch):
    from tracker.ingest import commit

    office = Actor("admin", "admin")
    upload(con, office, "first.csv", CSV(value=76), unit="城管执法局")
    monkeypatch.setattr(commit, "_before_commit", lambda c: 1 / 0)
    result = upload(con, office, "second.csv", CSV(value=81), unit="城管执法局")
    assert result.outcome == "failed"
    assert count(con, "SELECT count(*) FROM measurement") == 1
    assert count(con, "SELECT count(*) FROM audit_log WHERE action = 'value_replaced'") == 0
    outcomes = [
        json.loads(r[0])["outcome"]
        for r in con.execute(
            "SELECT after_json FROM audit_log WHERE action = 'upload' ORDER BY id"
        ).fetchall()
    ]
    assert outcomes == ["committed", "failed"]
