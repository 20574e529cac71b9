"""`bench.concurrent --store postgres` (issue 23): the same walk against several app processes on one PostgreSQL.

A throwaway database (tracker_bench_<pid>) holds the demo exactly as the DuckDB mode's copy of data/demo.duckdb
does — the file copied by tracker.pg.transfer, as tests/browser/test_deploy.py fills its shared database — with the
bench's administrator and the demo's accounts made before any worker starts (workers starting together would race
to make them). deploy.serve's Deployment starts --workers app processes (demo mode) and HAProxy in front, on free
ports; the browsers go through the proxy. Each worker's console (state/w1.log …, deploy.serve writes one per
process) carries the app's INFO lines, the script runs among them: read per worker from its own offset, so no run
is lost or counted twice — the app's file log would not do, every PostgreSQL worker writes the same tracker.log.
With --propagation, after the rounds: how long a 200-row upload committed on one worker takes to show on another's
总览 (propagation). Everything is stopped and the database dropped on the way out: an exception, Ctrl+C or SIGTERM.
Needs a PostgreSQL the current user may create databases on (TRACKER_BENCH_PG, default Debian's socket).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import re
import signal
import socket
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import psycopg

from bench.concurrent import (
    ADMIN,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    SETTLED,
    TIMEOUT_MS,
    UPLOAD_ROWS,
    demo_database,
    drive,
    go,
    new_page,
    niced_chromium,
    script_runs,
    settle,
    sign_in_form,
    upload_file,
)
from bench.replica import SERVER  # TRACKER_BENCH_PG, else Debian's socket
from deploy.config import DeployError, cookie_secret, haproxy_config, workers
from deploy.serve import Deployment, _port_free

AFFINITY = "SRV"  # the proxy's affinity cookie (deploy.config.haproxy_config)
# The upload service's line (tracker.ingest.uploads, through tracker.logs.action) once its commit is over: the
# line's time and the file's name.
COMMIT_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO tracker\.service actor=.*? action=upload target=(.*?)"
    r" outcome=committed ",
    re.M,
)
# A script run of the overview as the app logs it once over (app.webapp.log_script_run): the line's time.
OVERVIEW_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO tracker\.app\.run script_run page=overview ", re.M
)
# The goal's "every page after sign-in": the pages a signed-in person opens (the sign-in itself hashes a password
# on purpose, and the upload's check and commit are actions, not pages; the table shows all of them).
AFTER_SIGNIN = ("item", "unit", "phases", "overview_again")


@contextlib.contextmanager
def demo_on_postgres():
    """The throwaway database's URL; dropped after, whatever happened."""
    from tracker import bootstrap, pg
    from tracker.access.auth import SYSTEM
    from tracker.access.users import create_user
    from tracker.demo import ensure_accounts
    from tracker.pg.transfer import copy_from_duckdb

    name = f"tracker_bench_{os.getpid()}"
    url = SERVER.replace("/postgres?", f"/{name}?", 1)
    if url == SERVER:  # never fill the server's own database
        raise SystemExit(f"TRACKER_BENCH_PG must name the database postgres (…/postgres?…): {SERVER}")
    with psycopg.connect(SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        pg.connect(url, migrate=bootstrap.migrate).close()  # migrated, nothing written: what transfer needs
        source = duckdb.connect(str(demo_database()), read_only=True)
        try:
            copy_from_duckdb(source, url)
        finally:
            source.close()
        con = bootstrap.connect(url)
        try:
            create_user(con, SYSTEM, ADMIN, "admin", PASSWORD)
            ensure_accounts(con)
        finally:
            con.close()
        yield url
    finally:
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_ports(count: int) -> int:
    """A port P with P+1 … P+count free too (deploy.serve gives the workers the ports after the proxy's)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + count < 65536 and all(_port_free(p) for p in range(port, port + count + 1)):
            return port
    raise SystemExit(f"no {count + 1} free ports in a row")


@contextlib.contextmanager
def environment(**values: str):
    """Settings the workers inherit (Deployment.start_worker passes this process's environment on)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def served(url: str, count: int, folder: Path):
    """`count` workers on `url` behind HAProxy, as deploy.serve starts them: yields the proxy's URL, each worker's
    console log by name, and per worker the cookie that sends a browser there (for the warm-ups)."""
    port = free_ports(count)
    state = folder / "state"
    state.mkdir()
    deployment = Deployment(state, "zh")
    logs_at = {"TRACKER_LOG_DIR": str(folder / "logs"), "TRACKER_LOG_LEVEL": "INFO"}  # INFO: the script runs
    try:
        chosen = workers(url, count, port)
        secret, _ = cookie_secret(state / "cookie_secret")
        with environment(**logs_at):
            for worker in chosen:
                deployment.start_worker(worker, secret, demo=True)
        for worker in chosen:
            deployment.wait_healthy(worker.name, f"http://127.0.0.1:{worker.port}")
        config = state / "haproxy.cfg"
        config.write_text(haproxy_config(chosen, port, "127.0.0.1"), encoding="utf-8")
        deployment.start_proxy(config)
        proxy = f"http://127.0.0.1:{port}"
        deployment.wait_healthy("haproxy", proxy)
        logs = {worker.name: state / f"{worker.name}.log" for worker in chosen}
        warm_ups = [[{"name": AFFINITY, "value": worker.name, "url": proxy}] for worker in chosen]
        yield proxy, logs, warm_ups
    except DeployError as exc:
        raise SystemExit(f"the deployment did not start: {exc}") from None
    finally:
        deployment.stop()


def _as_ctrl_c(signum, frame):
    """SIGTERM takes Ctrl+C's way out: asyncio cancels the walk, the workers stop, the database is dropped."""
    os.kill(os.getpid(), signal.SIGINT)


def propagation_file(attempt: int) -> bytes:
    """New figures for last year and this one: the overview's counts and progress lines change with them."""
    this_year = dt.date.today().year
    return upload_file(7000 + attempt, range(this_year - 1, this_year + 1))


REDRAW_GRACE = (
    0.3  # s: a run drawn again (app.webapp.redraw_if_moved) has started within this of the first's end
)


async def _overview_again(watcher, log: Path, offset: int) -> tuple[int, float, float]:
    """One more run of the watcher's 总览, over once its worker logged it and the browser drew it: the log's new
    offset, when the worker ended that run (its log line's time) and when the browser had drawn it. A run the app
    draws again (a commit landed meanwhile: app.webapp.redraw_if_moved) is waited for too — the page counts as
    drawn once it stays settled with no run logged after it. (Only the watcher's session is on that worker while
    this runs.)"""
    await go(watcher, "/")
    deadline = time.perf_counter() + TIMEOUT_MS / 1000
    while _overview_lines(log, offset) == 0:
        if time.perf_counter() > deadline:
            raise TimeoutError("the watcher's 总览 did not run again")
        await asyncio.sleep(0.02)
    while True:
        await watcher.wait_for_function(SETTLED, timeout=TIMEOUT_MS, polling=50)
        drawn, lines = time.time(), _overview_lines(log, offset)
        await asyncio.sleep(REDRAW_GRACE)
        if await watcher.evaluate(SETTLED) and _overview_lines(log, offset) == lines:
            end = _end(log)
            return end, overview_end(log, offset, end), drawn


def _overview_lines(log: Path, offset: int) -> int:
    """How many runs of 总览 the worker has logged past `offset` (whole lines)."""
    runs, _ = script_runs({"b": log}, {"b": offset})
    return sum(1 for _, page, _, _ in runs if page == "overview")


def overview_end(log: Path, start: int, end: int) -> float:
    """When the worker ended the last run of 总览 it logged between the two offsets, as a Unix time."""
    return _unix(OVERVIEW_LINE.findall(_read(log, start, end))[-1])


def _read(log: Path, start: int, end: int | None = None) -> str:
    with open(log, "rb") as f:
        f.seek(start)
        data = f.read() if end is None else f.read(end - start)
    return data.decode("utf-8", errors="replace")


def _unix(stamp: str) -> float:
    """A log line's local time as a Unix time."""
    return dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def commit_time(log: Path, offset: int, file_name: str) -> float | None:
    """When the upload service finished committing `file_name` (its log line past `offset`), as a Unix time."""
    for stamp, target in COMMIT_LINE.findall(_read(log, offset)):
        if target == file_name:
            return _unix(stamp)
    return None


async def _watch(watcher, log: Path, before: str) -> tuple[dict[str, float], str]:
    """Rerun the watcher's 总览 back to back until it differs from `before`: when that run was asked for (`started`),
    when the worker ended it (`served`), when the browser had drawn it (`shown`) and when the bench had read its
    text to tell (`read`), as Unix times; and that text. Reading the whole page's text is the bench's own check,
    not part of showing it."""
    main = watcher.get_by_test_id("stMain")
    offset, until = _end(log), time.time() + TIMEOUT_MS / 1000
    while time.time() < until:
        began = time.time()
        offset, served, drawn = await _overview_again(watcher, log, offset)
        if (text := await main.inner_text()) != before:
            return {"started": began, "served": served, "shown": drawn, "read": time.time()}, text
    raise TimeoutError("the upload never showed on the watcher's 总览")


def _end(log: Path) -> int:
    """The offset past the log's whole lines."""
    return script_runs({"b": log}, {})[1]["b"]


async def _text_once_settled(watcher, log: Path) -> str:
    """The watcher's 总览 run once more, after the commit and its warm-up: what the page shows with all of it."""
    await _overview_again(watcher, log, _end(log))
    return await watcher.get_by_test_id("stMain").inner_text()


async def _commit(uploader) -> None:
    await uploader.get_by_role("button", name="确认导入").click()
    await settle(uploader, ("text", f"已导入 {UPLOAD_ROWS} 行"))


MOMENTS = ("started", "served", "shown", "read")  # of the try's run that showed the upload (propagation)


async def propagation(
    url: str, logs: dict[str, Path], folder: Path, nice_browsers: bool, tries: int = 5
) -> dict:
    """Issue 23's "a 200-row upload committed in one process shows on another's overview within 2 s", timed: the
    office commits a 200-row upload on the first worker while a watcher signed in on the second reruns its 总览
    back to back, from before the commit until the page differs from what it showed before. Per try, counted from
    the commit (the upload service's log line on the first worker): `shown`, when the other worker's 总览 showing
    it was drawn — the goal's figure —, `served`, when that worker ended the run (the server's part; the rest is the
    browser drawing the page), `read`, when the bench had read the page's text that tells it so (its own check,
    after the drawing), and `started`, when the bench asked for that run (below 0: asked for before the commit; on a
    busy machine a run starts a while after the browser asks). `whole`: whether that page was the one drawn once
    all of the upload was in (a run that began before the commit can show part of it); a try that showed part
    first fails the goal, its time to show all of it not being timed."""
    from playwright.async_api import async_playwright

    uploader_at, watcher_at = list(logs)[:2]
    out: dict = {"uploads_on": uploader_at, "watched_on": watcher_at, "tries": [], "failed": []}
    async with async_playwright() as p:
        executable = niced_chromium(folder) if nice_browsers else CHROMIUM
        browser = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        pages = {}
        for at in (uploader_at, watcher_at):
            _, page = await new_page(browser, [{"name": AFFINITY, "value": at, "url": url}])
            await sign_in_form(page, url)
            await page.get_by_role("button", name="登录").click()
            await settle(page, ("heading", "领导驾驶舱"))
            pages[at] = page
        uploader, watcher = pages[uploader_at], pages[watcher_at]
        for attempt in range(tries):
            try:
                before = await watcher.get_by_test_id("stMain").inner_text()
                await go(uploader, "/phases")  # away and back: the upload page starts without the last file
                await settle(uploader, ("heading", "阶段"))
                await go(uploader, "/upload")
                await settle(uploader, ("heading", "上报数据"))
                file = folder / f"propagation-{attempt}.csv"
                file.write_bytes(propagation_file(attempt))
                await uploader.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
                    str(file)
                )
                await settle(uploader, ("text", "可导入的行"))
                offset = logs[uploader_at].stat().st_size
                async with asyncio.TaskGroup() as group:  # one failing cancels the other
                    watching = group.create_task(_watch(watcher, logs[watcher_at], before))
                    group.create_task(_commit(uploader))
                committed = commit_time(logs[uploader_at], offset, file.name)
                if committed is None:
                    raise RuntimeError(f"no commit of {file.name} in {uploader_at}'s log")
                moments, shown = watching.result()
                # A run that began before the commit can show part of it (a table read after the replica had the
                # rows, the head before): that try's page is compared with the page drawn once all is in.
                whole = shown == await _text_once_settled(watcher, logs[watcher_at])
                out["tries"].append(
                    {**{k: round(v - committed, 3) for k, v in moments.items()}, "whole": whole}
                )
            except Exception as exc:  # noqa: BLE001 — a failed try is a figure of the bench, not its end
                out["failed"].append(f"try {attempt}: {type(exc).__name__}: {str(exc)[:200]}")
        await browser.close()
    for key in MOMENTS:
        values = [one[key] for one in out["tries"]]
        if values:
            out[key] = {"median": round(statistics.median(values), 3), "max": round(max(values), 3)}
    return out


def propagation_lines(figures: dict) -> list[str]:
    """The goal is read on `shown`: the other worker's 总览 showing the upload, drawn, within 2 s of the commit."""
    started, served, shown, read = (figures.get(key) for key in MOMENTS)
    where = f"committed on {figures['uploads_on']}, seen on {figures['watched_on']}'s 总览"
    if not shown:
        return [f"propagation ({where}): every try failed — {'; '.join(figures['failed'])}"]
    partial = sum(1 for one in figures["tries"] if not one.get("whole", True))
    met = "met" if shown["max"] <= 2 and not figures["failed"] and not partial else "NOT met"
    return [
        f"propagation ({where}), {len(figures['tries'])} tries, seconds after the commit, median / max:"
        f" on screen {shown['median']:.2f} / {shown['max']:.2f}; that run was asked for"
        f" {started['median']:.2f} / {started['max']:.2f} (below 0: asked for before the commit)"
        + (f"; its run ended by the worker {served['median']:.2f} / {served['max']:.2f}" if served else "")
        + (f"; the page's text read by the bench {read['median']:.2f} / {read['max']:.2f}" if read else ""),
        f"goal: a 200-row upload shows on another worker's 总览 within 2 s — {met}"
        + (f" ({len(figures['failed'])} tries failed)" if figures["failed"] else "")
        + (
            f" ({partial} tries showed part of the upload first: when all of it showed is not timed)"
            if partial
            else ""
        ),
    ]


def run(sizes: list[int], nice_browsers: bool, count: int, tries: int = 0) -> tuple[dict, dict | None]:
    """The rounds' results, and with `tries` the propagation's figures (else None)."""
    # Ctrl+C's own handler even when started in the background (a shell hands SIGINT down ignored there):
    # asyncio.run cancels the walk through it.
    previous = {signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler)}
    previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, _as_ctrl_c)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-concurrent-pg-") as tmp:
            folder = Path(tmp)
            with demo_on_postgres() as url, served(url, count, folder) as (proxy, logs, warm_ups):
                results = asyncio.run(drive(proxy, logs, warm_ups, sizes, nice_browsers, folder, spread=True))
                # After the rounds: its uploads change the demo's figures that the rounds read.
                moved = asyncio.run(propagation(proxy, logs, folder, nice_browsers, tries)) if tries else None
                return results, moved
    except KeyboardInterrupt:
        raise SystemExit("interrupted: the workers and the proxy are stopped, the database dropped") from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def goals(results: dict, ratio: dict) -> dict:
    """Issue 23's goals: at N = 8 every page's server p95 ≤ 5 × its N = 1 median and a person's p95 wait ≤ 3 s on
    every page after sign-in; at N = 16 nothing fails."""
    out = {}
    if 8 in results and 8 in ratio:
        eight = results[8]
        served_pages = ratio[8]["server"].values()
        out["n8_server_p95_within_5x"] = bool(served_pages) and all(r["p95"] <= 5 for r in served_pages)
        # A session that failed at N = 8 waited past the bench's patience: it counts against the wait goal.
        out["n8_wait_p95_within_3s"] = not eight["failed"] and all(
            eight["wait"][step]["p95"] <= 3 for step in AFTER_SIGNIN if step in eight["wait"]
        )
    if 16 in results:
        out["n16_none_failed"] = not results[16]["failed"]
    return out


