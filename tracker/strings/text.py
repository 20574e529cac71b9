"""The words of free text refused where a service stores it (tracker.text), Chinese and English side by side.
`field.*` names what a person typed, as the refusal says it.

The words themselves are data: tracker/strings/words/text.yaml."""

from __future__ import annotations

from tracker.strings.tables import words

_W = words("text")

TEXT = _W.both("TEXT")
FIELD = _W.both("FIELD")
