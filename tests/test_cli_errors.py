"""The command line beside the app (issues 12, 23): every expected failure is one Chinese line and a documented
exit code, never a traceback; while the app holds the file every command runs through it (its route,
app/cli_route.py), and an app without that route is named with what to do; read-only commands open the file
read-only; terminal escapes are shown, not obeyed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import duckdb
import pytest

from tracker import bootstrap
from tracker.cli import main
from tracker.cli.errors import EXIT_CODES
from tracker.config import ROOT

CSV = "单位,指标,期间,数值\n城管执法局,10.3,{year}年,81%\n"
# Another process holding the file. "route": the app's own command route on a loopback port (the real
# app/cli_route.py and tracker/cli/remote.py, served by uvicorn as Streamlit serves it), with the secret file
# beside the database; "none": no route (an older app, `streamlit run dashboard.py`).
HOLDER = textwrap.dedent(
    """
    import socket, sys, threading, time
    from tracker import bootstrap
    con = bootstrap.connect(sys.argv[1])
    if sys.argv[2] == "route":
        import uvicorn
        from starlette.applications import Starlette
        from streamlit import config
        from app import cli_route
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        config.set_option("server.port", port)
        server = uvicorn.Server(uvicorn.Config(Starlette(routes=cli_route.routes("")), host="127.0.0.1",
                                               port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        cli_route.serve(con, sys.argv[1])
    print("ready", flush=True)
    time.sleep(3600)  # killed by its test or fixture; a module's tests may outlast a short sleep on a busy machine
    """
)


def _hold(path, route: bool, name: str = "streamlit"):
    """Another process holding the file; `name` in its command line makes it look like the app."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), "route" if route else "none", name],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _copy_of_demo(demo_db, path):
    import shutil

    shutil.copyfile(demo_db, path)
    wal = demo_db.with_name(
        demo_db.name + ".wal"
    )  # what another test's connection committed but not checkpointed
    if wal.exists():
        shutil.copyfile(wal, path.with_name(path.name + ".wal"))
    return path


@pytest.fixture
def held(tmp_path, demo_db):
    """A copy of the demo database held by an app with its command route."""
    path = _copy_of_demo(demo_db, tmp_path / "held.duckdb")
    proc = _hold(path, route=True)
    yield path
    proc.kill()
    proc.wait()


@pytest.fixture(scope="module")
def held_for_reading(tmp_path_factory, demo_db):
    """A copy of the demo database held by an app with its command route, shared by the module's tests that
    only read through it (a holder costs a fresh interpreter's start)."""
    path = _copy_of_demo(demo_db, tmp_path_factory.mktemp("held") / "held.duckdb")
    proc = _hold(path, route=True)
    yield path
    proc.kill()
    proc.wait()


@pytest.fixture(scope="module")
def held_without_route(tmp_path_factory, demo_db):
    """A copy of the demo database held by an app that takes no command (it refuses every command, so the
    module's tests share it)."""
    path = _copy_of_demo(demo_db, tmp_path_factory.mktemp("old") / "old.duckdb")
    proc = _hold(path, route=False)
    yield path
    proc.kill()
    proc.wait()


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text and "Error" not in text and "Exception" not in text


@pytest.mark.parametrize(
    "argv",
    [
        ["evaluate", "--as-of", "2026-11-28", "--json"],
        ["submissions", "--json"],
        ["late", "--as-of", "2026-11-28", "--json"],
        ["tasks", "--as-of", "2026-11-28", "--json"],
        ["user", "list", "--json"],
    ],
)
def test_read_only_commands_work_while_the_app_holds_the_file(held_for_reading, demo_db, capsys, argv):
    assert main([*argv, "--db", str(held_for_reading)]) == 0
    out, err = capsys.readouterr()
    assert "经由正在运行的应用（PID" in err
    assert main([*argv, "--db", str(demo_db)]) == 0
    assert json.loads(out) == json.loads(capsys.readouterr().out)


def test_report_and_national_form_while_the_app_holds_the_file(held, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the relative --out names a file here, not in the app's directory
    assert main(["report", "--as-of", "2025-12-31", "--no-charts", "--out", "a.docx", "--db", str(held)]) == 0
    assert (tmp_path / "a.docx").stat().st_size > 0
    assert (
        main(["national-form", "--year", "2025", "--out", str(tmp_path / "f.json"), "--db", str(held)]) == 0
    )
    assert json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))["_demo"] is True


def test_writing_commands_run_in_the_app_that_holds_the_file(held, tmp_path, capsys, monkeypatch):
    """Changed on purpose (issue 23): these exited 4 while the app held the file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.csv").write_text(CSV.format(year=2023), encoding="utf-8")
    assert main(["import", "a.csv", "--db", str(held)]) == 0
    out, err = capsys.readouterr()
    assert "经由正在运行的应用" in err and "1" in out
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("cli-added-password-1\n"))
    assert (
        main(
            ["user", "add", "--name", "命令行账号", "--role", "leader", "--password-stdin", "--db", str(held)]
        )
        == 0
    )
    assert "命令行账号" in capsys.readouterr().out
    assert main(["user", "list", "--json", "--db", str(held)]) == 0
    assert "命令行账号" in {u["name"] for u in json.loads(capsys.readouterr().out)}


def test_a_failing_command_in_the_app_keeps_its_exit_code_and_message(held, capsys):
    assert main(["user", "disable", "--name", "无此账号", "--db", str(held)]) == 3
    err = capsys.readouterr().err
    assert "无此账号" in err and "错误：" in err and "经由正在运行的应用" in err
    _no_traceback(err)
    assert main(["submissions", "--unit", "不存在", "--db", str(held)]) == 2
    assert "不存在" in capsys.readouterr().err


def test_writing_commands_say_the_app_holds_the_file(held_without_route, tmp_path, capsys):
    """An app that takes no command (older, or started without its routes): today's message and exit 4."""
    src = tmp_path / "a.csv"
    src.write_text(CSV.format(year=2023), encoding="utf-8")
    for argv in (["import", str(src)], ["tasks", "--open-auto"], ["init"]):
        assert main([*argv, "--db", str(held_without_route)]) == 4
        err = capsys.readouterr().err
        assert "应用" in err and "Ctrl+C" in err and "占用" in err
        _no_traceback(err)


def test_read_only_beside_an_app_without_the_route_says_to_stop_it(held_without_route, capsys):
    assert main(["evaluate", "--db", str(held_without_route)]) == 4
    err = capsys.readouterr().err
    assert "应用" in err and "Ctrl+C" in err
    _no_traceback(err)


def test_read_only_commands_open_the_file_read_only(tmp_path, demo_db, capsys):
    """Another process reading the file (read-only, as DuckDB lets several): a read-only command still runs —
    it could not if it opened the file for writing — and answers as it does on the file alone."""
    path = _copy_of_demo(demo_db, tmp_path / "ro.duckdb")
    bootstrap.connect(path).close()  # the copy's WAL folded in: a read-only reader cannot replay it
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; duckdb.connect(sys.argv[1], read_only=True); "
         "print('ready', flush=True); time.sleep(120)", str(path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert reader.stdout.readline().strip() == "ready"
        assert main(["evaluate", "--as-of", "2026-11-28", "--json", "--db", str(path)]) == 0
        out = capsys.readouterr().out
    finally:
        reader.kill()
        reader.wait()
    assert main(["evaluate", "--as-of", "2026-11-28", "--json", "--db", str(demo_db)]) == 0
    assert json.loads(out) == json.loads(capsys.readouterr().out)


def test_read_only_command_on_an_older_schema_says_what_to_do(tmp_path, capsys):
    from tracker.cli.remote import SCHEMA

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))  # not db.open: the tests make new files from an up-to-date template
    bootstrap.migrate(con, upto=SCHEMA - 1)
    con.close()
    assert main(["evaluate", "--db", str(path)]) == 5
    err = capsys.readouterr().err
    assert "只读命令不升级数据库" in err and "init" in err
    _no_traceback(err)
    con = duckdb.connect(str(path), read_only=True)
    assert (
        con.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA - 1
    )  # nothing written
    con.close()


