"""Every user-facing word, in one place: Chinese first, English where the switch asks for it."""

from __future__ import annotations

from indicators.rules.common import FAILED_OP, SHOWN_OP  # one table of operators
from tracker.strings.tables import words

_W = words("common")  # the words themselves are data: tracker/strings/words/*.yaml

__all__ = ["FAILED_OP", "SHOWN_OP"]

STATUSES = ("not_met", "stale", "no_data", "pending", "met")  # worst first: the order items fold in

STATUS_LABEL = _W.both("STATUS_LABEL")

# One colour meaning everywhere: met green, not met red, no data grey, stale amber, pending blue.
STATUS_COLOUR = {
    "met": "#2e9d5b",
    "not_met": "#d64541",
    "no_data": "#9aa0a6",
    "stale": "#f0a202",
    "pending": "#3b7dd8",
}


# The engine's own statuses, when the rule kind leaves them (each kind says its own verdicts).
REASON = _W.both("REASON")
PERIOD_WORD = _W.both("PERIOD_WORD")
SCOPE_WORD = _W.both("SCOPE_WORD")
VETO = _W.zh("VETO")
DEMO_BANNER = _W.zh("DEMO_BANNER")
PRINT_FOOTER = _W.zh("PRINT_FOOTER")
