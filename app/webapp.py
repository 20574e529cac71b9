"""What every Streamlit page shares: the one DuckDB connection, a cursor per script run, cached
evaluations (cleared when a commit lands), the demo campaign in demo mode only (TRACKER_DEMO=1, `make run`:
an empty demo file is filled; a real database is never), and the language switch."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import threading
import time

import duckdb
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from app import cli_route
from tracker import bootstrap, db, logs, stored
from tracker.access import audit, keys
from tracker.access.users import AccountError
from tracker.catalogue import Catalogue, catalogue
from tracker.config import ROOT, db_path, demo_mode, is_real_default, pg_url, shown_url
from tracker.engine.evaluate import Evaluation, evaluate, readiness_history
from tracker.pg import computed
from tracker.strings.ui import t


class StartFailed(Exception):
    """The app cannot start on its settings (a refused TRACKER_ADMIN_PASSWORD, a file that is no database): the
    reason, in the language of the page that asked; dashboard.py shows it in place of every page."""


START_LOG = logging.getLogger("tracker.app.start")


def _unusable(path: str, exc: Exception) -> StartFailed:
    """Why the database could not be opened, in the page's language (the details go to the log)."""
    START_LOG.error("cannot open %s: %s", shown_url(path), exc)
    if isinstance(exc, db.Unavailable):  # PostgreSQL down or restarting: the next run tries again
        return StartFailed(t("db_unreachable"))
    message = str(exc)
    if "lock" in message.lower():
        return StartFailed(t("start_db_busy"))
    return StartFailed(t("start_db_not_duckdb" if "not a valid" in message else "start_db_unusable"))


@st.cache_resource(show_spinner=False)
def _connection(path: str):
    """One connection per process: DuckDB lets one process hold the file. The command line sends its commands
    here meanwhile (app/cli_route.py). On PostgreSQL (TRACKER_DB=postgresql://…): the process's replica and pool,
    and the command line opens the database itself.
    Raises StartFailed (not cached: the next run tries again)."""
    logs.setup(path, stderr_level="INFO")
    try:
        con, one_time, demo_refused = bootstrap.start_app(
            path, demo=demo_mode() and not is_real_default(path)
        )
    except AccountError as exc:  # a weak TRACKER_ADMIN_PASSWORD: the message names the setting
        START_LOG.error("first administrator refused: %s", exc)
        raise StartFailed(str(exc)) from None
    except (duckdb.Error, OSError) as exc:
        raise _unusable(path, exc) from None
    if one_time:  # printed once, on the server's console: the office changes it at first login
        print(t("first_admin_password", password=one_time), flush=True)
    if demo_refused:  # real submissions in the file: show them, say so on the console
        print(demo_refused, flush=True)
    if pg_url(path) is None:  # on PostgreSQL the command line opens the database itself
        cli_route.serve(con, path)
    return con


def unreachable(exc: db.Unavailable) -> None:
    """Say, where the page was, that the database cannot be reached (PostgreSQL restarting or down) — not an
    error id: nothing is wrong with the app, and the next run may succeed. One line in the log, no traceback."""
    START_LOG.warning("the database cannot be reached: %s", exc)
    st.warning(t("db_unreachable"), icon=":material/cloud_off:")
    st.caption(t("db_unreachable_hint"))


def _database() -> str:
    """TRACKER_DB's PostgreSQL URL as written (a Path would fold its `//`), else the DuckDB file's path."""
    return pg_url() or str(db_path())


def cursor():
    """A cursor for this script run (cursors are cheap; connections are not shared across threads)."""
    return _connection(_database()).cursor()


def cat() -> Catalogue:
    return catalogue()


# Shared by every session, not copied per session: st.cache_resource hands each caller the same object (st.cache_data
# would unpickle a copy per hit), and its lock per key lets one session compute while the others at the same
# generation and date wait for that result. Nobody changes an Evaluation after it is made. No spinner: a
# decorator's text is fixed at import (it could not follow the language).
@st.cache_resource(ttl=600, max_entries=64, show_spinner=False)
def cached_evaluation(as_of: dt.date, marks: tuple, known_at: dt.datetime | None = None) -> Evaluation:
    """The verdict as of the date (tracker.engine.evaluate.evaluate: inspections' vetoes included); known_at: as
    known at that moment (the overview's 较上月: last month's end as known then). `marks`: of the data it reads."""
    return once_for_all(
        ("evaluation", as_of, known_at, marks), lambda: evaluate(cursor(), as_of, known_at=known_at)
    )


@st.cache_resource(ttl=600, max_entries=16, show_spinner=False)
def cached_history(dates: tuple[dt.date, ...], known_then: bool, marks: tuple):
    return once_for_all(
        ("history", dates, known_then, marks),
        lambda: readiness_history(cursor(), list(dates), known_then=known_then),
    )


def once_for_all(what: tuple, compute):
    """On PostgreSQL, computed by the first app process to ask and read by the others (tracker.pg.computed): after
    a write every worker needs the same evaluation, history and tables. `what` names the result and the data it is
    computed from (data_marks()). On a DuckDB file, one process: computed here."""
    con = _connection(_database())
    if not db.shared(con):
        return compute()
    try:
        secret = keys.of(con)
    except keys.KeyMissing:  # nothing to sign with: nothing shared
        return compute()
    key = hashlib.sha256(repr((_code_mark(), what)).encode("utf-8")).hexdigest()
    return computed.once(con.store, f"{what[0]}:{key}", compute, secret)