def test_another_command_holding_the_file_is_waited_for(tmp_path):
    """Four imports started at once: each waits for the others and lands; no traceback."""
    path = tmp_path / "four.duckdb"
    bootstrap.connect(path).close()
    procs = []
    for year in (2021, 2022, 2023, 2024):
        src = tmp_path / f"{year}.csv"
        src.write_text(CSV.format(year=year), encoding="utf-8")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "tracker", "import", str(src), "--db", str(path)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        _no_traceback(err)
    con = bootstrap.connect(path)
    assert con.execute("SELECT count(*) FROM measurement").fetchone()[0] == 4
    con.close()


def test_db_naming_a_directory_or_a_foreign_file(tmp_path, capsys):
    assert main(["evaluate", "--db", str(tmp_path)]) == 5
    err = capsys.readouterr().err
    assert "目录" in err
    _no_traceback(err)
    junk = tmp_path / "notes.duckdb"
    junk.write_text("这不是数据库\n" * 100, encoding="utf-8")
    assert main(["submissions", "--db", str(junk)]) == 5
    err = capsys.readouterr().err
    assert "不是可用的" in err
    _no_traceback(err)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["tasks", "--open-auto", "--days", "99999999"], "超出范围"),
        (["evaluate", "--as-of", "2023-13-45"], "不是日期"),
        (["national-form", "--year", "99999", "--out", "x.json"], "超出范围"),
    ],
)
def test_out_of_range_arguments_are_refused_by_the_parser(tmp_path, capsys, argv, said):
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--db", str(tmp_path / "a.duckdb")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert said in err
    _no_traceback(err)


