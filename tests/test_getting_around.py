"""Getting around (issue 24, finding 11), through AppTest: the demo's sign-in page names the demo's accounts for
the three roles, and a real database's never; clearing the demo takes its accounts (their passwords are public);
the findings grid puts the columns a phone must show first."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_demo_separation import _real_db
from tracker import bootstrap
from tracker.access.users import authenticate
from tracker.config import ROOT
from tracker.demo import ACCOUNTS, clear_demo, ensure_accounts


def _login_page(path, monkeypatch, demo: bool) -> AppTest:
    from app import webapp

    monkeypatch.setenv("TRACKER_DB", str(path))
    if demo:
        monkeypatch.setenv("TRACKER_DEMO", "1")
    else:
        monkeypatch.delenv("TRACKER_DEMO", raising=False)
    webapp._connection.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    webapp._connection.clear()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _shown(at) -> str:
    return "\n".join(str(e.value) for e in (*at.markdown, *at.caption, *at.info, *at.code, *at.table))


def test_the_demo_sign_in_names_an_account_per_role(demo_db, tmp_path, monkeypatch):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    at = _login_page(path, monkeypatch, demo=True)
    shown = _shown(at)
    assert {a.role for a in ACCOUNTS} == {"admin", "reporter", "leader"}
    for account in ACCOUNTS:
        assert account.name in shown and account.password in shown
    con = bootstrap.connect(path)
    try:  # each account signs in with the password shown
        for account in ACCOUNTS:
            actor, must_change = authenticate(con, account.name, account.password)
            assert (actor.role, actor.unit, must_change) == (account.role, account.unit, False)
    finally:
        con.close()


def test_a_real_database_never_names_them(tmp_path, monkeypatch):
    for path, demo in ((tmp_path / "empty.duckdb", False), (_real_db(tmp_path), True)):
        at = _login_page(path, monkeypatch, demo=demo)
        shown = _shown(at)
        assert not any(a.name in shown or a.password in shown for a in ACCOUNTS)
        con = bootstrap.connect(path)
        try:
            names = {n for (n,) in con.execute("SELECT name FROM app_user").fetchall()}
        finally:
            con.close()
        assert not names & {a.name for a in ACCOUNTS}  # nor are the accounts made there


def test_clearing_the_demo_takes_its_accounts(demo_db, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    con = bootstrap.connect(path)
    try:
        ensure_accounts(con)
        ensure_accounts(con)  # once only
        count = "SELECT count(*) FROM app_user WHERE name IN (SELECT unnest(?))"
        names = [a.name for a in ACCOUNTS]
        assert con.execute(count, [names]).fetchone()[0] == len(ACCOUNTS)
        clear_demo(con)
        assert con.execute(count, [names]).fetchone()[0] == 0
        ensure_accounts(con)  # no demo left: no demo accounts either
        assert con.execute(count, [names]).fetchone()[0] == 0
    finally:
        con.close()


@pytest.mark.usefixtures("app_env")
def test_the_findings_grid_shows_the_key_columns_first():
    from tests.test_pages import run

    at = run("pages/inspections.py")
    grid = next(d.value for d in at.dataframe if "问题描述" in d.value.columns)
    assert list(grid.columns)[:5] == ["编号", "状态", "问题描述", "责任单位", "整改期限"]
