"""Bytes to normalised text, the whole file at once.

Decoding: UTF-8 (with or without BOM), then GB18030 (a superset of GBK and GB2312, what Excel and WPS write
on Chinese Windows); anything else is refused with a message saying how to save the file.

NFKC, fast and exact. `unicodedata.normalize('NFKC', text)` takes ~4.6 s on a million rows of full-width
figures (「９８．５％」), far over the import's time budget. The characters that real uploads carry and NFKC
changes are almost all the full-width ASCII block (U+FF01–FF5E) and the ideographic space; `nfkc()` folds
those with one numpy lookup over the UTF-16 code units, then runs the real NFKC only on the chunks that are
still not NFKC-normal (rare compatibility characters: ①, ㎡, Kangxi radicals …). Chunks end at line breaks,
which NFKC never composes across, so the result is exactly NFKC(text) — except for the characters below.

CSV structure survives NFKC: a full-width comma 「，」 inside a note is not a delimiter to Excel, but NFKC
would turn it into one. Characters whose NFKC image holds a comma, quote or semicolon are mapped to
private-use placeholders instead (PLACEHOLDERS), which the SQL stage turns back into `,` `"` `;` inside
cells (tracker.ingest.validate.clean). Blank lines become a placeholder line so that DuckDB, which skips
blank lines, keeps the row numbering Excel shows.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from tracker.strings.upload import FILE


class FileRefused(Exception):
    """The file as a whole cannot be read; the message says why in words a clerk understands."""


COMMA, QUOTE, SEMI, BLANK = "\ue000", "\ue001", "\ue002", "\ue003"
PLACEHOLDERS = {COMMA: ",", QUOTE: '"', SEMI: ";"}
# Every character whose NFKC image contains , " or ; (checked against unicodedata in the tests).
PROTECTED_BMP = {
    0x037E: SEMI,
    0xFE10: COMMA,
    0xFE14: SEMI,
    0xFE50: COMMA,
    0xFE54: SEMI,
    0xFF02: QUOTE,
    0xFF0C: COMMA,
    0xFF1B: SEMI,
}
PROTECTED_ASTRAL = {0x1F101 + d: f"{d}{COMMA}" for d in range(10)}  # 🄁 DIGIT ZERO COMMA … → "0,"

_LUT = np.arange(0x10000, dtype=np.uint16)
_LUT[0xFF01:0xFF5F] = np.arange(0x21, 0x7F, dtype=np.uint16)
_LUT[0x3000] = 0x20
for _cp, _ph in PROTECTED_BMP.items():
    _LUT[_cp] = ord(_ph)
_SLOW_TABLE = {**{cp: ph for cp, ph in PROTECTED_BMP.items()}, **PROTECTED_ASTRAL}
_CHUNK = 1 << 20


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else GB18030; refuse anything else, and text with NUL bytes (UTF-16, binaries)."""
    if b"\x00" in data[:65536]:
        raise FileRefused(FILE["encoding"] if _looks_utf16(data) else FILE["binary"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise FileRefused(FILE["encoding"]) from None
    if "\x00" in text:
        raise FileRefused(FILE["binary"])
    return text


def _looks_utf16(data: bytes) -> bool:
    head = data[:4096]
    return head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[1::2].count(0) > len(head) // 4


def nfkc(text: str) -> str:
    """NFKC of the whole text, with CSV delimiters and quotes protected (see the module's notes)."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    units = bytearray(text.encode("utf-16-le", "surrogatepass"))
    arr = np.frombuffer(units, dtype="<u2")
    np.take(_LUT, arr, out=arr)
    folded = units.decode("utf-16-le", "surrogatepass")
    del units, arr
    if unicodedata.is_normalized("NFKC", folded):
        return folded
    parts = []
    start = 0
    while start < len(folded):
        end = folded.find("\n", start + _CHUNK)
        end = len(folded) if end < 0 else end + 1
        part = folded[start:end]
        if not unicodedata.is_normalized("NFKC", part):
            part = unicodedata.normalize("NFKC", part.translate(_SLOW_TABLE))
        parts.append(part)
        start = end
    return "".join(parts)


def prepare_csv_text(text: str) -> str:
    """Line endings to \\n; blank lines to a placeholder line, so every record keeps its Excel row number."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip("\n")
    if "\n\n" in text:  # two passes catch runs of blank lines
        text = text.replace("\n\n", f"\n{BLANK}\n").replace("\n\n", f"\n{BLANK}\n")
    return BLANK + text if text.startswith("\n") else text


def normalise_cell(value: str) -> str:
    """One cell's text (from .xlsx): plain NFKC, no CSV structure to protect."""
    return value if value.isascii() else unicodedata.normalize("NFKC", value)
