"""Demo data never mixes with real data (issue 12): the demo lives in its own file, is refused where real
submissions exist, is cleared alone (audited), and is flagged in every JSON the office hands on."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from tracker import bootstrap
from tracker.cli import main
from tracker.config import ROOT
from tracker.demo import DemoRefused, load_demo

TODAY = dt.date(2026, 11, 28)
REAL_CSV = "单位,指标,期间,数值\n城管执法局,10.3,2023年,81%\n".encode("utf-8-sig")


def _real_db(tmp_path):
    path = tmp_path / "real.duckdb"
    src = tmp_path / "城管.csv"
    src.write_bytes(REAL_CSV)
    assert main(["import", str(src), "--db", str(path)]) == 0
    return path


def _count(path, sql: str) -> int:
    con = bootstrap.connect(path)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_demo_refused_into_a_database_with_real_submissions(tmp_path, capsys):
    path = _real_db(tmp_path)
    con = bootstrap.connect(path)
    with pytest.raises(DemoRefused):
        load_demo(con, today=TODAY)
    con.close()
    capsys.readouterr()
    assert main(["demo", "--db", str(path)]) == 6
    assert "真实报送" in capsys.readouterr().err
    assert _count(path, "SELECT count(*) FROM submission WHERE is_demo") == 0


def test_demo_replace_never_deletes_real_submissions(tmp_path, capsys):
    path = _real_db(tmp_path)
    capsys.readouterr()
    assert main(["demo", "--replace", "--db", str(path)]) == 6
    assert _count(path, "SELECT count(*) FROM measurement") == 1
    assert _count(path, "SELECT count(*) FROM submission WHERE NOT is_demo") == 1


def test_demo_clear_removes_only_demo_rows_and_is_audited(demo_pristine, tmp_path, capsys):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_pristine, path)  # the demo as loaded on TODAY
    con = bootstrap.connect(path)
    # a trial upload in the demo file stays: clearing the demo removes what the demo wrote, nothing else
    con.execute(
        "INSERT INTO submission (submitted_at, submitted_by, file_name, sha256, outcome) "
        "VALUES (now(), 'u', 'x.csv', 'abc', 'committed')"
    )
    con.close()
    capsys.readouterr()
    assert main(["demo", "--clear", "--db", str(path)]) == 0
    assert "已删除演示数据" in capsys.readouterr().out
    assert _count(path, "SELECT count(*) FROM submission WHERE is_demo") == 0
    assert _count(path, "SELECT count(*) FROM submission") == 1
    assert _count(path, "SELECT count(*) FROM measurement") == 0
    assert _count(path, "SELECT count(*) FROM verification") == 0
    assert _count(path, "SELECT count(*) FROM audit_log WHERE action = 'demo_clear'") == 1


def test_cli_demo_defaults_to_its_own_file(tmp_path, monkeypatch):
    from tracker import config

    monkeypatch.delenv("TRACKER_DB", raising=False)
    monkeypatch.setattr(config, "DEMO_DB", tmp_path / "demo.duckdb")
    monkeypatch.setattr(config, "DEFAULT_DB", tmp_path / "tracker.duckdb")
    assert main(["demo"]) == 0
    assert (tmp_path / "demo.duckdb").exists() and not (tmp_path / "tracker.duckdb").exists()


def test_demo_refused_into_the_real_default_file(tmp_path, monkeypatch, capsys):
    from tracker import config

    monkeypatch.setattr(config, "DEFAULT_DB", tmp_path / "tracker.duckdb")
    assert main(["demo", "--db", str(tmp_path / "tracker.duckdb")]) == 6
    assert "正式数据库" in capsys.readouterr().err


def test_demo_flag_in_evaluate_submissions_and_national_form(tmp_path, demo_db, capsys):
    path = _real_db(tmp_path)
    for db_file, flag in ((demo_db, True), (path, False)):
        capsys.readouterr()
        assert main(["evaluate", "--as-of", "2026-11-28", "--json", "--db", str(db_file)]) == 0
        assert json.loads(capsys.readouterr().out)["demo"] is flag
        assert main(["submissions", "--json", "--db", str(db_file)]) == 0
        records = json.loads(capsys.readouterr().out)
        assert records and all(r["is_demo"] is flag for r in records)
        out = tmp_path / f"form-{flag}.json"
        assert main(["national-form", "--year", "2025", "--out", str(out), "--db", str(db_file)]) == 0
        payload = json.loads(out.read_text(encoding="utf-8"))
        assert payload.get("_demo", False) is flag


def _app(path, monkeypatch, demo: bool):
    from streamlit.testing.v1 import AppTest

    from app import webapp

    monkeypatch.setenv("TRACKER_DB", str(path))
    if demo:
        monkeypatch.setenv("TRACKER_DEMO", "1")
    else:
        monkeypatch.delenv("TRACKER_DEMO", raising=False)
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", "office-secret-1")
    webapp._connection.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    webapp._connection.clear()  # closes nothing, but the next test opens its own file
    return at


def test_app_never_fills_a_real_database_with_the_demo(tmp_path, monkeypatch):
    path = tmp_path / "tracker.duckdb"
    at = _app(path, monkeypatch, demo=False)
    assert not at.exception
    assert _count(path, "SELECT count(*) FROM measurement") == 0


def test_app_in_demo_mode_loads_the_demo_and_says_so(tmp_path, monkeypatch):
    from tracker.strings import DEMO_BANNER

    path = tmp_path / "demo.duckdb"
    at = _app(path, monkeypatch, demo=True)
    assert not at.exception
    assert any(DEMO_BANNER in i.value for i in at.info)


def test_make_run_uses_the_demo_file():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "TRACKER_DB=data/demo.duckdb" in run and "TRACKER_DEMO=1" in run
