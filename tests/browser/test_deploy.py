"""The multi-process deployment (deploy/serve.py, `make serve`): two app processes behind HAProxy, driven through
the proxy in Chromium. On DuckDB files each worker has its own copy of the demo, which makes the affinity visible:
an upload is in the database of the worker the browser's cookie names, not in the other's. On one PostgreSQL
database (last in this file) an upload on one worker is on the other's pages within 2 s (issue 23)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import duckdb
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN_PASSWORD,
    REPORTER,
    ROOT,
    TIMEOUT_MS,
    VIEWPORT,
    _add_reporter,
    login,
    navigate,
    wait_for_app_run,
)
from tests.pg_fixtures import *  # noqa: F403 (the fixture pg_template)
from tests.pg_fixtures import _admin, _drop, allow_connections, url_of
from tracker import bootstrap, pg
from tracker.access.users import ensure_admin
from tracker.pg.transfer import copy_from_duckdb

pytestmark = pytest.mark.browser

WORKERS = ("w1", "w2")
START_SECONDS = 180  # two workers starting at once on two shared cores
FIRST_RUN_MS = 120_000


def _ports_free(first: int, count: int) -> bool:
    for port in range(first, first + count):
        with socket.socket() as s:
            s.setsockopt(
                socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
            )  # as a server binds: TIME_WAIT is no obstacle
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _proxy_port() -> int:
    """A port P with P+1 and P+2 free too (the workers take them)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 2 < 65536 and _ports_free(port, 3):
            return port
    pytest.fail("no three free ports in a row")


def _health(url: str, cookie: str | None = None) -> tuple[bytes, str]:
    request = urllib.request.Request(f"{url}/_stcore/health", headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read(), ", ".join(response.headers.get_all("Set-Cookie") or [])


def _serve(browser, folder, db: str, env: dict):
    """`python -m deploy.serve --workers 2 --db <db>` on free ports; yields once the proxy answers and each
    worker's first page has run, and stops it all after."""
    port = _proxy_port()
    url = f"http://127.0.0.1:{port}"
    out = open(folder / "serve.log", "w+b")  # noqa: SIM115 — kept open for the deployment's lifetime
    argv = [sys.executable, "-m", "deploy.serve", "--workers", "2", "--port", str(port)]
    argv += ["--db", db, "--state", str(folder / "state"), "--bind", "127.0.0.1"]
    env = {**env, "TRACKER_ADMIN_PASSWORD": ADMIN_PASSWORD, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        argv, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
    )
    started = time.monotonic()
    try:
        while b"Ctrl+C" not in (folder / "serve.log").read_bytes():
            if process.poll() is not None or time.monotonic() - started > START_SECONDS:
                out.seek(0)
                pytest.fail(f"the deployment did not start:\n{out.read().decode(errors='replace')}")
            time.sleep(0.3)
        for name in WORKERS:  # each worker's first run (migrations, the catalogue) before the tests time it
            context = browser.new_context()
            context.add_cookies([{"name": "SRV", "value": name, "url": url}])
            page = context.new_page()
            page.goto(url + "/")
            wait_for_app_run(page, timeout=FIRST_RUN_MS)
            context.close()
        yield {
            "url": url,
            "db": db,
            "port": port,
            "process": process,
            "folder": folder,
            "log": folder / "serve.log",
        }
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        out.close()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, demo_pristine, browser):
    """Two workers, each on its own copy of the demo holding the same accounts (as one shared database would)."""
    if shutil.which("haproxy") is None:
        pytest.fail("haproxy is missing (apt-get install haproxy; .ci/run installs it)")
    folder = tmp_path_factory.mktemp("deploy")
    for name in WORKERS:
        shutil.copyfile(demo_pristine, folder / f"{name}.duckdb")
        _add_reporter(folder / f"{name}.duckdb")
    yield from _serve(browser, folder, str(folder / "w{n}.duckdb"), {"TRACKER_DEMO": "1"})


@pytest.fixture(scope="module")
def pg_deployment(tmp_path_factory, demo_pristine, browser, pg_template):
    """Two workers on ONE throwaway PostgreSQL database holding the demo (copied from the DuckDB demo by
    tracker.pg.transfer), the accounts and the administrator made before they start: nothing for two workers
    starting at once to race over."""
    if shutil.which("haproxy") is None:
        pytest.fail("haproxy is missing (apt-get install haproxy; .ci/run installs it)")
    name = f"{pg_template}_deploy"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = url_of(name)
    try:
        pg.connect(url, migrate=bootstrap.migrate).close()
        source = duckdb.connect(str(demo_pristine), read_only=True)
        try:
            copy_from_duckdb(source, url)
        finally:
            source.close()
        _add_reporter(url)
        con = bootstrap.connect(url)
        ensure_admin(con, ADMIN_PASSWORD)
        con.close()
        yield from _serve(browser, tmp_path_factory.mktemp("deploy-pg"), url, {})
    finally:
        with _admin() as admin:
            _drop(admin, name)


def _context(browser, url: str, worker: str | None = None):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    if worker is not None:  # as if the proxy had sent this browser there before
        context.add_cookies([{"name": "SRV", "value": worker, "url": url}])
    page = context.new_page()
    page.goto(url + "/")
    wait_for_app_run(page)
    return context, page


def _worker(context) -> str:
    (srv,) = [c["value"] for c in context.cookies() if c["name"] == "SRV"]
    return srv


def test_health_check_through_the_proxy(deployment):
    body, cookies = _health(deployment["url"])
    assert body == b"ok"
    assert re.search(r"SRV=w[12];", cookies), cookies  # the proxy names the worker that answered
    for name in WORKERS:  # and each worker answers when the cookie names it
        assert _health(deployment["url"], f"SRV={name}")[0] == b"ok"


