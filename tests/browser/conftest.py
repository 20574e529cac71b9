"""Browser tests: one `streamlit run server.py` per session on a free port with an empty temporary
database in demo mode (TRACKER_DEMO=1, as `make run` starts it: the app loads the demo itself, as for a new user), driven by Playwright in Debian's Chromium.

Never `playwright install`: the browser is /usr/bin/chromium from apt (.ci/run installs it). Without it the
tests skip — unless TRACKER_REQUIRE_BROWSER=1 (set by .ci/run), when they fail.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000
# CI machines are two shared cores: give every `expect` the same patience as the waits (default is 5 s).
try:
    from playwright.sync_api import expect as _expect

    _expect.set_options(timeout=15_000)
except ImportError:  # the fixtures below say why the browser tests cannot run
    pass
ADMIN_PASSWORD = "browser-office-1"  # given to the app as TRACKER_ADMIN_PASSWORD (may not contain "admin")
REPORTER = ("城管上报员", "browser-reporter-1", "城管执法局")  # created before the app starts
LEADER = ("领导甲", "browser-leader-1", None)  # a member of the leading group (领导小组)
# Accounts the sign-in tests lock and disable (the app holds the database once started: made before).
LOCKOUT = ("cg_rep", "browser-lockout-1", "城管执法局")
DISABLED = ("停用测试", "browser-disable-1", "城管执法局")
LANDS_ON = {name: unit for name, _, unit in (REPORTER, LOCKOUT, DISABLED)}  # a reporter lands on its unit


def pytest_collection_modifyitems(items):
    """Browser tests share one app and database: the tests that change what the others compare with the engine
    (a verification makes an item met, a task, a notice) run after them."""
    items.sort(key=lambda item: item.get_closest_marker("changes_shared_data") is not None)


def _unavailable(reason: str):
    if os.environ.get("TRACKER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (TRACKER_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


def wait_for_app_run(page, timeout: int = TIMEOUT_MS) -> None:
    """The one waiting helper: Streamlit's root reports a live connection and a finished script run
    (data-test-connection-state / data-test-script-state on [data-testid=stApp], as Streamlit's own e2e
    suite waits), and no element is still a loading skeleton."""
    page.wait_for_timeout(200)  # let a just-triggered rerun start
    page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']").wait_for(
        state="attached", timeout=timeout
    )
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=timeout
    )
    page.get_by_test_id("stSkeleton").first.wait_for(state="detached", timeout=timeout)


def screenshot(page, name: str) -> Path:
    """Save a screenshot of the whole page under test-artifacts/screenshots/ and print where.

    Streamlit scrolls inside its main container, so the window is made as tall as that content first."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 12000)})
    page.wait_for_timeout(500)  # let charts re-lay out at the new size
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    print(f"screenshot: {path}")
    return path


def _add_reporter(db_file: Path) -> None:
    """Unit reporters and a leader in the otherwise empty database (no measurements: the app still loads the demo)."""
    from tracker import bootstrap
    from tracker.access.auth import SYSTEM
    from tracker.access.users import create_user

    con = bootstrap.connect(db_file)
    for name, password, unit in (REPORTER, LOCKOUT, DISABLED):
        create_user(con, SYSTEM, name, "reporter", password, unit=unit)
    create_user(con, SYSTEM, LEADER[0], "leader", LEADER[1])
    con.close()


def login(page, name: str, password: str) -> None:
    """Sign in on the login page as a user would."""
    page.get_by_label("账号").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    _wait_for_run_to_start(page)
    wait_for_app_run(page)
    page.get_by_text(f"当前用户：{name}").wait_for()
    # Signing in takes two runs (the menu opens up, then the login page moves on to the user's landing page:
    # a reporter's unit, everyone else's overview): wait for the second, or a navigation started now may be
    # overtaken by it.
    page.get_by_role("heading", name=LANDS_ON.get(name, "领导驾驶舱"), exact=True).wait_for()
    wait_for_app_run(page)


def navigate(page, path: str) -> None:
    """Go to a path inside the app without reloading it, as the menu and links do (a reload starts a new
    Streamlit session, which signs in again from the session cookie)."""
    page.evaluate(
        "p => { history.pushState({}, '', p); dispatchEvent(new PopStateEvent('popstate')); }", path
    )
    _wait_for_run_to_start(page)
    wait_for_app_run(page)


