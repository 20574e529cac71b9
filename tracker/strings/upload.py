"""Words of the upload screens, the import command and the templates (Chinese first).

Row messages are templates with named fields; tracker.ingest turns them into SQL `format()` calls, so the
same words reach the page, the CLI and the stored refused rows. The row number is not part of a reason:
it is shown before it as ROW_PREFIX (「第7行：」), numbered as Excel numbers rows.

The words themselves are data: tracker/strings/words/upload.yaml."""

from __future__ import annotations

from tracker.strings.tables import words

_W = words("upload")

ROW_PREFIX = _W.zh("ROW_PREFIX")
FILE = _W.zh("FILE")
REFUSE = _W.zh("REFUSE")
WARN = _W.zh("WARN")
OUTCOME_LABEL = _W.zh("OUTCOME_LABEL")
SUMMARY = _W.zh("SUMMARY")
TEMPLATE_HEADERS = tuple(_W.zh("TEMPLATE_HEADERS"))
TEMPLATE_TITLE = _W.zh("TEMPLATE_TITLE")
TEMPLATE_SHEET = _W.zh("TEMPLATE_SHEET")
TEMPLATE_HELP_SHEET = _W.zh("TEMPLATE_HELP_SHEET")
TEMPLATE_LISTS_SHEET = _W.zh("TEMPLATE_LISTS_SHEET")
TEMPLATE_HELP_HEADERS = tuple(_W.zh("TEMPLATE_HELP_HEADERS"))
TEMPLATE_NOTES = tuple(_W.zh("TEMPLATE_NOTES"))
TEMPLATE_REQUIREMENT_NONE = _W.zh("TEMPLATE_REQUIREMENT_NONE")
TEMPLATE_YESNO_EXAMPLE = _W.zh("TEMPLATE_YESNO_EXAMPLE")
PAGE = _W.both("PAGE")
COLUMNS = _W.zh("COLUMNS")
COLUMNS_EN = _W.en("COLUMNS")
OUTCOME_LABEL_EN = _W.en("OUTCOME_LABEL")
CLI = _W.zh("CLI")
