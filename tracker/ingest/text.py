"""Bytes to normalised text, the whole file at once (`csv_text`).

Decoding: UTF-8 (with or without BOM), then GB18030 (a superset of GBK and GB2312, what Excel and WPS write
on Chinese Windows); anything else is refused with a message saying how to save the file.

NFKC, fast and exact. `unicodedata.normalize('NFKC', text)` takes ~4.6 s on a million rows of full-width
figures (「９８．５％」), far over the import's time budget. The characters that real uploads carry and NFKC
changes are almost all the full-width ASCII block (U+FF01–FF5E) and the ideographic space; `_nfkc()`
folds those in the UTF-16 code units with numpy, then runs the real NFKC only on the chunks that are
still not NFKC-normal (rare compatibility characters: ①, ㎡, Kangxi radicals …). Chunks end at line breaks,
which NFKC never composes across, so the result is exactly NFKC(text) — except for the characters below.

CSV structure survives NFKC: a full-width comma 「，」 inside a note is not a delimiter to Excel, but NFKC
would turn it into one. Characters whose NFKC image holds a comma, quote or semicolon are mapped to
placeholder characters instead (`Markers`), which the SQL stage turns back into `,` `"` `;` inside
cells (tracker.ingest.cells.clean_sql). Blank lines become a placeholder line so that DuckDB, which skips
blank lines, keeps the row numbering Excel shows.

The four placeholders are chosen per file among characters the file does not contain (`markers_for`):
the noncharacters U+FDD0–FDEF first, then U+FFFE/FFFF and the private-use area. No fixed choice is safe —
GB18030 decodes its user-defined bytes 0xAAA1… to U+E000…, and UTF-8 may carry noncharacters — but a
character that is absent from the decoded text cannot be confused with it, and NFKC never produces
noncharacters or private-use characters. Lone surrogates would be absent too, but DuckDB's VARCHAR
accepts only valid UTF-8. (Issue 11: 「张\ue000\ue003同志核实」 was stored as 「张,同志核实」.)

Between decoding and the file DuckDB reads, the text is converted to UTF-16 code units and back once:
blank lines and the fold are numpy operations on the units (str.replace over a million rows costs
~0.3 s), and the one str made from them serves the normal-form check and the file.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from tracker.strings.upload import FILE


class FileRefused(Exception):
    """The file as a whole cannot be read; the message says why in words a clerk understands."""


@dataclass(frozen=True)
class Markers:
    """The placeholders of one file's text: for , " ; and a blank line."""

    comma: str = "\ufdd0"
    quote: str = "\ufdd1"
    semi: str = "\ufdd2"
    blank: str = "\ufdd3"

    @property
    def chars(self) -> str:
        return self.comma + self.quote + self.semi + self.blank


DEFAULT = Markers()
COMMA, QUOTE, SEMI, BLANK = DEFAULT.comma, DEFAULT.quote, DEFAULT.semi, DEFAULT.blank
# Candidates, in order of preference: noncharacters, then the private-use area (never surrogates).
_CANDIDATES = np.array([*range(0xFDD0, 0xFDF0), 0xFFFE, 0xFFFF, *range(0xE000, 0xF900)], dtype=np.uint16)
# Every character whose NFKC image contains , " or ; (checked against unicodedata in the tests).
PROTECTED_BMP = {
    0x037E: "semi",
    0xFE10: "comma",
    0xFE14: "semi",
    0xFE50: "comma",
    0xFE54: "semi",
    0xFF02: "quote",
    0xFF0C: "comma",
    0xFF1B: "semi",
}
PROTECTED_ASTRAL = {0x1F101 + d: str(d) for d in range(10)}  # 🄁 DIGIT ZERO COMMA … → "0" + comma

_LUT = np.arange(0x10000, dtype=np.uint16)
_LUT[0xFF01:0xFF5F] = np.arange(0x21, 0x7F, dtype=np.uint16)
_LUT[0x3000] = 0x20
_CHUNK = 1 << 20


def has_default_markers(units: np.ndarray) -> bool:
    """Whether the text holds one of U+FDD0–FDD3 (one subtraction that wraps below U+FDD0, one comparison)."""
    return bool(((units - np.uint16(0xFDD0)) < 4).any())


def markers_for(units: np.ndarray) -> Markers:
    """Four placeholders that do not occur in the text (see the notes)."""
    if not has_default_markers(units):  # almost always
        return DEFAULT
    present = np.zeros(0x10000, dtype=bool)
    present[units] = True
    free = _CANDIDATES[~present[_CANDIDATES]]
    if len(free) < 4:  # a text holding every noncharacter and all 6,400 private-use characters
        raise FileRefused(FILE["binary"])
    return Markers(*(chr(int(c)) for c in free[:4]))