def test_upload_lands_on_the_sessions_own_worker(browser, deployment, tmp_path):
    """A reporter signs in and uploads through the proxy: the websocket and the upload (its session in the URL)
    reach the worker that served the page. The file is then in that worker's database only (with one
    PostgreSQL for all, the other worker would show it as well)."""
    url = deployment["url"]
    context, page = _context(browser, url)
    own = _worker(context)
    name, password, unit = REPORTER
    login(page, name, password)
    navigate(page, "/upload")
    expect(page.get_by_text(f"报送单位：{unit}")).to_be_visible()
    csv = tmp_path / f"部署-{uuid.uuid4().hex[:8]}.csv"
    rows = ["单位,指标,期间,数值,备注", f"{unit},10.4 城市管理信息化覆盖率,2024年,94%,经代理上传"]
    csv.write_bytes(("\r\n".join(rows) + "\r\n").encode("gbk"))
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(csv))
    wait_for_app_run(page)
    expect(page.get_by_role("tab", name="可导入的行（1）")).to_be_visible()
    page.get_by_role("button", name="确认导入").click()
    wait_for_app_run(page)
    expect(page.get_by_text("已导入 1 行")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert _worker(context) == own  # the cookie never moved
    context.close()

    for (
        worker
    ) in WORKERS:  # the reporter again, on each worker in turn: the newest submission is the file or not
        context, page = _context(browser, url, worker)
        login(page, name, password)
        navigate(page, "/submissions")
        picked = page.get_by_role("combobox", name="选择报送记录")
        expect(picked).to_have_value(re.compile(r"^#\d+ "))
        if worker == own:
            expect(picked).to_have_value(re.compile(re.escape(csv.name)))
        else:
            expect(picked).not_to_have_value(re.compile(re.escape(csv.name)))
        assert _worker(context) == worker
        context.close()


def test_new_browsers_are_spread_over_the_workers_and_each_works(browser, deployment):
    """Browsers without the cookie are dealt round robin; each signs in on the worker its cookie names."""
    seen = set()
    for _ in range(4):
        context, page = _context(browser, deployment["url"])
        worker = _worker(context)
        assert worker in WORKERS
        login(page, REPORTER[0], REPORTER[1])
        expect(page.get_by_test_id("stException")).to_have_count(0)
        assert _worker(context) == worker
        seen.add(worker)
        context.close()
        if seen == set(WORKERS):
            break
    assert seen == set(WORKERS)


def test_ctrl_c_stops_every_process(deployment):
    """Last of the DuckDB deployment's tests: Ctrl+C to the script stops the proxy and both workers; every port is
    free again."""
    process = deployment["process"]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert "已停止全部进程" in deployment["log"].read_text(encoding="utf-8")
    for port in range(deployment["port"], deployment["port"] + 3):  # nothing listens any more
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    secret = deployment["folder"] / "state" / "cookie_secret"
    assert secret.stat().st_mode & 0o777 == 0o600


def test_on_one_postgresql_an_upload_on_one_worker_shows_on_the_other_within_2_s(
    browser, pg_deployment, tmp_path
):
    """The issue's "Done when" browser test: sign in through the proxy, upload on the worker the cookie names; two
    seconds after the commit (the replica polls every 0.5 s) one run of the other worker's page lists the file."""
    url = pg_deployment["url"]
    name, password, unit = REPORTER
    context, page = _context(browser, url)
    own = _worker(context)
    (other,) = [w for w in WORKERS if w != own]
    watcher, watching = _context(browser, url, other)  # signed in on the other worker before the upload
    login(watching, name, password)
    assert _worker(watcher) == other
    login(page, name, password)
    navigate(page, "/upload")
    expect(page.get_by_text(f"报送单位：{unit}")).to_be_visible()
    csv = tmp_path / f"共享库-{uuid.uuid4().hex[:8]}.csv"
    rows = ["单位,指标,期间,数值,备注", f"{unit},10.4 城市管理信息化覆盖率,2024年,94%,经代理上传"]
    csv.write_bytes(("\r\n".join(rows) + "\r\n").encode("gbk"))
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(csv))
    wait_for_app_run(page)
    expect(page.get_by_role("tab", name="可导入的行（1）")).to_be_visible()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已导入 1 行")).to_be_visible()
    committed = time.monotonic()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert _worker(context) == own
    context.close()

    time.sleep(max(0.0, 2 - (time.monotonic() - committed)))
    navigate(watching, "/submissions")  # one run of the page, 2 s after the commit
    picked = watching.get_by_role("combobox", name="选择报送记录")
    expect(picked).to_have_value(re.compile(re.escape(csv.name)))
    expect(watching.get_by_test_id("stException")).to_have_count(0)
    assert _worker(watcher) == other
    watcher.close()


def test_on_postgresql_a_restart_is_said_plainly_and_the_same_session_comes_back(browser, pg_deployment):
    """PostgreSQL refusing connections, as while it restarts: through the proxy the page says the database cannot
    be reached — no error id, no Streamlit error box — and once the server takes connections again, the same
    browser session shows its page. (Last in the module: it cuts the deployment's connections.)"""
    url = pg_deployment["url"]
    name, password, _ = REPORTER
    context, page = _context(browser, url)
    login(page, name, password)
    allow_connections(pg_deployment["db"], False)
    try:
        time.sleep(1.5)  # the worker's listener has noticed, and its replica's timed poll is due
        navigate(page, "/submissions")
        expect(page.get_by_text("暂时无法连接数据库").first).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_text("错误编号")).to_have_count(0)
    finally:
        allow_connections(pg_deployment["db"], True)
    navigate(page, "/submissions")
    expect(page.get_by_role("combobox", name="选择报送记录")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    context.close()
