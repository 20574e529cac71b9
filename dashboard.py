"""Streamlit entry point: the page frame (language, as-of date, who is signed in, demo banner) and the
Chinese navigation over pages/, built per role from app.navigation. Nothing else happens here."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path
from typing import NoReturn

import streamlit as st

from app import navigation, session, state, webapp, widget_words
from tracker import db, logs, stored
from tracker.strings.ui import LANGS, demo_banner, t

HERE = Path(__file__).resolve().parent


def menu(pages: list[dict]):
    """st.navigation over the given pages, grouped by section, titles in the chosen language; returns the
    page to run and its url name (the default page's url_path is "", the log wants its name)."""
    sections: dict[str, list] = {}
    home = next((p for p in pages if p.get("default")), pages[0])  # the role's landing page (app.navigation)
    urls: dict[int, str] = {}
    for entry in pages:
        page = st.Page(
            entry["path"],
            title=navigation.label(entry["title"]),
            icon=entry["icon"],
            url_path=entry["url"],
            default=entry is home,
            visibility="hidden" if entry.get("hidden") else "visible",
        )
        urls[id(page)] = entry["url"]
        sections.setdefault(navigation.label(entry["section"]), []).append(page)
    chosen = st.navigation(sections, expanded=True)
    return chosen, urls[id(chosen)]


def failed_start(reason: str) -> NoReturn:
    """The app could not start: every page's address (a deep link too) shows why, with no menu. Without this
    navigation Streamlit would list pages/' file names in the sidebar under its bare error."""

    def why():
        st.header(t("start_failed"))
        st.error(reason)
        st.caption(t("start_failed_hint"))

    stopped(why, t("start_failed"))


def unreachable(exc: db.Unavailable) -> NoReturn:
    """The database went away after the start (PostgreSQL restarting): every page says so, and the next run, once
    it is back, shows the page again in the same session."""

    def why():
        st.header(t("db_unreachable_title"))
        webapp.unreachable(exc)

    stopped(why, t("db_unreachable_title"))


def stopped(why, title: str) -> NoReturn:
    """`why` in place of every page (by its address), with no menu."""
    pages = [
        st.Page(why, title=title, url_path=entry["url"], default=entry is navigation.PAGES[0])
        for entry in navigation.PAGES
    ]
    st.navigation(pages, position="hidden").run()
    st.stop()


# The page icon from a file of ours: a `:material/…:` icon makes the browser fetch it from fonts.gstatic.com,
# which an office network may not reach (the icons in the menu use the font Streamlit serves itself).
FAVICON = Path(__file__).with_name("app") / "favicon.png"
started = time.perf_counter()
st.set_page_config(page_title=t("app_title"), page_icon=str(FAVICON), layout="wide")
# Before anything that can fail: a failed start is told in the language chosen here.
st.sidebar.radio(t("lang_label"), list(LANGS), format_func=LANGS.get, key="lang", horizontal=True)
try:
    webapp.cursor()  # opens the database: demo data and the first administrator on a new one
    actor = session.current_actor()
    demo = stored.is_demo(webapp.cursor())
except webapp.StartFailed as exc:
    failed_start(str(exc))
except db.Unavailable as exc:
    unreachable(exc)
except Exception:  # a bug: as on a page, an id here and the traceback in the log
    failed_start(t("unexpected_error", id=logs.unexpected(logging.getLogger("tracker.app"), "start")))
page, page_name = menu(session.visible(actor))
widget_words.frame()
if actor is not None:
    st.sidebar.date_input(
        t("as_of_label"),
        value=dt.date.today(),
        min_value=dt.date(2020, 1, 1),
        max_value=dt.date.today() + dt.timedelta(days=3 * 366),
        key="as_of",
        help=t("as_of_help"),
        bind="query-params",
    )
    unit = t("signed_in_unit", unit=actor.unit) if actor.unit else ""
    # Plain text, never Markdown: an account name is shown as typed.
    st.sidebar.text(t("signed_in_as", name=actor.name, role=t(f"role.{actor.role}"), unit=unit))
    if st.sidebar.button(t("logout_button"), icon=":material/logout:"):
        session.logout()
        st.rerun()
st.sidebar.caption(t("app_title"))
with st.sidebar:
    session.hand_over_cookie()  # after a sign-in: the browser fetches its session cookie
    state.enter_applies_dates()
if demo:
    st.info(demo_banner(), icon=":material/science:")
try:
    page.run()
    webapp.redraw_if_moved()
except db.Unavailable as exc:
    webapp.unreachable(exc)
except Exception:  # a bug: a short message with an id here, the traceback in the log under that id
    st.error(
        t("unexpected_error", id=logs.unexpected(logging.getLogger("tracker.app"), f"page {page.url_path}"))
    )
finally:  # st.stop and st.rerun end a run too (they are not Exceptions)
    webapp.log_script_run(page_name, started)