@functools.cache
def _code_mark() -> str:
    """The tracker's code and catalogue as this process read them: what another version computed (two versions on
    one database during an upgrade) is never read as this one's."""
    digest = hashlib.sha256()
    for path in sorted(p for folder in ("tracker", "indicators") for p in (ROOT / folder).rglob("*")
                       if p.suffix in (".py", ".yaml")):  # fmt: skip
        digest.update(path.read_bytes())
    return digest.hexdigest()


_this_run = threading.local()  # what this script run has read (each run has its own thread)


def _read_this_run() -> dict | None:
    """What this script run has read so far, by key; None outside a run. The run's context gets a fresh `cursors`
    dict at every run and rerun, which tells this run from the last."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    if getattr(_this_run, "run", None) is not ctx.cursors:
        _this_run.run, _this_run.values = ctx.cursors, {}
    return _this_run.values


def _once_per_run(key, read):
    """`read()` once per script run and key (a page asks for the same marks a dozen times); outside a run, every
    time."""
    values = _read_this_run()
    if values is None:
        return read()
    if key not in values:
        values[key] = read()
    return values[key]


def data_marks() -> tuple:
    """Change whenever something that can change a status is written (tracker.stored.VERDICT_SQL), so cached
    evaluations are keyed to the data they saw.

    The file's path too: two copies of one database (a restored backup beside it, the tests' demo copies) must not
    share what is cached for the other. On PostgreSQL the signature is read in the replica, polled first: a write in
    another process changes it once the replica has reloaded (at the next read after its NOTIFY, tracker.pg.replica)."""
    return _once_per_run("generation", _marks_now)


def _marks_now() -> tuple:
    return (_database(), *stored.signature(cursor(), stored.VERDICT_SQL))


def moved_since_read() -> bool:
    """Whether the data changed since this script run read its generation (data_marks): a commit landed while the
    page was drawn, so parts of it may show the data before the commit and parts after. False when the run read
    none (nothing it showed is keyed to it) or wrote itself (cached.after_write: it read the marks again)."""
    read = (_read_this_run() or {}).get("generation")
    return read is not None and read != _marks_now()


# Session state: how many times in a row redraw_if_moved has drawn the page again.
_REDRAWN = "_tracker_redrawn"
REDRAWS = 3  # an upload is two writes (its file kept, then its rows): a page may meet both, and one more


def redraw_if_moved() -> None:
    """At the end of a page's run: draw it again when a commit landed meanwhile (moved_since_read), so that what it
    read before the commit and after is never left side by side. At most REDRAWS times in a row: then the run
    shows what it read, however many writes go on landing (they cannot hold a page back)."""
    redrawn = st.session_state.pop(_REDRAWN, 0)
    if redrawn < REDRAWS and moved_since_read():
        st.session_state[_REDRAWN] = redrawn + 1
        st.rerun()


def data_generation() -> int:
    """data_marks() as one number, for the caches' keys."""
    return hash(data_marks())


def _known_marks(known_at: dt.datetime) -> tuple:
    """What was known by a past moment (tracker.stored.KNOWN_BY): later writes leave it as it was."""
    return _once_per_run(
        ("known", known_at), lambda: ("known_by", _database(), *stored.known_by(cursor(), known_at))
    )


def evaluation(as_of: dt.date, known_at: dt.datetime | None = None) -> Evaluation:
    if known_at is not None and known_at < dt.datetime.now():
        # As known at a past moment: keyed to what was known then, it survives later writes — after a write, a
        # worker computes one evaluation, not two.
        return cached_evaluation(as_of, _known_marks(known_at), known_at)
    return cached_evaluation(as_of, data_marks(), known_at)


def history(dates, known_then: bool = False) -> object:
    """Readiness at each date; known_then: each date as known at its end (later corrections left out)."""
    return cached_history(tuple(dates), known_then, data_marks())


def clear_caches() -> None:
    """Call after a commit: dashboards must show the new figures (the rest of this run included)."""
    _this_run.__dict__.clear()
    cached_evaluation.clear()
    cached_history.clear()


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def _cached_chain(path: str, signature: tuple):
    return audit.verify(cursor())


RUN_LOG = logging.getLogger("tracker.app.run")


def log_script_run(page: str, started: float) -> None:
    """One line per script run, at INFO in the app's log: the page, how long the server worked on it, and a short
    hash of the browser session (never a name). bench/concurrent.py reads these lines back."""
    ctx = get_script_run_ctx()
    who = hashlib.sha256(ctx.session_id.encode()).hexdigest()[:10] if ctx else "-"
    RUN_LOG.info(
        "script_run page=%s duration_ms=%.1f session=%s", page, (time.perf_counter() - started) * 1000, who
    )


def audit_chain():
    """Whether the audit log's hash chain is whole (tracker.access.audit.verify), walked again only when the log
    changed: the walk costs about 2 s per 100 000 entries (measured), the signature nothing."""
    return _cached_chain(_database(), stored.signature(cursor(), stored.AUDIT_SQL))
