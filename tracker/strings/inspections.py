"""Every word of 检查与暗访: the site register, rounds, findings, their import, loop, command line and page.
Service messages in Chinese (the office's language); the page's words in Chinese and English.

The words themselves are data: tracker/strings/words/inspections.yaml."""

from __future__ import annotations

from tracker.strings.tables import words

_W = words("inspections")

SEVERITY_EN = _W.en("SEVERITY")
KIND_EN = _W.en("KIND")
SITE_TYPE_EN = _W.en("SITE_TYPE")
STATUS = _W.zh("STATUS")
STATUS_EN = _W.en("STATUS")
MSG = _W.zh("MSG")
IMPORT = _W.zh("IMPORT")
HEADER_WORDS = {key: tuple(names) for key, names in _W.zh("HEADER_WORDS").items()}
COLUMN = _W.zh("COLUMN")
SITE_HEADER_WORDS = {key: tuple(names) for key, names in _W.zh("SITE_HEADER_WORDS").items()}
CLI = _W.zh("CLI")
PAGE = _W.both("PAGE")