def goal_lines(results: dict, ratio: dict, verdict: dict) -> list[str]:
    def met(key: str) -> str:
        return "met" if verdict[key] else "NOT met"

    lines = []
    if "n8_server_p95_within_5x" in verdict:
        worst = max(ratio[8]["server"].items(), key=lambda kv: kv[1]["p95"], default=("-", {"p95": 0}))
        lines.append(
            f"goal N=8: every page's server p95 ≤ 5 × its N=1 median — {met('n8_server_p95_within_5x')}"
            f" (worst {worst[0]} {worst[1]['p95']:.2f} ×)"
        )
        waits = {s: results[8]["wait"][s]["p95"] for s in AFTER_SIGNIN if s in results[8]["wait"]}
        slowest = max(waits.items(), key=lambda kv: kv[1], default=("-", 0.0))
        lines.append(
            f"goal N=8: a person's p95 wait ≤ 3 s on every page after sign-in ({', '.join(AFTER_SIGNIN)})"
            f" — {met('n8_wait_p95_within_3s')} (slowest {slowest[0]} {slowest[1]:.2f} s,"
            f" {len(results[8]['failed'])} failed)"
        )
    if "n16_none_failed" in verdict:
        lines.append(
            f"goal N=16: nothing fails — {met('n16_none_failed')} ({len(results[16]['failed'])} failed)"
        )
    return lines


def lines(results: dict, ratio: dict, verdict: dict, moved: dict | None) -> list[str]:
    """What this mode prints below the table: the spread over the workers, the goals, the propagation."""
    return (
        spread_lines(results)
        + goal_lines(results, ratio, verdict)
        + (propagation_lines(moved) if moved else [])
    )


def spread_lines(results: dict) -> list[str]:
    """Per N, the sessions and script runs each worker served (from its log)."""
    return [
        f"N={n} over the workers: "
        + ", ".join(f"{name} {w['sessions']} sessions / {w['runs']} runs" for name, w in r["workers"].items())
        for n, r in results.items()
    ]
