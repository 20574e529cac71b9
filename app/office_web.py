"""What the office's pages share: the signed-in user, the as-of date, the language, and the documents built on click.

Pages stay thin: they call these and tracker's services, and draw."""

from __future__ import annotations

import datetime as dt

from app import webapp
from app.state import as_of
from tracker.reports import briefing, briefing_issue, ledger_export, national_form
from tracker.reports.chart_images import RENDERER
from tracker.strings.ui import t

__all__ = [
    "as_of",
    "p",
    "briefing_bytes",
    "issued_bytes",
    "national_bytes",
    "ledger_bytes",
    "file_stem",
    "warm_charts",
]


p = t  # the one accessor (tracker.strings.ui.t), under the short name the office's pages call it by


def briefing_bytes(day: dt.date, suffix: str, known_then: bool = False, number: str = "", issue_no: str = ""):
    """A callable for st.download_button: builds the briefing when the button is clicked (charts included)."""
    con = webapp.cursor()

    def make() -> bytes:
        data, _ = briefing.write(con, day, suffix, known_then=known_then, number=number, issue_no=issue_no)
        return data

    return make


def issued_bytes(issue_id: int):
    """A callable for st.download_button: the archived briefing's bytes, exactly as issued."""
    con = webapp.cursor()

    def read() -> bytes:
        return briefing_issue.stored(con, issue_id)[1]

    return read


def warm_charts() -> None:
    """Start the chart browser while the person reads the page, so the click that builds the .docx does not wait
    for it (tracker.reports.chart_images)."""
    RENDERER.warm()


def national_bytes(year: int, form: str, suffix: str, day: dt.date):
    con = webapp.cursor()
    verdict = webapp.evaluation(day)  # the verdict beside the figures: the app's shared evaluation

    def make() -> bytes:
        filled = national_form.fill(con, year, form, verdict=verdict)
        return (
            (filled.to_json() + "\n").encode("utf-8") if suffix == ".json" else national_form.to_xlsx(filled)
        )

    return make


def ledger_bytes(day: dt.date, suffix: str, unit: str | None):
    """A callable for st.download_button: the ledger as .xlsx or .docx, built when the button is clicked."""
    con = webapp.cursor()

    def make() -> bytes:
        return ledger_export.write(con, day, suffix, unit, webapp.cat())

    return make


def file_stem(day: dt.date) -> str:
    return t("brief_file", date=day.isoformat())
