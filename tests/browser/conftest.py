"""Browser tests: one `streamlit run server.py` per session on a free port with an empty temporary
database in demo mode (TRACKER_DEMO=1, as `make run` starts it: the app loads the demo itself, as for a new user), driven by Playwright in Debian's Chromium.

Never `playwright install`: the browser is /usr/bin/chromium from apt (.ci/run installs it). Without it the
tests skip — unless TRACKER_REQUIRE_BROWSER=1 (set by .ci/run), when they fail.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from deploy.serve import stop

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
# A run and its charts on a loaded machine (the three waits wait_for_app_run replaced had 30 s each).
RUN_TIMEOUT_MS = 90_000
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


# Each page counts its script runs from the websocket (an init script every context gets from the `browser`
# fixture): a rerun asked for (BackMsg.rerun_script, field 11), a run started (ForwardMsg.new_session, 4), a run
# ended (ForwardMsg.script_finished, 6, unless it ended early for the next run) — and file uploads in flight, whose
# rerun is sent when they end. Streamlit's script state on stApp alone cannot tell a run not yet started from one
# already over, and React may never render `running` for a quick run.
RUN_WATCH = """(() => {
  if (window.__runs) return;
  const runs = window.__runs = {seq: 0, asked: 0, started: 0, ended: 0, uploads: 0};
  const fields = (data) => {  // a protobuf message's top-level fields: number -> varint value (or null)
    const b = data instanceof ArrayBuffer ? new Uint8Array(data)
      : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    const out = new Map();
    if (!b) return out;
    let i = 0;
    const varint = () => { let v = 0, m = 1, x; do { x = b[i++]; v += (x & 127) * m; m *= 128; } while (x & 128); return v; };
    while (i < b.length) {
      const tag = varint(), wire = tag & 7, field = Math.floor(tag / 8);
      if (wire === 0) out.set(field, varint());
      else if (wire === 2) { const n = varint(); out.set(field, null); i += n; }
      else if (wire === 1) i += 8; else if (wire === 5) i += 4; else break;
    }
    return out;
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const f = fields(e.data);
        if (f.has(4)) runs.started = ++runs.seq;
        if (f.has(6) && f.get(6) !== 2) runs.ended = ++runs.seq;
      });
    }
    send(data) {
      if (fields(data).has(11)) runs.asked = ++runs.seq;
      return super.send(data);
    }
  };
  const open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.__upload = String(url).includes('/_stcore/upload_file');
    return open.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (...args) {
    if (this.__upload) { runs.uploads++; this.addEventListener('loadend', () => runs.uploads--); }
    return send.apply(this, args);
  };
})();"""
# Settled: the last rerun asked for has started and ended, no upload is in flight, the page shows it (connected,
# not running, no skeleton) — and still does a few polls and 60 ms later (React renders the end in a later task).
_SETTLED = """token => {
  const runs = window.__runs;
  if (!runs) throw new Error('this page has no run watcher: open it through the browser fixture');
  const app = document.querySelector("[data-testid='stApp']");
  const ok = runs.started > runs.asked && runs.ended > runs.started && runs.uploads === 0 && app
    && app.dataset.testConnectionState === 'CONNECTED' && app.dataset.testScriptState === 'notRunning'
    && !document.querySelector("[data-testid='stSkeleton']");
  if (runs.token !== token || !ok) { runs.token = token; runs.since = null; runs.polls = 0; }
  if (!ok) return false;
  runs.since ??= performance.now();
  return ++runs.polls >= 3 && performance.now() - runs.since >= 60;
}"""
_waits = itertools.count()


def wait_for_app_run(page, timeout: int = RUN_TIMEOUT_MS) -> None:
    """The one waiting helper: every script run asked for so far (by a click, a key, a navigation, an upload) has
    run to its end and the page shows it: Streamlit's root reports a live connection and a finished run
    (data-test-connection-state / data-test-script-state on [data-testid=stApp], as Streamlit's own e2e suite
    waits), and no element is still a loading skeleton."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(_SETTLED, arg=next(_waits), polling=20, timeout=timeout)
    except PlaywrightTimeout as exc:  # say what the page was still waiting for
        state = page.evaluate(_STATE)
        raise PlaywrightTimeout(f"{exc.message}\nthe page's runs: {state}") from None


