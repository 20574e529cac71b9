"""Words of the upload screens, the import command and the templates (Chinese first).

Row messages are templates with named fields; tracker.ingest turns them into SQL `format()` calls, so the
same words reach the page, the CLI and the stored refused rows. The row number is not part of a reason:
it is shown before it as ROW_PREFIX (「第7行：」), numbered as Excel numbers rows.

The words themselves are data: tracker/strings/words/upload.yaml."""

from __future__ import annotations

import functools
import re
import string

from tracker.strings.formats import fill
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


# Row messages are stored as written, in Chinese (refused_row.reasons, submission.message: they are the record
# the unit was shown, and set-based SQL writes them). The English screen reads them back through their
# templates: each Chinese template becomes a pattern, its fields are taken out and put into the English one.
# A message no template matches (words of an older version) is shown as stored.
def _pattern(template: str) -> re.Pattern:
    out, seen = [], set()
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if name:
            # A field holds no full stop (one ends a sentence of a longer summary), but for a quoted error.
            field = ".+?" if name == "detail" else "[^。]+?"
            out.append(f"(?P={name})" if name in seen else f"(?P<{name}>{field})")
            seen.add(name)
    return re.compile("".join(out), re.S)


@functools.cache
def _templates() -> list[tuple[re.Pattern, str]]:
    pairs = [
        (zh, _W.en(table)[key])
        for table in ("FILE", "REFUSE", "WARN", "SUMMARY")
        for key, zh in _W.zh(table).items()
    ]
    # The longest literal text first: 「未知指标「x」，是否为：…」 before 「未知指标「x」」.
    pairs.sort(key=lambda pair: -len(re.sub(r"\{[^}]*\}", "", pair[0])))
    # The fields come back as text: a number's format goes, an English count's 「{n:row|rows}」 stays.
    return [(_pattern(zh), re.sub(r"\{(\w+):[^}|]*\}", r"{\1}", en)) for zh, en in pairs]


_ROW = _pattern(_W.zh("ROW_PREFIX") + "{rest}")


def english(message: str) -> str:
    """A stored upload message in English: the row prefix, then each sentence through its template."""
    if not isinstance(message, str) or not message:
        return message
    row = _ROW.fullmatch(message)
    if row:
        return _W.en("ROW_PREFIX").format(row=row["row"]) + english(row["rest"])
    for pattern, en in _templates():
        found = pattern.fullmatch(message)
        if found:
            return fill(en, **found.groupdict())
    if "；" in message:  # reasons joined as a cell shows them
        return "; ".join(english(part) for part in message.split("；"))
    # A summary of several sentences (「已导入 3 行…。以下行的单元格内含换行…」): each on its own.
    parts = re.split(r"(?<=。)", message)
    if len(parts) > 2 or (len(parts) == 2 and parts[1]):
        return " ".join(english(p) for p in parts if p)
    return message