def _lut(markers: Markers) -> np.ndarray:
    lut = _LUT.copy()
    for cp, role in PROTECTED_BMP.items():
        lut[cp] = ord(getattr(markers, role))
    return lut


def _slow_table(markers: Markers) -> dict[int, str]:
    table = {cp: getattr(markers, role) for cp, role in PROTECTED_BMP.items()}
    table.update({cp: digit + markers.comma for cp, digit in PROTECTED_ASTRAL.items()})
    return table


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else GB18030; refuse anything else, and text with NUL bytes (UTF-16, binaries).
    Line endings stay as sent (csv_units turns them into \\n on the code units: a third of the decoding's
    cost when the decoder translates them)."""
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


def units_of(text: str) -> np.ndarray:
    """The text as UTF-16 code units (read-only: a writer copies first, see `_writable`)."""
    return np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype="<u2")


def _writable(units: np.ndarray) -> np.ndarray:
    return units if units.flags.writeable else units.copy()


def text_of(units: np.ndarray) -> str:
    return codecs.utf_16_le_decode(units, "surrogatepass", True)[0]


def csv_text(data: bytes) -> tuple[str, np.ndarray, Markers]:
    """An uploaded CSV as the text DuckDB will read, the same text as code units (for array tests), and
    the placeholders it uses: decoded, line endings and blank lines kept countable (csv_units), NFKC with
    CSV structure protected."""
    units = units_of(decode(data))
    markers = markers_for(units)
    text, units = _nfkc(csv_units(units, markers.blank), markers)
    return text, units, markers


def _nfkc(units: np.ndarray, markers: Markers = DEFAULT) -> tuple[str, np.ndarray]:
    """NFKC of the text in `units`, with CSV delimiters and quotes protected (see the notes); folds in place
    when `units` is writable, on a copy otherwise."""
    # Only U+037E, U+3000 and U+FE10 on change: indexing those few beats a lookup of every unit.
    hit = np.flatnonzero((units >= 0xFE10) | (units == 0x3000) | (units == 0x037E))
    if len(hit):
        units = _writable(units)
        units[hit] = _lut(markers)[units[hit]]
    folded = text_of(units)
    if unicodedata.is_normalized("NFKC", folded):
        return folded, units
    parts = []
    start = 0
    slow = _slow_table(markers)
    while start < len(folded):
        end = folded.find("\n", start + _CHUNK)
        end = len(folded) if end < 0 else end + 1
        part = folded[start:end]
        if not unicodedata.is_normalized("NFKC", part):
            part = unicodedata.normalize("NFKC", part.translate(slow))
        parts.append(part)
        start = end
    text = "".join(parts)
    return text, units_of(text)


def nfkc(text: str, markers: Markers = DEFAULT) -> str:
    return text if unicodedata.is_normalized("NFKC", text) else _nfkc(units_of(text), markers)[0]


def csv_units(units: np.ndarray, blank: str = BLANK) -> np.ndarray:
    """Line endings to \\n, trailing ones dropped; blank lines to a placeholder line, so every record keeps
    its Excel row number."""
    lf, cr = ord("\n"), ord("\r")
    crs = np.flatnonzero(units == cr)
    if len(crs):  # \r\n → \n, a lone \r → \n
        after = crs + 1 < len(units)
        pairs = crs[after][units[crs[after] + 1] == lf]
        units = _writable(units)
        units[crs] = lf
        units = np.delete(units, pairs)
    breaks = np.flatnonzero(units == lf)
    # Trailing line breaks dropped: break i belongs to the run that ends the text when it sits at
    # len - (number of breaks - i); the last break that does not is the last one kept.
    apart = np.flatnonzero(breaks != np.arange(len(units) - len(breaks), len(units)))
    kept = int(apart[-1]) + 1 if len(apart) else 0
    units = units[: len(units) - (len(breaks) - kept)]
    breaks = breaks[:kept]
    # A blank line: a break right after the previous one, or at the very start.
    blanks = breaks[np.diff(breaks, prepend=-1) == 1]
    return np.insert(units, blanks, ord(blank)) if len(blanks) else units


def prepare_csv_text(text: str) -> str:
    return text_of(csv_units(units_of(text)))


def write_utf8(text: str, out: BinaryIO) -> None:
    """The text as UTF-8, a slice at a time: no second copy of the whole text."""
    for start in range(0, len(text), _CHUNK):
        out.write(text[start : start + _CHUNK].encode("utf-8"))


def normalise_cell(value: str) -> str:
    """One cell's text (from .xlsx): plain NFKC, no CSV structure to protect."""
    return value if value.isascii() else unicodedata.normalize("NFKC", value)
