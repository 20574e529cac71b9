"""Every word of the creation office's workflow: reporting completeness, the rectification ledger, item acceptance,
the briefing (通报), the national form, their command line and their pages. Chinese first; the pages' few
words also in English for the sidebar switch.

The words themselves are data: tracker/strings/words/office.yaml."""

from __future__ import annotations

from tracker.strings.tables import words

_W = words("office")

OFFICE_NAME = _W.zh("OFFICE_NAME")
CITY = _W.zh("CITY")
TASK_STATUS = _W.zh("TASK_STATUS")
TASK_STATUS_EN = _W.en("TASK_STATUS")
TASK = _W.zh("TASK")
LEDGER = _W.zh("LEDGER")
ACCEPT = _W.zh("ACCEPT")
ACCEPT_STATE_EN = _W.en("ACCEPT")
VERIFY = _W.zh("VERIFY")
FIGURE = _W.zh("FIGURE")
REPORT_STATE = _W.zh("REPORT_STATE")
REPORT_STATE_EN = _W.en("REPORT_STATE")
DEMO_MARK = _W.zh("DEMO_MARK")
BRIEF = _W.zh("BRIEF")
ISSUE = _W.zh("ISSUE")
COLUMNS = _W.zh("COLUMNS")
COLUMNS_EN = _W.en("COLUMNS")
SHEETS = _W.zh("SHEETS")
SUMMARY_ROWS = _W.zh("SUMMARY_ROWS")
YES = _W.zh("YES")
NO = _W.zh("NO")
NATIONAL = _W.zh("NATIONAL")
NATIONAL_EN = _W.en("NATIONAL")
NATIONAL_SHEET = _W.zh("NATIONAL_SHEET")
CLI = _W.zh("CLI")
PAGE = _W.both("PAGE")
