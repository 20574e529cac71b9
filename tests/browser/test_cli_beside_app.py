"""The command line while the app runs (issues 12, 23): on the real app (`streamlit run server.py`) holding a copy
of the demo, writing commands run through the app's own route and read-only commands answer as they do on the
file alone; a request without the app's secret is refused and writes nothing."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.browser.conftest import ADMIN_PASSWORD, FIRST_START_MS, ROOT, serve, wait_for_app_run
from tracker.cli import remote

pytestmark = pytest.mark.browser
EVALUATE = ["evaluate", "--as-of", "2025-12-31", "--json"]


def _cli(*argv, cwd=ROOT, stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "tracker", *argv],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def app(browser, demo_db, tmp_path_factory):
    """The app on its own copy of the demo (the accounts added here stay out of the other tests' app); the
    evaluation as the command line gave it on the file before the app started."""
    folder = tmp_path_factory.mktemp("cli-app")
    db_file = folder / "tracker.duckdb"
    shutil.copyfile(demo_db, db_file)
    wal = demo_db.with_name(demo_db.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, db_file.with_name(db_file.name + ".wal"))
    before = _cli(*EVALUATE, "--db", str(db_file))
    assert before.returncode == 0, before.stderr
    with serve(folder, TRACKER_DB=str(db_file), TRACKER_ADMIN_PASSWORD=ADMIN_PASSWORD) as url:
        page = browser.new_page()
        page.goto(url + "/")
        wait_for_app_run(page, timeout=FIRST_START_MS)  # the app opens its database at the first page
        page.close()
        yield {"url": url, "db": db_file, "evaluation": json.loads(before.stdout)}


def _names(app) -> set[str]:
    done = _cli("user", "list", "--json", "--db", str(app["db"]))
    assert done.returncode == 0, done.stderr
    return {u["name"] for u in json.loads(done.stdout)}


def test_user_add_runs_in_the_app(app):
    done = _cli(
        "user", "add", "--name", "命令行新账号", "--role", "leader", "--password-stdin", "--db", str(app["db"]),
        stdin="cli-beside-app-9\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "经由正在运行的应用（PID" in done.stderr and "命令行新账号" in done.stdout
    assert "命令行新账号" in _names(app)


def test_read_only_command_gives_the_same_answer_as_on_the_file(app):
    done = _cli(*EVALUATE, "--db", str(app["db"]))
    assert done.returncode == 0, done.stderr
    assert "经由正在运行的应用" in done.stderr
    assert json.loads(done.stdout) == app["evaluation"]


def test_relative_paths_are_the_callers(app, tmp_path):
    (tmp_path / "a.csv").write_text("单位,指标,期间,数值\n城管执法局,10.3,2023年,81%\n", encoding="utf-8")
    done = _cli("import", "a.csv", "--db", str(app["db"]), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = _cli("submissions", "--json", "--db", str(app["db"]))
    assert "a.csv" in {s["file_name"] for s in json.loads(done.stdout)}


def test_a_failing_command_keeps_its_exit_code_and_chinese_message(app):
    done = _cli("user", "disable", "--name", "无此账号", "--db", str(app["db"]))
    assert done.returncode == 3
    assert "错误：" in done.stderr and "无此账号" in done.stderr and "Traceback" not in done.stderr


def test_the_secret_is_the_owners_and_a_wrong_one_is_refused(app):
    path = remote.secret_path(app["db"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    endpoint = remote.endpoint(app["db"])
    body = json.dumps(
        {
            "protocol": remote.PROTOCOL,
            "schema": remote.SCHEMA,
            "argv": ["user", "add", "--name", "冒名账号", "--role", "admin", "--password-stdin"],
            "cwd": str(ROOT),
            "db": str(app["db"]),
            "stdin": "Y2xpLWJlc2lkZS1hcHAtOQo=",
        }
    ).encode()
    url = f"http://127.0.0.1:{endpoint['port']}{endpoint['base']}{remote.ROUTE}"
    for headers in ({}, {remote.HEADER: "0" * 64}, {remote.HEADER: endpoint["secret"][:-1]}):
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 401
    assert "冒名账号" not in _names(app)
