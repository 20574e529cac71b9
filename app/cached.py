"""Cached reads for the pages: the figures of tracker.engine.views and friends, computed once per data generation
(on PostgreSQL once for every app process: webapp.once_for_all).

Keyed to webapp.data_generation(), like app.webapp's evaluations: a commit changes the key, so a page never
shows figures older than the data; entries expire after ttl and are capped at max_entries.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from app import webapp
from tracker import db, logs
from tracker.engine import catalogue_versions, figures, progress, views
from tracker.engine.evaluate import Evaluation
from tracker.inspections import findings as inspection_findings
from tracker.office import completeness, verification
from tracker.reports.briefing import model
from tracker.strings.ui import lang


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _cached_obligations(as_of: dt.date, generation: int) -> pd.DataFrame:
    return webapp.once_for_all(
        ("obligations", as_of, webapp.data_marks()),
        lambda: completeness.obligations(
            webapp.cursor(), as_of, cat=webapp.cat(), per_area=True, current=True
        ),
    )


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _cached_unit_timeliness(as_of: dt.date, generation: int) -> pd.DataFrame:
    return webapp.once_for_all(
        ("unit_timeliness", as_of, webapp.data_marks()),
        lambda: completeness.by_unit(webapp.cursor(), as_of, cat=webapp.cat()),
    )


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _cached_phase_matrix(as_of: dt.date, known_then: bool, generation: int) -> pd.DataFrame:
    return webapp.once_for_all(
        ("phase_matrix", as_of, known_then, webapp.data_marks()),
        lambda: views.phase_matrix(webapp.cursor(), webapp.cat(), as_of, known_then),
    )


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _cached_metric_history(metrics: tuple[str, ...], as_of: dt.date, generation: int) -> pd.DataFrame:
    return views.metric_history(webapp.cursor(), metrics, as_of)


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _cached_progress(as_of: dt.date, generation: int) -> pd.DataFrame:
    return webapp.once_for_all(
        ("progress", as_of, webapp.data_marks()),
        lambda: progress.progress_table(webapp.cursor(), webapp.evaluation(as_of), webapp.cat()),
    )


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _cached_other_figures(metrics: tuple[str, ...], as_of: dt.date, generation: int) -> pd.DataFrame:
    return figures.other_figures(webapp.cursor(), list(metrics), as_of, cat=webapp.cat())


def other_figures(metrics: Sequence[str], as_of: dt.date) -> pd.DataFrame:
    """figures.other_figures: other listed units' figures beside the ones that count."""
    return _cached_other_figures(tuple(metrics), as_of, webapp.data_generation())


def obligations(as_of: dt.date) -> pd.DataFrame:
    """completeness.obligations area by area, the period under way included (the unit page's due and late)."""
    return _cached_obligations(as_of, webapp.data_generation())


def ranking(ev: Evaluation, as_of: dt.date) -> pd.DataFrame:
    """completeness.ranking of the units, their timeliness from completeness.by_unit as of the date; computed
    once per evaluation, so once per data generation and date for every session."""
    generation = webapp.data_generation()
    return ev.derived(
        ("ranking", as_of, generation),
        lambda: completeness.ranking(ev, _cached_unit_timeliness(as_of, generation), webapp.cat()),
    )


def phase_matrix(as_of: dt.date, known_then: bool = False) -> pd.DataFrame:
    return _cached_phase_matrix(as_of, known_then, webapp.data_generation())


def metric_history(metrics: Sequence[str], as_of: dt.date) -> pd.DataFrame:
    return _cached_metric_history(tuple(metrics), as_of, webapp.data_generation())


def progress_table(as_of: dt.date) -> pd.DataFrame:
    return _cached_progress(as_of, webapp.data_generation())


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _cached_verifications(metrics: tuple[str, ...], generation: int) -> pd.DataFrame:
    return verification.verifications(webapp.cursor(), metrics, webapp.cat())


