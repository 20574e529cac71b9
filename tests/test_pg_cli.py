"""The command line on both stores (issue 23, step 3): `user add`, `user list`, `audit verify` with `--db` a
DuckDB file or a PostgreSQL URL; on PostgreSQL beside a connection that stays open (the running app's), in a
process of its own."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.pg_fixtures import allow_connections
from tracker import bootstrap
from tracker.access.users import list_users
from tracker.cli import main
from tracker.config import ROOT


def run(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_accounts_from_the_command_line(store, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-password\n"))
    add = ["user", "add", "--name", "城管", "--role", "reporter", "--unit", "城管执法局", "--password-stdin"]
    code, out = run(capsys, *add, "--db", store)
    assert code == 0 and "已创建账号「城管」" in out
    code, out = run(capsys, "user", "list", "--json", "--db", store)
    assert code == 0 and [(u["name"], u["unit"]) for u in json.loads(out)] == [("城管", "城管执法局")]
    code, out = run(capsys, "audit", "verify", "--db", store)
    assert code == 0 and "审计日志完整：1 条记录" in out


def test_user_add_beside_the_running_app(pg_url):
    app = bootstrap.connect(pg_url)  # the app's connection, open throughout
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tracker", "user", "add", "--name", "领导甲", "--role", "leader"]
            + ["--password-stdin", "--db", pg_url],
            cwd=ROOT,
            input="a-long-password\n",
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        app.store.replica.poll(force=True)  # what the app's next read does once the write is announced
        assert list(list_users(app)["name"]) == ["领导甲"]
    finally:
        app.close()


def test_an_unreachable_database_is_said_in_chinese(capsys):
    code = main(["user", "list", "--db", "postgresql://someone:secret@127.0.0.1:1/nothing"])
    err = capsys.readouterr().err
    assert code != 0 and "无法连接 PostgreSQL 数据库" in err and "secret" not in err


def test_postgresql_lost_during_a_command_is_said_in_chinese(pg_url, capsys, monkeypatch):
    """The server goes away after the command opened the database (a restart): exit 4 and a line that says to try
    again — not an internal error's id — and nothing was written."""
    from tracker.cli import users as cli_users

    real_create = cli_users.create_user

    def create_while_the_server_goes_away(*args, **kwargs):
        allow_connections(pg_url, False)
        return real_create(*args, **kwargs)

    monkeypatch.setattr(cli_users, "create_user", create_while_the_server_goes_away)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-password\n"))
    try:
        code = main(["user", "add", "--name", "甲", "--role", "leader", "--password-stdin", "--db", pg_url])
    finally:
        allow_connections(pg_url, True)
    err = capsys.readouterr().err
    assert code == 4 and "暂时无法连接数据库" in err and "错误编号" not in err, err
    code, out = run(capsys, "user", "list", "--json", "--db", pg_url)
    assert code == 0 and json.loads(out) == []
