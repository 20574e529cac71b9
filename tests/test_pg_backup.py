"""Backup and restore on PostgreSQL (issue 23): `backup` writes a pg_dump -Fc beside the signed manifest, `restore`
goes only into a new, empty database and the audit chain verifies there; a backup of one store is refused by the
other's restore, with a clear Chinese message."""

from __future__ import annotations

import json
import uuid
import zipfile

import psycopg
import pytest

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, pg_empty)
from tests.pg_fixtures import SERVER, url_of
from tracker import backup, bootstrap
from tracker.access import audit
from tracker.access.auth import SYSTEM
from tracker.access.users import create_user
from tracker.cli import main
from tracker.pg import dump
from tracker.pg.replica import libpq_url


@pytest.fixture
def blank(pg_template):
    """A new PostgreSQL database with nothing in it (createdb): where a restore goes."""
    name = f"tracker_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield url_of(name)
    with psycopg.connect(SERVER, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def filled(pg_url):
    """A PostgreSQL tracker with an account and a chain of audit entries."""
    con = bootstrap.connect(pg_url)
    create_user(con, SYSTEM, "城管", "reporter", "a-long-password", unit="城管执法局")
    for i in range(1, 6):
        audit.record(con, "admin", "task_open", f"task:{i}", after={"n": i}, detail=f"第{i}条")
    con.close()
    return pg_url


def _rows(url: str) -> dict:
    with psycopg.connect(libpq_url(url), autocommit=True) as con:
        return {
            t: con.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in ("audit_log", "app_user")
        }


def test_round_trip_keeps_rows_sequences_and_the_chain(filled, blank, tmp_path, capsys):
    out = tmp_path / "b"
    assert main(["backup", "--out", str(out), "--db", filled]) == 0
    assert "已备份到" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == backup.PG_FORMAT
    assert set(manifest["files"]) == {dump.DUMP}
    assert manifest["tables"]["audit_log"] == 7  # the account, five entries, and the backup's own
    before = _rows(libpq_url(filled))

    assert main(["restore", str(out), "--db", blank]) == 0
    said = capsys.readouterr().out
    assert "已恢复到" in said and "7 条审计日志" in said and "完整" in said
    assert _rows(libpq_url(blank)) == before

    con = bootstrap.connect(blank)
    try:
        last = con.execute("SELECT max(id) FROM audit_log").fetchone()[0]
        audit.record(con, "admin", "task_open", "task:6")  # a new write chains on past the restored ids
        assert con.execute("SELECT max(id) FROM audit_log").fetchone()[0] == last + 1
        users = con.execute("SELECT max(id) FROM app_user").fetchone()[0]
        create_user(con, SYSTEM, "环保", "reporter", "another-long-password", unit="生态环境局")
        assert con.execute("SELECT max(id) FROM app_user").fetchone()[0] == users + 1
        assert audit.verify(con).ok
    finally:
        con.close()
    assert main(["audit", "verify", "--db", blank]) == 0


def test_restore_never_goes_over_a_database_with_tables(filled, pg_empty, tmp_path, capsys):
    out = tmp_path / "b"
    backup.backup(bootstrap.connect(filled), out)
    before = _rows(libpq_url(pg_empty))
    assert main(["restore", str(out), "--db", pg_empty]) == 6
    assert "不覆盖已有数据库" in capsys.readouterr().err
    assert _rows(libpq_url(pg_empty)) == before


def test_a_backup_of_one_store_is_refused_by_the_other(filled, blank, tmp_path, capsys):
    duck = tmp_path / "t.duckdb"
    con = bootstrap.connect(duck)
    audit.record(con, "admin", "task_open", "task:1")
    backup.backup(con, tmp_path / "duck")
    con.close()
    assert main(["restore", str(tmp_path / "duck"), "--db", blank]) == 6
    assert "DuckDB 数据库文件的备份，不能恢复到 PostgreSQL" in capsys.readouterr().err

    con = bootstrap.connect(filled)
    backup.backup(con, tmp_path / "pg")
    con.close()
    assert main(["restore", str(tmp_path / "pg"), "--db", str(tmp_path / "new.duckdb")]) == 6
    assert "PostgreSQL 数据库的备份" in capsys.readouterr().err
    assert not (tmp_path / "new.duckdb").exists()


def test_an_edited_dump_is_refused_before_pg_restore(filled, blank, tmp_path, capsys):
    out = tmp_path / "b"
    con = bootstrap.connect(filled)
    backup.backup(con, out)
    con.close()
    with open(out / dump.DUMP, "ab") as f:
        f.write(b"\0")
    assert main(["restore", str(out), "--db", blank]) == 6
    assert "不予恢复" in capsys.readouterr().err
    with psycopg.connect(libpq_url(blank), autocommit=True) as raw:
        assert dump.tables(raw) == []


def test_a_dump_holding_a_function_is_refused(filled, tmp_path):
    with psycopg.connect(libpq_url(filled), autocommit=True) as raw:
        raw.execute("CREATE FUNCTION pwned() RETURNS int LANGUAGE sql AS 'SELECT 1'")
        version = dump.major(raw)
    con = bootstrap.connect(filled)
    backup.backup(con, tmp_path / "b")
    con.close()
    with pytest.raises(dump.DumpError, match="本系统不会写入的对象"):
        dump.check_entries(tmp_path / "b" / dump.DUMP, version)


def test_missing_pg_dump_and_an_unreachable_server_are_said(filled, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(dump, "BIN", str(tmp_path / "nowhere"))
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert main(["backup", "--out", str(tmp_path / "b"), "--db", filled]) == 2
    assert "找不到 pg_dump" in capsys.readouterr().err
    monkeypatch.undo()

    con = bootstrap.connect(filled)
    backup.backup(con, tmp_path / "c")
    con.close()
    gone = "postgresql://127.0.0.1:1/nothing"
    assert main(["restore", str(tmp_path / "c"), "--db", gone]) == 2
    assert "无法连接 PostgreSQL 数据库" in capsys.readouterr().err


def test_the_password_never_goes_on_the_command_line():
    dbname, env = dump._target("postgresql://tracker:s3cret@db.example:5433/tracker")
    assert "s3cret" not in dbname and "port=5433" in dbname and "dbname=tracker" in dbname
    assert env["PGPASSWORD"] == "s3cret"


def test_the_apps_backup_zip_restores_on_postgresql(filled, blank, tmp_path):
    con = bootstrap.connect(filled)
    try:
        archive = backup.backup_zip_file(con, "admin")
    finally:
        con.close()
    try:
        with zipfile.ZipFile(archive) as z:
            z.extractall(tmp_path / "unzipped")
    finally:
        archive.unlink()
    done = backup.restore(tmp_path / "unzipped", blank)
    assert done.audit.ok and done.counts["audit_log"] == 7