def verifications(metrics: Sequence[str]) -> pd.DataFrame:
    """verification.verifications: who verified which answer of these checklist metrics (the item page's history,
    one query for the item's metrics)."""
    return _cached_verifications(tuple(metrics), webapp.data_generation())


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _cached_pending_answers(metrics: tuple[str, ...], generation: int) -> pd.DataFrame:
    return verification.pending_answers(webapp.cursor(), metrics, webapp.cat())


def pending_answers(metrics: Sequence[str]) -> pd.DataFrame:
    """verification.pending_answers of these checklist metrics (the item page's 核实 buttons, one query per item)."""
    return _cached_pending_answers(tuple(metrics), webapp.data_generation())


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _cached_rule_changes(generation: int) -> dict[str, dt.date]:
    return catalogue_versions.last_changed(webapp.cursor())


def rule_changes() -> dict[str, dt.date]:
    """catalogue_versions.last_changed: metric → the day its rule last changed (the item page)."""
    return _cached_rule_changes(webapp.data_generation())


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _cached_findings(as_of: dt.date, generation: int) -> pd.DataFrame:
    return inspection_findings.findings(webapp.cursor(), as_of)


def findings(as_of: dt.date) -> pd.DataFrame:
    """inspections.findings as of the date (the overview's count), read once per data generation: every finding
    recorded or stepped writes a finding_event, which the generation counts (sites' and rounds' names never change)."""
    return _cached_findings(as_of, webapp.data_generation())


def submissions(unit: str, as_of: dt.date) -> pd.DataFrame:
    return views.unit_submissions(webapp.cursor(), unit, as_of)


@st.cache_resource(ttl=600, max_entries=128, show_spinner=False)
def _shared_figure(name: str, key: tuple, generation: int, language: str, _build) -> go.Figure:
    return _build()


def figure(name: str, key: tuple, build: Callable[[], go.Figure]) -> go.Figure:
    """A chart that is the same for every session at this data generation and language, given `key` (everything
    else it is drawn from: the date, a toggle): built by `build` once and handed to every session as it is, so
    nobody may change it afterwards. Building a plotly figure costs more than the data behind it."""
    return _shared_figure(name, key, webapp.data_generation(), lang(), build)


def warm(as_of: dt.date) -> None:
    """Compute what the overview, 指标, 责任单位 and 阶段 pages read first, for the data's generation as it is now and
    the date given, as known now. Called by the session that committed, right after its commit: otherwise the first
    reader of each page computes it while the others at the new generation wait for that reader."""
    cat = webapp.cat()
    ev = webapp.evaluation(as_of)
    before = views.last_month_end(as_of)
    webapp.evaluation(before, views.end_of(before))  # the overview's 较上月
    webapp.history(views.trend_dates(cat, as_of))
    phase_matrix(as_of)
    progress_table(as_of)
    ranking(ev, as_of)
    obligations(as_of)


WARM_THREAD = "tracker-warm"
DRAW_THREAD = "tracker-draw-charts"
_warming: list[threading.Thread] = []  # the background work started, so that settle() can wait for it


def after_write(as_of: dt.date) -> None:
    """After a write that can change a status (an upload, a check, a chosen figure, an inspection's step): forget
    what was cached. The page that follows computes what it shows; the rest of the new generation's pages (warm)
    is computed by a background thread once that page is drawn, so the person who wrote waits for their own page
    only, and the next reader of the overview still finds it ready."""
    webapp.clear_caches()
    ctx = get_script_run_ctx()
    # The writing run's thread runs the rerun too (st.rerun), then ends: the warm-up waits for it.
    writer = threading.current_thread() if ctx is not None else None
    _start(lambda: _warm_after(writer, as_of), WARM_THREAD)


def _start(work: Callable[[], None], name: str) -> None:
    """Run `work` on a thread of its own, under this script run's context, kept for settle()."""
    # Not a daemon (a thread started by a daemon one inherits it): the interpreter waits for it at exit. A daemon
    # thread stopped inside DuckDB at exit aborts the process (「terminate called … FATAL: exception not
    # rethrown」, seen at the end of a test run).
    thread = threading.Thread(target=work, name=name, daemon=False)
    ctx = get_script_run_ctx()
    if ctx is not None:
        add_script_run_ctx(thread, ctx)  # Streamlit's caches want a script's context: the caller's serves
    _warming[:] = [t for t in _warming if t.is_alive()] + [thread]
    thread.start()


