"""Streamlit entry point: the page frame (title, language, as-of date, demo banner) and the Chinese
navigation over pages/. Every page reads from tracker/ and draws; nothing else happens here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

import tracker.strings.office  # noqa: F401 — registers the office pages' titles with t()
from tracker import webapp
from tracker.strings.ui import LANGS, demo_banner, t

HERE = Path(__file__).resolve().parent

# Every page, as data, in menu order. A login feature filters this list per role before navigation().
PAGES: list[dict] = [
    {"section": "nav_monitor", "path": "pages/overview.py", "title": "page_overview", "icon": ":material/dashboard:", "url": "overview", "default": True},
    {"section": "nav_monitor", "path": "pages/item.py", "title": "page_item", "icon": ":material/fact_check:", "url": "item"},
    {"section": "nav_monitor", "path": "pages/unit.py", "title": "page_unit", "icon": ":material/apartment:", "url": "unit"},
    {"section": "nav_monitor", "path": "pages/phases.py", "title": "page_phases", "icon": ":material/timeline:", "url": "phases"},
    {"section": "nav_report", "path": "pages/upload.py", "title": "page_upload", "icon": ":material/upload_file:", "url": "upload"},
    {"section": "nav_report", "path": "pages/submissions.py", "title": "page_submissions", "icon": ":material/history:", "url": "submissions"},
    {"section": "nav_office", "path": "pages/late.py", "title": "page_late", "icon": ":material/schedule:", "url": "late", "roles": ("admin", "leader")},
    {"section": "nav_office", "path": "pages/tasks.py", "title": "page_tasks", "icon": ":material/assignment:", "url": "tasks", "roles": ("admin", "reporter", "leader")},
    {"section": "nav_office", "path": "pages/acceptance.py", "title": "page_acceptance", "icon": ":material/verified:", "url": "acceptance", "roles": ("admin", "leader")},
    {"section": "nav_office", "path": "pages/reports.py", "title": "page_reports", "icon": ":material/summarize:", "url": "reports", "roles": ("admin", "leader")},
]  # fmt: skip


def navigation(pages: list[dict]):
    """st.navigation over the pages whose file exists, grouped by section, titles in the chosen language."""
    sections: dict[str, list] = {}
    for page in pages:
        if not (HERE / page["path"]).is_file():
            continue
        sections.setdefault(t(page["section"]), []).append(
            st.Page(
                page["path"],
                title=t(page["title"]),
                icon=page["icon"],
                url_path=page["url"],
                default=page.get("default", False),
            )
        )
    return st.navigation(sections)


st.set_page_config(page_title=t("app_title"), page_icon=":material/health_and_safety:", layout="wide")
st.sidebar.radio(t("lang_label"), list(LANGS), format_func=LANGS.get, key="lang", horizontal=True)
page = navigation(PAGES)
st.sidebar.date_input(
    t("as_of_label"),
    value=dt.date.today(),
    min_value=dt.date(2020, 1, 1),
    max_value=dt.date.today() + dt.timedelta(days=3 * 366),
    key="as_of",
    help=t("as_of_help"),
    bind="query-params",
)
st.sidebar.caption(t("app_title"))
if webapp.is_demo():
    st.info(demo_banner(), icon=":material/science:")
page.run()
