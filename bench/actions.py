"""The saves one person waits for, on a fresh copy of the demo (issue 24, finding 10): each action first through
the service the page calls (tracker/...), then as the page does it — the click's script run in AppTest, which
holds the service, what the page does after the write, and the rerun that shows the result.

    .venv/bin/python -m bench.actions --tries 10

Every try starts from its own copy of one demo database (so each 核实 finds the same pending answer, each 文号 is
new); the page is opened first (its figures cached, as for the person who reads it before clicking), then only the
click is timed. The baseline in the same run: one evaluation of the demo (E), what a page's first read costs;
each figure is also printed over E.
The last line is one JSON object: {"E_s", "<action>": {"service_p50", "service_p95", "page_p50", "page_p95"}, …}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # its "no runtime" warnings, once per cached call

from bench.common import report
from tracker import bootstrap
from tracker.access.auth import Actor
from tracker.config import ROOT
from tracker.demo import load_demo

TODAY = dt.date.today()  # the demo loaded as of today: the pages offer their saves on today only
PASSWORD = "bench-office-secret-1"
OFFICE = Actor("admin", "admin")
UNIT = "城管执法局"
CSV = (ROOT / "tests" / "fixtures" / "gbk_title_fullwidth.csv").read_bytes()  # a reporter's GBK file


def _photo() -> bytes:
    """A real JPEG (the page draws it): 1280×960 of noise, about the size of a phone's photo shrunk."""
    from PIL import Image

    out = io.BytesIO()
    Image.frombytes("RGB", (1280, 960), os.urandom(1280 * 960 * 3)).save(out, "JPEG", quality=70)
    return out.getvalue()


PHOTO = _photo()
FINDING = 0  # the demo's open finding, and a pending 「是」 (metric, period): read from the demo in main()
VERIFY = ("", "")