def _warm_after(writer: threading.Thread | None, as_of: dt.date) -> None:
    if writer is not None:
        writer.join()
    _warm_quietly(as_of)


def _warm_quietly(as_of: dt.date) -> None:
    try:
        warm(as_of)
    except StopException:
        # The writer's session went on to another run while this waited for a value another thread computes
        # (Streamlit stops a run's threads then): that thread computes it, the first reader the rest.
        pass
    except db.Unavailable as exc:  # PostgreSQL restarting: the first reader computes it, or is told so
        logging.getLogger("tracker.app").warning(
            "warm-up after a write: the database cannot be reached: %s", exc
        )
    except Exception:  # nobody waits for it: the first reader computes what is missing
        logs.unexpected(logging.getLogger("tracker.app"), "warm-up after a write")


def settle() -> None:
    """Wait for the background work started so far (tests, benchmarks)."""
    for thread in list(_warming):
        thread.join()


def briefing_evaluation(as_of: dt.date, known_then: bool) -> tuple[Evaluation, pd.DataFrame]:
    """The evaluation and readiness history the briefing is built from (briefing.model.build's evaluation and
    history), the shared ones of this data generation."""
    known_at = views.end_of(as_of) if known_then else None
    dates = model.history_dates(webapp.cat(), as_of)
    history = webapp.history(dates, known_then) if dates else pd.DataFrame()  # before the campaign: none
    return webapp.evaluation(as_of, known_at), history


@st.cache_resource(ttl=600, max_entries=16, show_spinner=False)
def _cached_briefing(as_of: dt.date, known_then: bool, generation: int) -> model.Briefing:
    ev, history = briefing_evaluation(as_of, known_then)
    return model.build(
        webapp.cursor(), as_of, charts=False, known_then=known_then, evaluation=ev, history=history
    )


def briefing(as_of: dt.date, known_then: bool) -> model.Briefing:
    """briefing.model.build without charts (the 通报 page's summary), once per data generation, date and
    known_then; shared by every session, nobody changes it."""
    return _cached_briefing(as_of, known_then, webapp.data_generation())


class _NotDrawn(Exception):
    """The charts could not be drawn (no kaleido, no browser): not cached, the next request tries again."""


@st.cache_resource(ttl=600, max_entries=16, show_spinner=False)
def _cached_charts(as_of: dt.date, known_then: bool, generation: int) -> list[tuple[str, bytes]]:
    charts, why = model.render_charts(_cached_briefing(as_of, known_then, generation))
    if why is not None:
        raise _NotDrawn(why)
    return charts


def briefing_charts(as_of: dt.date, known_then: bool) -> model.Rendered:
    """briefing.model.render_charts of the shared briefing: the 通报's charts as PNG, drawn once per data
    generation, date and known_then (they show nothing else), or none and why."""
    try:
        return _cached_charts(as_of, known_then, webapp.data_generation()), None
    except _NotDrawn as exc:
        return [], str(exc)


def draw_briefing_charts(as_of: dt.date, known_then: bool) -> None:
    """Draw the 通报's charts on a background thread while the person reads the page and types the 文号: 印发并存档
    then lays out the document without waiting for the chart browser (0.8–2 s measured on the demo). A click
    that comes first waits for this drawing (the cache's lock per key), never draws twice."""
    generation = webapp.data_generation()  # this run's: the charts of the figures the page shows

    def draw() -> None:
        try:
            _cached_charts(as_of, known_then, generation)
        except _NotDrawn:  # the click says why, in the document's note
            pass
        except Exception:  # nobody waits for it: the click draws what is missing
            logs.unexpected(logging.getLogger("tracker.app"), "drawing the briefing's charts")

    _start(draw, DRAW_THREAD)
