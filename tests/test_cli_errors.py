"""The command line beside the app (issue 12): every expected failure is one Chinese line and a documented
exit code, never a traceback; read-only commands work while the app holds the file (from its snapshot);
writing commands say that the app holds it and what to do; terminal escapes are shown, not obeyed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest

from tracker import bootstrap
from tracker.cli import main
from tracker.cli.errors import EXIT_CODES
from tracker.config import ROOT

CSV = "单位,指标,期间,数值\n城管执法局,10.3,{year}年,81%\n"
HOLDER = textwrap.dedent(
    """
    import json, os, sys, time
    from tracker import bootstrap, snapshot
    con = bootstrap.connect(sys.argv[1])
    if sys.argv[2] == "snapshot":
        snapshot.write(con, sys.argv[1])
    if sys.argv[3] == "marker":  # what the app's snapshot writer leaves beside the file
        snapshot.app_marker(sys.argv[1]).write_text(json.dumps({"pid": os.getpid()}))
    print("ready", flush=True)
    time.sleep(3600)  # killed by its test or fixture; a module's tests may outlast a short sleep on a busy machine
    """
)


def _hold(path, snap: bool, name: str = "streamlit"):
    """Another process holding the file; `name` in its command line makes it look like the app."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), "snapshot" if snap else "none", name],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


@pytest.fixture(scope="module")
def held(tmp_path_factory, demo_db):
    """A copy of the demo database held by a fake app that wrote its snapshot, for the module's tests (each only
    reads it: the writing commands are refused while the app holds it)."""
    import shutil

    path = tmp_path_factory.mktemp("held") / "held.duckdb"
    shutil.copyfile(demo_db, path)
    wal = demo_db.with_name(
        demo_db.name + ".wal"
    )  # what another test's connection committed but not checkpointed
    if wal.exists():
        shutil.copyfile(wal, path.with_name(path.name + ".wal"))
    proc = _hold(path, snap=True)
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
def test_read_only_commands_work_while_the_app_holds_the_file(held, demo_db, capsys, argv):
    assert main([*argv, "--db", str(held)]) == 0
    out, err = capsys.readouterr()
    assert "快照" in err
    assert main([*argv, "--db", str(demo_db)]) == 0
    assert json.loads(out) == json.loads(capsys.readouterr().out)


def test_report_and_national_form_while_the_app_holds_the_file(held, tmp_path, capsys):
    assert (
        main(
            [
                "report",
                "--as-of",
                "2025-12-31",
                "--no-charts",
                "--out",
                str(tmp_path / "a.docx"),
                "--db",
                str(held),
            ]
        )
        == 0
    )
    assert (
        main(["national-form", "--year", "2025", "--out", str(tmp_path / "f.json"), "--db", str(held)]) == 0
    )
    assert json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))["_demo"] is True


def test_writing_commands_say_the_app_holds_the_file(held, tmp_path, capsys):
    src = tmp_path / "a.csv"
    src.write_text(CSV.format(year=2023), encoding="utf-8")
    for argv in (["import", str(src)], ["tasks", "--open-auto"], ["init"]):
        assert main([*argv, "--db", str(held)]) == 4
        err = capsys.readouterr().err
        assert "应用" in err and "Ctrl+C" in err and "占用" in err
        _no_traceback(err)


def test_read_only_without_a_snapshot_says_to_wait_or_stop_the_app(tmp_path, capsys):
    path = tmp_path / "x.duckdb"
    bootstrap.connect(path).close()
    proc = _hold(path, snap=False)
    try:
        assert main(["evaluate", "--db", str(path)]) == 4
        assert "快照" in capsys.readouterr().err
    finally:
        proc.kill()
        proc.wait()


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


def test_backup_while_the_app_holds_the_file_reads_its_snapshot(held, tmp_path, capsys):
    out = tmp_path / "backup"
    assert main(["backup", "--out", str(out), "--db", str(held)]) == 0
    assert "快照" in capsys.readouterr().err
    assert main(["restore", str(out), "--db", str(tmp_path / "restored.duckdb")]) == 0
    assert "审计日志完整" in capsys.readouterr().out


def test_the_app_is_known_by_its_marker_whatever_its_command_line(demo_db, tmp_path, capsys):
    """The app may be started otherwise than `streamlit run` (a server embedding it): the pid it wrote counts."""
    import shutil

    path = tmp_path / "embedded.duckdb"
    shutil.copyfile(demo_db, path)
    proc = _hold(path, snap=True, name="marker")
    try:
        assert main(["submissions", "--json", "--db", str(path)]) == 0
        assert "快照" in capsys.readouterr().err
    finally:
        proc.kill()
        proc.wait()
