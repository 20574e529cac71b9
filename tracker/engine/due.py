"""A period's deadline and when its figure is due — one definition, in Python and in SQL side by side.

A period's deadline is its last day plus the office's `deadline_days` for its type (indicators/settings.yaml); its
figure is due once the deadline has passed, from the day after (a figure sent on the deadline day is on time).
The evaluation marks a metric stale from the latest period due (`due_start_sql`); the office's completeness
counts a figure missing or late once due (`deadline_sql`, `due_sql`); a unit's template asks for the figure it
owes next (`owed`).
"""

from __future__ import annotations

import datetime as dt

from tracker.config import settings
from tracker.periods import Period, make


def period_step_sql(period_type: str) -> str:
    """SQL: the length of a period of type `period_type` (a column or literal), as an INTERVAL."""
    return (
        f"CASE {period_type} WHEN 'year' THEN INTERVAL 1 YEAR WHEN 'quarter' THEN INTERVAL 3 MONTH "
        "ELSE INTERVAL 1 MONTH END"
    )


def deadline_sql(period_end: str, days: str) -> str:
    """SQL: the deadline of a period ending on `period_end`, `days` after it."""
    return f"CAST({period_end} + {days} AS DATE)"


def due_sql(deadline: str, day: str) -> str:
    """SQL: whether a figure whose deadline is `deadline` is due on `day` (its deadline has passed)."""
    return f"({deadline} < {day})"


def due_start_sql(period_type: str, day: str, days: str) -> str:
    """SQL: the start of the latest period of its type due on `day`: the one before the period holding
    `day` - `days` (every later period's deadline is `day` or after)."""
    return f"(date_trunc({period_type}, {day} - {days}) - {period_step_sql(period_type)})"


def deadline_days(period_type: str) -> int:
    """The office's days after a period of this type ends by which its figure must be in."""
    return int(settings()["deadline_days"][period_type])


def deadline(period: Period, days: int | None = None) -> dt.date:
    return period.end + dt.timedelta(days=deadline_days(period.type) if days is None else days)


def is_due(period: Period, day: dt.date, days: int | None = None) -> bool:
    """Python twin of due_sql."""
    return deadline(period, days) < day


def _holding(period_type: str, day: dt.date) -> Period:
    number = {"year": 1, "quarter": (day.month - 1) // 3 + 1, "month": day.month}[period_type]
    return make(period_type, day.year, number)


def _next(period: Period) -> Period:
    return _holding(period.type, period.end + dt.timedelta(days=1))


def _previous(period: Period) -> Period:
    return _holding(period.type, period.start - dt.timedelta(days=1))


def latest_due(period_type: str, day: dt.date, days: int | None = None) -> Period:
    """Python twin of due_start_sql: the latest period of a type due on `day` (with `days` = 0: the latest
    ended before `day`)."""
    days = deadline_days(period_type) if days is None else days
    return _previous(_holding(period_type, day - dt.timedelta(days=days)))


def owed(period_type: str, day: dt.date, days: int | None = None) -> Period:
    """The figure a unit owes next on `day`: the earliest period ended by then whose deadline has not passed; when
    every ended period's deadline has passed, the latest ended (its figure late, or already sent)."""
    ended = latest_due(period_type, day, 0)
    first_not_due = _next(latest_due(period_type, day, days))
    return min(ended, first_not_due, key=lambda p: p.start)
