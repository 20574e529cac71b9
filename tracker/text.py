"""Free text a person typed (a note, a description, an answer, a 文号), cleaned once where a service stores it.

Word writes a manual line break as U+000B, and a paste can carry other control characters or the bidirectional
overrides that reorder what is shown (「U+202E」 makes 「txt.exe」 read 「exe.txt」). XML 1.0 forbids most C0
controls, so one such character in a stored note made every .xlsx and .docx that holds it fail for everyone.
`clean` is the one function every service applies to free text before storing it: line-break-like characters
become a newline (a space in a one-line field), other controls and the bidi controls are removed, the ends
trimmed, and text longer than its field's limit refused in plain words (never cut silently). `xml_safe` is the
same clean-up without the limit, for the writers (xlsx, docx, csv) that must also survive text stored before.
"""

from __future__ import annotations

from collections.abc import Callable

from tracker.strings.ui import t

# The longest text each field keeps, in characters (a note as long as an upload's 备注 cell: tracker.ingest.sheet.CELL_LIMITS).
LIMITS = {
    "note": 2000,
    "evidence_note": 2000,
    "reason": 2000,
    "task_description": 2000,
    "task_note": 2000,
    # half a note: a finding's words also go into its task's description and notes, within theirs
    "finding_description": 1000,
    "finding_answer": 1000,
    "finding_note": 1000,
    "acceptance_basis": 2000,
    "verification_note": 2000,
    "figure_note": 2000,
    "doc_number": 60,  # 「呼创卫办督〔2026〕12号」 is 12; a short line under the red header, and names its file
    "issue_no": 50,
    "contact_name": 50,  # a 督办通知's 联系人 and 电话: one short line above the signature
    "contact_phone": 50,
    "round_name": 200,
    "team": 200,
    "site_name": 200,  # as long as a name cell of an upload
    "address": 200,
}

_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what some program meant as a line or paragraph break
_DROP = (
    [c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D) and chr(c) not in _BREAKS]
    + list(range(0x7F, 0xA0))
    + [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF, 0xFFFE, 0xFFFF]
    + list(range(0xD800, 0xE000))  # lone surrogates: not encodable as UTF-8 nor allowed in XML
)
_MULTI = {c: None for c in _DROP if chr(c) not in _BREAKS} | {ord(c): "\n" for c in _BREAKS}
_SINGLE = _MULTI | {ord(c): " " for c in "\n\t" + _BREAKS}


# The same rule for set-based SQL (an upload's notes): DuckDB's translate() maps each character of FROM to the
# character at its place in TO and drops those past TO's end. Lone surrogates cannot be in a DuckDB string.
SQL_FROM = _BREAKS + "".join(chr(c) for c in _DROP if chr(c) not in _BREAKS and not 0xD800 <= c < 0xE000)
SQL_TO = "\n" * len(_BREAKS)


def sql_clean(column: str) -> str:
    """SQL giving xml_safe(column), NULL where nothing is left, with the parameters $clean_from and $clean_to
    bound to SQL_FROM and SQL_TO."""
    crlf = f"replace(replace({column}, chr(13) || chr(10), chr(10)), chr(13), chr(10))"
    return f"nullif(translate({crlf}, $clean_from, $clean_to), '')"


def xml_safe(text: object, *, one_line: bool = False) -> str:
    """The text with every line break as \\n (a space when one_line), no control character XML forbids and no
    bidirectional control; not trimmed, not limited: for writing text whatever its age."""
    if text is None:
        return ""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_SINGLE if one_line else _MULTI)


def clean(
    text: object,
    field: str,
    error: Callable[[str], Exception] = ValueError,
    *,
    one_line: bool = False,
) -> str:
    """Free text as a service stores it: xml_safe, trimmed, and at most LIMITS[field] characters; longer text
    raises error(message) naming the field, its length and the limit. None and blanks give ''."""
    out = xml_safe(text, one_line=one_line).strip()
    limit = LIMITS[field]
    if len(out) > limit:
        raise error(t("text_too_long", field=t(f"field.{field}"), n=len(out), limit=limit))
    return out
