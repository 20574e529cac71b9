"""The audit log as a hash chain (issue 12): a plain DELETE or UPDATE in the file is found, and said where."""

from __future__ import annotations

import threading

import duckdb
import pytest

from tracker import bootstrap, migrations
from tracker.access import audit
from tracker.cli import main


@pytest.fixture
def logged(tmp_path):
    path = tmp_path / "audit.duckdb"
    con = bootstrap.connect(path)
    for i in range(1, 6):
        audit.record(con, "admin", "task_open", f"task:{i}", after={"n": i}, detail=f"第{i}条")
    con.close()
    return path


def _ids(path) -> list[int]:
    con = bootstrap.connect(path)
    try:
        return [r[0] for r in con.execute("SELECT id FROM audit_log ORDER BY id").fetchall()]
    finally:
        con.close()


def test_a_whole_chain_verifies(logged, capsys):
    con = bootstrap.connect(logged)
    check = audit.verify(con)
    con.close()
    assert check.ok and check.entries == 5
    assert main(["audit", "verify", "--db", str(logged)]) == 0
    assert "完整" in capsys.readouterr().out


def test_a_row_deleted_in_the_file_is_named(logged, capsys):
    ids = _ids(logged)
    raw = duckdb.connect(str(logged))  # the file itself, past the tracker
    raw.execute("DELETE FROM audit_log WHERE id = ?", [ids[2]])
    raw.close()
    con = bootstrap.connect(logged)
    check = audit.verify(con)
    con.close()
    assert not check.ok and check.broken_at == ids[3]
    assert f"第 {ids[1]} 条之后、第 {ids[3]} 条之前的记录被删除或改动" in check.message
    assert main(["audit", "verify", "--db", str(logged)]) == 6
    assert f"第 {ids[3]} 条" in capsys.readouterr().err


def test_a_changed_row_is_named(logged):
    ids = _ids(logged)
    raw = duckdb.connect(str(logged))
    raw.execute("UPDATE audit_log SET actor = 'someone' WHERE id = ?", [ids[1]])
    raw.close()
    con = bootstrap.connect(logged)
    check = audit.verify(con)
    assert not check.ok and check.broken_at == ids[1] and "内容被改动" in check.message


def test_rows_cut_from_the_end_and_a_plain_delete_all(logged):
    raw = duckdb.connect(str(logged))
    raw.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    raw.close()
    con = bootstrap.connect(logged)
    assert "末尾" in audit.verify(con).message
    con.execute("DELETE FROM audit_log")
    assert not audit.verify(con).ok


def test_bulk_appends_are_chained(tmp_path):
    con = bootstrap.connect(tmp_path / "bulk.duckdb")
    audit.record(con, "a", "login")
    n = audit.append_select(
        con,
        "INSERT INTO audit_log (happened_at, actor, action, target) "
        "SELECT now()::TIMESTAMP, 'a', 'value_replaced', 'm' || i FROM range(3) t(i)",
    )
    audit.record(con, "a", "logout")
    assert n == 3 and audit.verify(con).ok and audit.verify(con).entries == 5


def test_concurrent_appends_keep_one_chain(tmp_path):
    con = bootstrap.connect(tmp_path / "threads.duckdb")

    def work(k: int) -> None:
        cur = con.cursor()
        for i in range(20):
            audit.record(cur, f"u{k}", "login", detail=str(i))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check = audit.verify(con)
    assert check.ok and check.entries == 80, check.message


def test_entries_written_before_the_chain_are_sealed_by_the_migration(tmp_path):
    path = tmp_path / "old.duckdb"
    raw = duckdb.connect(str(path))
    raw.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, sql in migrations.MIGRATIONS:
        if version < 5:
            raw.execute(sql)
            raw.execute("INSERT INTO schema_version VALUES (?)", [version])
    raw.execute(
        "INSERT INTO audit_log (happened_at, actor, action) VALUES (now()::TIMESTAMP, 'old', 'login'), "
        "(now()::TIMESTAMP, 'old', 'logout')"
    )
    raw.close()
    con = bootstrap.connect(path)
    audit.record(con, "new", "login")
    check = audit.verify(con)
    assert check.ok and check.entries == 3


def test_the_audit_page_says_whether_the_chain_is_whole_and_offers_a_backup(tmp_path, monkeypatch):
    """The 审计日志 page as the office's administrator sees it."""

    from streamlit.testing.v1 import AppTest

    from app import webapp
    from tracker.access.auth import Actor
    from tracker.config import ROOT

    path = tmp_path / "page.duckdb"
    con = bootstrap.connect(path)
    for i in range(3):
        audit.record(con, "admin", "login", "admin", detail=str(i))
    con.close()
    monkeypatch.setenv("TRACKER_DB", str(path))
    # The first administrator with a chosen password: a one-time one would confine the session to changing it.
    monkeypatch.setenv("TRACKER_ADMIN_PASSWORD", "office-secret-1")
    webapp._connection.clear()

    def page():
        at = AppTest.from_file(str(ROOT / "pages" / "audit.py"), default_timeout=60)
        at.session_state["actor"] = Actor("admin", "admin")
        return at.run()

    at = page()
    assert not at.exception
    assert "哈希链完整：4 条" in at.success[0].value  # three logins and the first administrator
    # The backup is made on the download's click (never kept in the session); no route is mounted under AppTest.
    labels = [b.proto.label for b in at.get("download_button")]
    assert "下载备份（zip）" in labels
    webapp._connection.clear()
    ids = _ids(path)
    raw = duckdb.connect(str(path))
    raw.execute("DELETE FROM audit_log WHERE id = ?", [ids[1]])
    raw.close()
    at = page()
    assert "哈希链断开" in at.error[0].value and f"第 {ids[2]} 条" in at.error[0].value
    webapp._connection.clear()
