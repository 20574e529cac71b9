"""What the office's pages share: the signed-in user, the as-of date, the language, and the documents built on click.

Pages stay thin: they call these and tracker's services, and draw."""

from __future__ import annotations

import datetime as dt

from app import webapp
from app.state import as_of
from tracker.office import briefing, national_form
from tracker.strings.ui import t

__all__ = ["as_of", "p", "briefing_bytes", "national_bytes", "file_stem"]


p = t  # the one accessor (tracker.strings.ui.t), under the short name the office's pages call it by


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
    return t("brief_file", date=day.isoformat())