_STATE = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  return JSON.stringify({...window.__runs, connection: app?.dataset.testConnectionState,
    script: app?.dataset.testScriptState, skeletons: document.querySelectorAll("[data-testid='stSkeleton']").length});
}"""


# The page's layout: its height, its skeletons and every chart's drawn size (plotly draws after the run, and again
# when the window changes size).
_LAYOUT = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const charts = [...document.querySelectorAll('.main-svg')].map(e => `${e.getAttribute('width')}x${e.getAttribute('height')}`);
  return [main?.scrollHeight, document.querySelectorAll("[data-testid='stSkeleton']").length, ...charts].join(' ');
}"""
_LAYOUT_STILL = f"""token => {{
  const now = ({_LAYOUT})(), t = performance.now(), w = window.__layout;
  if (!w || w.token !== token || w.last !== now) {{ window.__layout = {{token, last: now, since: t}}; return false; }}
  return t - w.since >= 150;
}}"""


def layout_settled(page, timeout: int = 5000) -> None:
    """Wait until the layout has not changed for 150 ms (at most `timeout`: a picture is taken all the same)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(_LAYOUT_STILL, arg=next(_waits), polling=30, timeout=timeout)


def screenshot(page, name: str) -> Path:
    """Save a screenshot of the whole page under test-artifacts/screenshots/ and print where.

    Streamlit scrolls inside its main container, so the window is made as tall as that content first."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 12000)})
    layout_settled(page)  # the charts re-laid out at the new size
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
    wait_for_app_run(page)


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
        stop([process], seconds=10)
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
        yield WatchedBrowser(browser)
        browser.close()


class WatchedBrowser:
    """The browser whose every new context and page carries RUN_WATCH, which wait_for_app_run reads."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.add_init_script(RUN_WATCH)
        return context

    def new_page(self, **options):
        page = self._browser.new_page(**options)
        page.add_init_script(RUN_WATCH)
        return page

    def __getattr__(self, name):
        return getattr(self._browser, name)


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


def resumed_page(
    browser,
    app_server,
    sign_ins: dict,
    name: str,
    password: str,
    viewport: dict | None = None,
    path: str = "/",
):
    """A new browser context signed in as `name` and open at `path`: the first time through the login page, later
    from the cookie that sign-in left, as a bookmark opens in a new tab (the sign-in itself is test_signin's and
    test_auth_pages'), signing in afresh when that session has ended (a sign-out, a password change, the idle
    timeout)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from tracker.access.web_sessions import COOKIE

    state = sign_ins.get(name)
    if state is not None:
        context = browser.new_context(viewport=viewport or VIEWPORT, locale="zh-CN", storage_state=state)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(app_server["url"] + path)
        wait_for_app_run(page)
        try:
            page.get_by_text(f"当前用户：{name}").wait_for(timeout=5000)
            if path == "/":
                page.get_by_role("heading", name=LANDS_ON.get(name, "领导驾驶舱"), exact=True).wait_for()
                wait_for_app_run(page)
            else:  # a path of no page opens the main page under Streamlit's 「Page not found」
                assert page.get_by_role("dialog").count() == 0, f"{path} is no page's address"
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
    if path != "/":
        navigate(page, path)
    return context, page


@pytest.fixture
def open_page(browser, app_server, sign_ins):
    """Signed in as the office's administrator; open a path of the app (e.g. "/item?item=10") and wait for its
    script run to finish: the first straight from the address bar, later ones inside the same session."""
    opened = []

    def go(path: str = "/"):
        if not opened:
            opened.append(resumed_page(browser, app_server, sign_ins, "admin", ADMIN_PASSWORD, path=path))
        else:
            navigate(opened[0][1], path)
        return opened[0][1]

    yield go
    for context, _ in opened:
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