def _wait_for_run_to_start(page, timeout: int = 3000) -> None:
    """A rerun may start a while after the event on a busy machine; a very quick one may be missed here,
    which only costs the timeout."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        page.locator("[data-testid='stApp'][data-test-script-state='running']").wait_for(
            state="attached", timeout=timeout
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
            return response.read().decode() == "ok"
    except OSError:
        return False


@contextlib.contextmanager
def serve(folder: Path, **env: str):
    """`streamlit run server.py` on a free port with the environment given (TRACKER_DB, …), logging to
    folder/streamlit.log; yields the base URL once the server answers, stops it afterwards."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    log = open(folder / "streamlit.log", "w+b")  # noqa: SIM115 — kept open for the server's lifetime
    port = _free_port()
    env = {
        **os.environ,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "server.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() - started > 60:
                log.seek(0)
                pytest.fail(f"streamlit did not start on {url}:\n{log.read().decode(errors='replace')}")
            time.sleep(0.2)
        print(
            f"streamlit up on {url} in {time.monotonic() - started:.1f}s (TRACKER_DB={env.get('TRACKER_DB')})"
        )
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


FIRST_START_MS = (
    120_000  # the app's first run loads the demo: seconds on a quiet machine, a minute under load
)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, browser):
    """`streamlit run server.py` on a free port with TRACKER_DB=<an empty temporary file> in demo mode; yields the
    base URL and the database path once the app's first run has loaded the demo, and stops the server at the end
    of the session."""
    folder = tmp_path_factory.mktemp("app")
    db_file = folder / "tracker.duckdb"
    _add_reporter(db_file)
    with serve(
        folder, TRACKER_DB=str(db_file), TRACKER_DEMO="1", TRACKER_ADMIN_PASSWORD=ADMIN_PASSWORD
    ) as url:
        page = browser.new_page()
        page.goto(url + "/")
        wait_for_app_run(page, timeout=FIRST_START_MS)
        page.close()
        yield {"url": url, "db": db_file, "log": folder / "streamlit.log", "today": dt.date.today()}


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, for the whole session."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Exception as exc:  # noqa: BLE001 — any launch failure means no browser here
            _unavailable(f"Chromium did not start: {exc}")
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def app_demo(app_server, tmp_path_factory) -> Path:
    """A database file holding the demo as the app loaded it into its empty database (the demo is seeded and
    depends only on today), built once for the engine's side of the tests that compare the pages with it."""
    from tracker import bootstrap
    from tracker.demo import load_demo

    path = tmp_path_factory.mktemp("app-demo") / "demo.duckdb"
    con = bootstrap.connect(path)
    load_demo(con, today=app_server["today"])
    con.close()
    return path


VIEWPORT = {"width": 1440, "height": 1000}


def signed_in_page(browser, app_server, name: str, password: str, viewport: dict | None = None):
    context = browser.new_context(viewport=viewport or VIEWPORT, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(app_server["url"] + "/")
    wait_for_app_run(page)
    login(page, name, password)
    return context, page


@pytest.fixture(scope="session")
def sign_ins():
    """Each account's browser state (its sign-in cookie) after the session's first sign-in through the form."""
    return {}


def resumed_page(browser, app_server, sign_ins: dict, name: str, password: str, viewport: dict | None = None):
    """A new browser context signed in as `name`: the first time through the login page, later from the cookie
    that sign-in left, as a new tab resumes it (the sign-in itself is test_signin's and test_auth_pages'),
    signing in afresh when that session has ended (a sign-out, a password change, the idle timeout)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from tracker.access.web_sessions import COOKIE

    state = sign_ins.get(name)
    if state is not None:
        context = browser.new_context(viewport=viewport or VIEWPORT, locale="zh-CN", storage_state=state)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(app_server["url"] + "/")
        wait_for_app_run(page)
        try:
            page.get_by_text(f"当前用户：{name}").wait_for(timeout=5000)
            page.get_by_role("heading", name=LANDS_ON.get(name, "领导驾驶舱"), exact=True).wait_for()
            wait_for_app_run(page)
            return context, page
        except PlaywrightTimeout:  # that session has ended: sign in again below
            context.close()
            del sign_ins[name]
    context, page = signed_in_page(browser, app_server, name, password, viewport)
    for _ in range(50):  # the page fetches its cookie just after the sign-in
        if any(c["name"] == COOKIE for c in context.cookies()):
            sign_ins[name] = context.storage_state()
            break
        page.wait_for_timeout(100)
    return context, page


@pytest.fixture
def open_page(browser, app_server, sign_ins):
    """Signed in as the office's administrator; open a path of the app (e.g. "/item?item=10") inside the
    same session and wait for its script run to finish."""
    context, page = resumed_page(browser, app_server, sign_ins, "admin", ADMIN_PASSWORD)

    def go(path: str = "/"):
        navigate(page, path)
        return page

    yield go
    context.close()


@pytest.fixture
def reporter_page(browser, app_server, sign_ins):
    """Signed in as 城管执法局's reporter."""
    name, password, _ = REPORTER
    context, page = resumed_page(browser, app_server, sign_ins, name, password)
    yield page
    context.close()


def app_database(app_server, folder: Path):
    """The app's own database, read as the command line reads it while the app holds the file: a backup taken
    through the running app (`python -m tracker backup`, audited like any backup), loaded into memory."""
    import duckdb

    out = folder / "backup"
    done = subprocess.run(
        [sys.executable, "-m", "tracker", "backup", "--out", str(out), "--db", str(app_server["db"])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and "经由正在运行的应用" in done.stderr, done.stderr
    con = duckdb.connect()
    for table in sorted(out.glob("*.parquet")):
        con.execute(f"CREATE TABLE \"{table.stem}\" AS SELECT * FROM read_parquet('{table}')")
    return con