def test_submissions_for_an_unknown_unit_is_an_error_not_everything(demo_db, capsys):
    assert main(["submissions", "--unit", "不存在", "--db", str(demo_db)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "不存在" in err


def test_terminal_escapes_in_file_names_are_shown_not_obeyed(tmp_path, capsys):
    path = tmp_path / "esc.duckdb"
    src = tmp_path / "evil\x1b[2J\x1b]0;pwned\x07\u202e.csv"
    src.write_text(CSV.format(year=2023), encoding="utf-8")
    assert main(["import", str(src), "--db", str(path)]) == 0
    capsys.readouterr()
    for argv in (["submissions"], ["submissions", "--json"]):
        assert main([*argv, "--db", str(path)]) == 0
        out = capsys.readouterr().out
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", out)
        assert "\\u001b[2J" in out
    json.loads(out)  # the escapes are still valid JSON


def test_an_unexpected_error_is_one_line_with_an_error_id(tmp_path, capsys, monkeypatch):
    from tracker import logs
    from tracker.cli import core as cli_core

    def boom(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli_core, "cmd_init", boom)
    assert main(["init", "--db", str(tmp_path / "a.duckdb")]) == 70
    err = capsys.readouterr().err
    match = re.search(r"错误编号 ([0-9a-f]{8})", err)
    assert match and "Traceback" not in err
    logged = logs.log_file().read_text(encoding="utf-8")
    assert match.group(1) in logged and "RuntimeError: a bug" in logged


def test_readme_documents_every_exit_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### 退出码", 1)[1].split("\n\n", 3)[2]
    for code in EXIT_CODES:
        assert f"| {code} |" in table, code


@pytest.mark.parametrize(
    ("argv", "code", "said"),
    [
        (["late", "--as-of", "9999-12-31"], 2, "超出范围"),
        (["report", "--as-of", "2025-12-31", "--no-charts", "--out", "/proc/no/such/通报.docx"], 2, "无法"),
    ],
)
def test_far_dates_and_unwritable_outputs(demo_db, capsys, argv, code, said):
    try:
        got = main([*argv, "--db", str(demo_db)])
    except SystemExit as exc:
        got = exc.code
    assert got == code
    err = capsys.readouterr().err
    assert said in err
    _no_traceback(err)


def test_backup_while_the_app_holds_the_file_runs_in_the_app(held, tmp_path, capsys):
    out = tmp_path / "backup"
    assert main(["backup", "--out", str(out), "--db", str(held)]) == 0
    assert "经由正在运行的应用" in capsys.readouterr().err
    assert main(["restore", str(out), "--db", str(tmp_path / "restored.duckdb")]) == 0
    assert "审计日志完整" in capsys.readouterr().out


def test_the_app_is_known_by_its_secret_file_whatever_its_command_line(demo_db, tmp_path, capsys):
    """The app may be started otherwise than `streamlit run` (a server embedding it): the pid it wrote counts."""
    path = _copy_of_demo(demo_db, tmp_path / "embedded.duckdb")
    proc = _hold(path, route=True, name="embedded")
    try:
        assert main(["submissions", "--json", "--db", str(path)]) == 0
        assert "经由正在运行的应用" in capsys.readouterr().err
    finally:
        proc.kill()
        proc.wait()


def test_the_audit_log_records_the_actor_the_command_line_records(tmp_path, capsys, monkeypatch):
    """The same commands on a free file and through the app leave the same actors and actions in the log."""
    import io

    free, held = tmp_path / "free.duckdb", tmp_path / "held.duckdb"
    for path in (free, held):
        bootstrap.connect(path).close()
    proc = _hold(held, route=True)
    src = tmp_path / "a.csv"
    src.write_text(CSV.format(year=2023), encoding="utf-8")
    logged = []
    try:
        for path in (free, held):
            assert main(["import", str(src), "--db", str(path)]) == 0
            monkeypatch.setattr("sys.stdin", io.StringIO("cli-audit-password-1\n"))
            argv = [
                "user",
                "add",
                "--name",
                "审计账号",
                "--role",
                "leader",
                "--password-stdin",
                "--db",
                str(path),
            ]
            assert main(argv) == 0
            out = tmp_path / f"backup-{path.stem}"
            assert main(["backup", "--out", str(out), "--db", str(path)]) == 0
            rows = duckdb.sql(
                f"SELECT actor, action FROM read_parquet('{out / 'audit_log.parquet'}') ORDER BY id"
            )
            logged.append(rows.fetchall())
    finally:
        proc.kill()
        proc.wait()
    capsys.readouterr()
    assert logged[0] == logged[1] and len(logged[0]) >= 2
