"""The multi-process deployment (deploy/serve.py, `make serve`): two app processes behind HAProxy, driven through
the proxy in Chromium. Until the workers share PostgreSQL each has its own copy of the demo, which makes the
affinity visible: an upload is in the database of the worker the browser's cookie names, not in the other's."""

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


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, demo_pristine, browser):
    """`python -m deploy.serve --workers 2` on free ports, each worker on its own copy of the demo holding the same
    accounts (as one shared database would); yields once the proxy answers and the first page has run."""
    if shutil.which("haproxy") is None:
        pytest.fail("haproxy is missing (apt-get install haproxy; .ci/run installs it)")
    folder = tmp_path_factory.mktemp("deploy")
    for name in WORKERS:
        shutil.copyfile(demo_pristine, folder / f"{name}.duckdb")
        _add_reporter(folder / f"{name}.duckdb")
    port = _proxy_port()
    url = f"http://127.0.0.1:{port}"
    out = open(folder / "serve.log", "w+b")  # noqa: SIM115 — kept open for the deployment's lifetime
    argv = [sys.executable, "-m", "deploy.serve", "--workers", "2", "--port", str(port)]
    argv += ["--db", str(folder / "w{n}.duckdb"), "--state", str(folder / "state"), "--bind", "127.0.0.1"]
    env = {"TRACKER_DEMO": "1", "TRACKER_ADMIN_PASSWORD": ADMIN_PASSWORD, "PYTHONUNBUFFERED": "1"}
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
        yield {"url": url, "port": port, "process": process, "folder": folder, "log": folder / "serve.log"}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        out.close()


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
    """Last in this file: Ctrl+C to the script stops the proxy and both workers; every port is free again."""
    process = deployment["process"]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert "已停止全部进程" in deployment["log"].read_text(encoding="utf-8")
    for port in range(deployment["port"], deployment["port"] + 3):  # nothing listens any more
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    secret = deployment["folder"] / "state" / "cookie_secret"
    assert secret.stat().st_mode & 0o777 == 0o600
