"""Words of 「在看到的地方行动」 (issue 13): the item page's actions, the 督办通知 and its record, the unit page's
own sections. The notice itself is an official document, in Chinese only, like the briefing (BRIEF).

The words themselves are data: tracker/strings/words/act.yaml."""

from __future__ import annotations

from tracker.strings.tables import words

_W = words("act")

NOTICE = _W.zh("NOTICE")
REMINDER = _W.zh("REMINDER")
BOARD_XLSX = _W.zh("BOARD_XLSX")
ACT = _W.both("ACT")