def percentile(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---------------------------------------------------------------- the services, as the pages call them


def service_actions() -> dict[str, Callable]:
    from tracker.ingest.uploads import upload
    from tracker.inspections import findings
    from tracker.office import tasks, verification
    from tracker.reports import briefing_issue

    def preview(con, n):
        upload(con, OFFICE, "a.csv", CSV, unit=UNIT, dry_run=True)

    def commit(con, n):
        upload(con, OFFICE, "a.csv", CSV, unit=UNIT)

    def verify(con, n):
        verification.verify(con, *VERIFY, OFFICE, "现场检查记录")

    def open_task(con, n):
        tasks.open_task(con, OFFICE, "2.2", "整改说明", TODAY + dt.timedelta(days=30))

    def issue(con, n):
        briefing_issue.issue(con, OFFICE, TODAY, f"扎创卫办〔2026〕{n + 1}号", "3")

    def answer(con, n):
        findings.answer_finding(con, OFFICE, FINDING, "已整改", photo=(PHOTO, "整改.jpg"))

    return {
        "upload_preview": preview,
        "upload_commit": commit,
        "verify": verify,
        "open_task": open_task,
        "issue": issue,
        "finding_answer": answer,
    }


# ---------------------------------------------------------------- the pages: open, fill in, time the click


def open_page(page: str, query: dict | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    at.session_state["actor"] = OFFICE
    at.session_state["as_of"] = TODAY
    at.run()
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(page).run()
    if at.exception:
        raise SystemExit(f"{page} failed: {[e.value for e in at.exception]}")
    return at


def button(at, key: str):
    return next(b for b in at.button if b.key == key)


def page_upload_preview(n):
    at = open_page("pages/upload.py")
    at.selectbox(key="upload_unit").set_value(UNIT).run()
    return lambda: at.file_uploader(key="upload_file").upload("a.csv", CSV, "text/csv").run()


def page_upload_commit(n):
    at = open_page("pages/upload.py")
    at.selectbox(key="upload_unit").set_value(UNIT).run()
    at.file_uploader(key="upload_file").upload("a.csv", CSV, "text/csv").run()
    return lambda: button(at, "upload_commit").click().run()


def page_verify(n):
    from tracker.catalogue import catalogue

    at = open_page("pages/item.py", {"item": str(catalogue().metric(VERIFY[0]).item)})
    slug = VERIFY[0].replace(".", "_")
    at.text_input(key=f"verify_note_{slug}").input("现场检查记录")
    return lambda: button(at, f"verify_{slug}").click().run()


def page_open_task(n):
    at = open_page("pages/tasks.py")
    at.selectbox(key="tasks_new_metric").set_value("2.2")
    at.text_area(key="tasks_new_description").input("整改说明")
    return lambda: submit(at, "tasks_new_form")


def page_issue(n):
    at = open_page("pages/reports.py")
    _settle()  # the person reads the page and types the 文号 while its charts are drawn (cached.draw_briefing_charts)
    at.text_input(key="rep_number").input(f"扎创卫办〔2026〕{n + 1}号")
    at.text_input(key="rep_issue_no").input("3")
    return lambda: button(at, "rep_issue").click().run()


def page_answer(n):
    at = open_page("pages/inspections.py")
    at.selectbox(key="insp_pick").set_value(FINDING).run()
    at.text_area(key=f"insp_answer_note_{FINDING}").input("已整改")
    at.file_uploader(key=f"insp_answer_photo_{FINDING}").upload("整改.jpg", PHOTO, "image/jpeg")
    return lambda: submit(at, "insp_answer_")


def submit(at, form_prefix: str):
    """A form's submit button (its key is Streamlit's own: FormSubmitter:<form>-<label>)."""
    return next(b for b in at.button if str(b.key).startswith("FormSubmitter:" + form_prefix)).click().run()


PAGES = {
    "upload_preview": page_upload_preview,
    "upload_commit": page_upload_commit,
    "verify": page_verify,
    "open_task": page_open_task,
    "issue": page_issue,
    "finding_answer": page_answer,
}


# ---------------------------------------------------------------- the runs


def fresh_copy(demo: Path, folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    path = folder / "demo.duckdb"
    shutil.copy(demo, path)
    return path


def time_service(demo: Path, work: Path, name: str, action: Callable, tries: int) -> list[float]:
    times = []
    for n in range(tries):
        con = bootstrap.connect(fresh_copy(demo, work))
        start = time.perf_counter()
        action(con, n)
        times.append(time.perf_counter() - start)
        con.close()
    return times


def time_page(demo: Path, work: Path, name: str, tries: int) -> list[float]:
    import streamlit as st

    from app import webapp

    times = []
    for n in range(tries):
        path = fresh_copy(demo, work / f"{name}{n}")  # a path of its own: nothing cached from the last try
        os.environ["TRACKER_DB"] = str(path)
        webapp._connection.clear()
        webapp.clear_caches()
        st.cache_data.clear()
        click = PAGES[name](n)
        start = time.perf_counter()
        at = click()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise SystemExit(f"{name}: {[e.value for e in at.exception]}")
        _settle()
    webapp._connection.clear()
    return times


def _settle() -> None:
    """Wait for work the click left running in the background, so it is not charged to the next try."""
    from app import cached

    waiting = getattr(cached, "settle", None)
    if waiting is not None:
        waiting()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tries", type=int, default=10)
    parser.add_argument("--only", nargs="*", help="some of: " + " ".join(PAGES))
    parser.add_argument("--no-pages", action="store_true", help="the services only")
    args = parser.parse_args(argv)
    names = args.only or list(PAGES)
    with tempfile.TemporaryDirectory(prefix="bench-actions-") as tmp:
        tmp = Path(tmp)
        os.environ.setdefault("TRACKER_KEY", str(tmp / "tracker.key"))
        os.environ["TRACKER_ADMIN_PASSWORD"] = PASSWORD
        demo = tmp / "demo.duckdb"
        con = bootstrap.connect(demo)
        load_demo(con, today=TODAY)
        from tracker.access.users import ensure_admin
        from tracker.engine.evaluate import evaluate
        from tracker.inspections import findings
        from tracker.office import verification

        ensure_admin(con, PASSWORD)
        global FINDING, VERIFY
        found = findings.findings(con, TODAY)
        FINDING = int(found[found["status"] == "open"]["id"].iloc[0])
        pending = verification.pending_answers(con).iloc[0]
        VERIFY = (pending["metric"], pending["period_label"])
        e = statistics.median(_timed(lambda: evaluate(con, TODAY)) for _ in range(3))
        con.close()
        figures: dict = {"tries": args.tries, "E_s": round(e, 3)}
        services = service_actions()
        for name in names:
            row = {}
            times = time_service(demo, tmp / "work", name, services[name], args.tries)
            row["service_p50"], row["service_p95"] = percentile(times, 0.5), percentile(times, 0.95)
            if not args.no_pages:
                times = time_page(demo, tmp / "pages", name, args.tries)
                row["page_p50"], row["page_p95"] = percentile(times, 0.5), percentile(times, 0.95)
            figures[name] = {k: round(v, 2) for k, v in row.items()}
            shown = "  ".join(f"{k} {v:.2f}s ({v / e:.1f}E)" for k, v in row.items())
            print(f"{name:15} {shown}", file=sys.stderr, flush=True)
    report(figures)
    return figures


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
