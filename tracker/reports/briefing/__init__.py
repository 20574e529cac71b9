"""The briefing (通报) for an as-of date, in parts: model (the numbers, gathered once), text (the sentences), document
(the .docx, an official document), workbook (the .xlsx); the charts are the overview's (tracker.reports.charts).
write() gives either file; issuing one under a 文号 is tracker.reports.briefing_issue."""

from __future__ import annotations

import datetime as dt

import duckdb

from tracker.reports.briefing import document, model, workbook


def write(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    suffix: str,
    charts: bool = True,
    *,
    known_then: bool = False,
    number: str | None = None,
    issue_no: str | int | None = None,
) -> tuple[bytes, model.Briefing]:
    """The briefing as .docx or .xlsx bytes, with what it says (a draft: issuing is briefing_issue.issue)."""
    b = model.build(
        con,
        as_of,
        charts=charts and suffix == ".docx",
        known_then=known_then,
        number=number,
        issue_no=issue_no,
    )
    return (document.to_docx(b) if suffix == ".docx" else workbook.to_xlsx(b)), b
