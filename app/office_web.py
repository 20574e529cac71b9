"""What the office's pages share: the signed-in user, the as-of date, the language, and the documents built on click.

Pages stay thin: they call these and tracker's services, and draw."""

from __future__ import annotations

import datetime as dt

from app import webapp
from app.state import as_of
from tracker.office import briefing, national_form
from tracker.strings.office import page_text
from tracker.strings.ui import lang

__all__ = ["as_of", "p", "briefing_bytes", "national_bytes", "file_stem"]


def p(key: str, **kw) -> str:
    """A word of the office's pages in the sidebar's language."""
    return page_text(key, lang(), **kw)


def briefing_bytes(day: dt.date, suffix: str):
    """A callable for st.download_button: builds the briefing when the button is clicked (charts included)."""
    con = webapp.cursor()

    def make() -> bytes:
        data, _ = briefing.write(con, day, suffix)
        return data

    return make


def national_bytes(year: int, form: str, suffix: str):
    con = webapp.cursor()

    def make() -> bytes:
        filled = national_form.fill(con, year, form)
        return (
            (filled.to_json() + "\n").encode("utf-8") if suffix == ".json" else national_form.to_xlsx(filled)
        )

    return make


def file_stem(day: dt.date) -> str:
    return f"创卫工作进展通报-{day.isoformat()}"
