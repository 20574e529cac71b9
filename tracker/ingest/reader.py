"""Read an uploaded .csv or .xlsx into a DuckDB temp table of text cells, one row per spreadsheet row.

`read(con, data, sheet=None)` leaves the view `_ing_raw(row_no INTEGER, c0 … cN VARCHAR)`, over the temp
table `_ing_cells`, in `con` (row_no as Excel numbers rows, title and header rows included) and returns
where the header is and which column holds which field. CSV text is decoded and NFKC-normalised as a
whole (tracker.ingest.text, as UTF-16 code units in numpy), written to a temporary UTF-8 file and parsed
by DuckDB's read_csv with explicit column types and no sniffing: no Python loop over the rows. An .xlsx,
an old .xls or a WPS .et is read with python-calamine and handed to DuckDB as one frame; for an .xlsx the
percent-formatted cells are found in the sheet's XML (calamine gives no number formats).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from xml.etree import ElementTree

import duckdb
import numpy as np
import pandas as pd

from tracker.files import RISKY_START
from tracker.ingest.text import (
    DEFAULT,
    FileRefused,
    Markers,
    csv_text,
    has_default_markers,
    normalise_cell,
    write_utf8,
)
from tracker.strings.upload import FILE

FIELDS = ("unit", "metric", "area", "period", "value", "numerator", "denominator", "note", "evidence")

# Header words, compared after NFKC, without spaces, lower-case, with hints in brackets and * removed.
HEADER_WORDS = {
    "unit": ("单位", "报送单位", "填报单位", "责任单位", "单位名称", "unit", "reportingunit"),
    "metric": ("指标", "指标名称", "指标编码", "指标代码", "指标项目", "考核指标", "metric", "indicator"),
    "area": ("区域", "街道乡镇", "街道/乡镇", "乡镇街道", "街道", "地区", "area", "district"),
    "period": ("期间", "报告期", "统计期间", "报送期间", "时期", "周期", "年度", "period"),
    "value": ("数值", "值", "指标值", "完成值", "实际值", "填报值", "value"),
    "numerator": ("分子", "numerator"),
    "denominator": ("分母", "denominator"),
    "note": ("备注", "说明", "情况说明", "note", "notes", "remark", "remarks"),
    "evidence": ("证明材料", "佐证材料", "证明", "附件", "材料", "evidence"),
}
_HINT = re.compile(r"[(\[【（][^)\]】）]*[)\]】）]|[*＊:：]")
HEAD_ROWS = 30  # the header is looked for in the first rows
# Limits that refuse a hostile file before it is parsed (issue 11). The template has 9 columns; Excel
# caps a cell at 32,767 characters; openpyxl holds the shared strings of a workbook in memory whole.
MAX_COLS = 256
MAX_LINE = 65536  # characters in one line of a CSV file
MAX_CELLS = 20_000_000  # rows × columns of an .xls / .et sheet
XLSX_MAX_CELLS = 3_000_000  # rows × columns an .xlsx sheet's cells span (python-calamine's grid)
# Uncompressed XML of the .xlsx sheet read: bounds the time to read it (issue 22). 111 MB (350,000 rows) took
# 24 s on the CI machine (the pre-scan 9-15 s, per-cell conversion 5-10 s, calamine 2.5 s); 25 MB reads in ~5 s.
XLSX_SHEET_MAX_MB = 25
XLSX_MAX_MB = 400  # uncompressed size of all the members of an .xlsx
XLSX_MAX_STRINGS_MB = 100  # uncompressed xl/sharedStrings.xml
MAX_RECORD_MB = 4  # DuckDB's max_line_size: one record, quoted line breaks included
# Characters in one cell, checked row by row (tracker.ingest.validate): a note, a figure, a name or period.
CELL_LIMITS = {
    "note": 2000,
    "evidence": 2000,
    "value": 50,
    "numerator": 50,
    "denominator": 50,
    "unit": 200,
    "metric": 200,
    "area": 200,
    "period": 200,
}
# Whitespace other than spaces and row breaks, and the double quote: what makes a text not `plain`.
_NOT_PLAIN = np.zeros(0x10000, dtype=bool)
_NOT_PLAIN[[ord(c) for c in '\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"']] = (
    True
)
_NOT_PLAIN[0x2000:0x200B] = True


@dataclass
class Sheet:
    """Where the data is: the header's row number, the header cells, and field → column index."""

    kind: str  # csv | xlsx | xls (also WPS .et)
    header_row: int
    headers: list[str]
    columns: dict[str, int] = field(default_factory=dict)
    ncols: int = 0
    last_row: int = 0
    placeholders: bool = False  # the text holds CSV placeholders (tracker.ingest.text) to turn back
    plain: bool = False  # no whitespace but spaces and row breaks, no quoted cells (validate._clean)
    spans: bool = False  # some record spans several lines of the file: see `_line_spans`
    quoted: bool = False  # the CSV text holds a double quote: a cell may hold the delimiter
    delim: str = ","
    markers: Markers = DEFAULT  # this file's placeholders (tracker.ingest.text)
    apostrophe: bool = False  # the CSV text holds ' : a cell may be one our refused-rows file made inert
    width: int = 0  # columns the header names (up to its last non-empty cell); cells right of it refuse a row


@dataclass(frozen=True)
class Layout:
    """What a kind of file's header says: field → header words, and the field a header row must name.
    Measurement uploads use MEASUREMENTS; other files (inspection findings, sites) bring their own words."""

    words: dict[str, tuple[str, ...]]
    required: str

    def field(self, cell: object) -> str | None:
        key = _HINT.sub("", "".join(str(cell or "").split())).lower()
        return self._fields.get(key)

    @cached_property
    def _fields(self) -> dict[str, str]:
        return {w.lower(): f for f, words in self.words.items() for w in words}


MEASUREMENTS = Layout(HEADER_WORDS, "metric")


def header_field(cell: object, layout: Layout = MEASUREMENTS) -> str | None:
    return layout.field(cell)


def find_header(
    rows: list[tuple[int, list]], layout: Layout = MEASUREMENTS
) -> tuple[int, dict[str, int]] | None:
    """The first row naming the layout's required field and at least one more known column (a title row may
    come first)."""
    for row_no, cells in rows[:HEAD_ROWS]:
        columns: dict[str, int] = {}
        for i, cell in enumerate(cells):
            name = layout.field(cell)
            if name and name not in columns:
                columns[name] = i
        if layout.required in columns and len(columns) >= 2:
            return row_no, columns
    return None


def _header_names(cells: list, ncols: int) -> list[str]:
    names: list[str] = []
    for i in range(ncols):
        name = str(cells[i]).strip() if i < len(cells) and cells[i] not in (None, "") else f"第{i + 1}列"
        while name in names:
            name += "_"
        names.append(name)
    return names


def read(
    con: duckdb.DuckDBPyConnection, data: bytes, sheet: str | None = None, layout: Layout = MEASUREMENTS
) -> Sheet:
    if not data or not data.strip():
        raise FileRefused(FILE["empty"])
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(con, data, sheet, layout)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE2: an encrypted .xlsx, an old .xls or WPS .et
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise FileRefused(FILE["encrypted"])
        return _read_xls(con, data, sheet, layout)
    return _read_csv(con, data, layout)


# ---------------------------------------------------------------- CSV


def _delimiters(head: str, blank: str) -> list[str]:
    """Candidate delimiters, the most frequent in the first lines first (Excel writes commas)."""
    lines = [line for line in head.split("\n")[:HEAD_ROWS] if line.strip(blank + " ")]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", "\t", ";")}
    return sorted(counts, key=lambda d: (-counts[d], d != ","))


def _read_csv(con: duckdb.DuckDBPyConnection, data: bytes, layout: Layout) -> Sheet:
    text, units, markers = csv_text(data)
    blank = markers.blank
    if not text.strip(blank + " \n\t"):
        raise FileRefused(FILE["empty"])
    _check_lines(units)
    cut = text.find("\n", 1 << 16)
    head = text if cut < 0 else text[:cut]
    found = rows = None
    for delim in _delimiters(head, blank):  # the first delimiter under which a header is found
        try:
            records = list(csv.reader(io.StringIO(head), delimiter=delim))
        except csv.Error:
            continue
        rows = [(i, [c.replace(blank, "") for c in rec]) for i, rec in enumerate(records, start=1)]
        found = find_header(rows, layout)
        if found is not None:
            break
    if found is None:
        raise FileRefused(FILE["no_header"])
    header_row, columns = found
    ncols = max(len(cells) for _, cells in rows[: header_row + HEAD_ROWS])
    ncols = max(ncols, max(columns.values()) + 1)
    if ncols > MAX_COLS:
        raise FileRefused(FILE["too_many_columns"].format(n=ncols, limit=MAX_COLS))
    if markers == DEFAULT:
        placeholders = has_default_markers(units)
    else:
        placeholders = bool(np.isin(units, [ord(c) for c in markers.chars]).any())
    plain = not _NOT_PLAIN[units].any()
    quoted = bool(np.count_nonzero(units == ord('"')))
    apostrophe = bool(np.count_nonzero(units == ord("'")))
    lines = int(np.count_nonzero(units == ord("\n"))) + 1  # csv_units dropped the trailing line breaks
    fields = _most_fields(units, delim, quoted)
    if fields > MAX_COLS:
        raise FileRefused(FILE["too_many_columns"].format(n=fields, limit=MAX_COLS))
    ncols = max(ncols, fields)  # DuckDB's reader drops the cells of a row beyond its columns, silently
    headers = _header_names(rows[header_row - 1][1], ncols)
    fd, path = tempfile.mkstemp(suffix=".csv", prefix="tracker-upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            write_utf8(text, f)
            # A final line break: without it DuckDB drops the last byte of a quote left open at the end.
            f.write(b"\n")
        del text, units
        _load_csv(con, path, ncols, delim)
    finally:
        os.unlink(path)
    last = con.execute("SELECT coalesce(max(row_no), 0) FROM _ing_raw").fetchall()[0][0]
    spans = last != lines
    if spans:
        _line_spans(con, headers, delim, lines)
    return Sheet(
        "csv",
        header_row,
        headers,
        columns,
        ncols,
        last,
        placeholders,
        plain,
        spans,
        quoted,
        delim,
        markers,
        apostrophe,
        _width(rows[header_row - 1][1]),
    )


def _width(header: list) -> int:
    return max((i + 1 for i, c in enumerate(header) if c not in (None, "") and str(c).strip()), default=0)


def _most_fields(units: np.ndarray, delim: str, quoted: bool) -> int:
    """The most fields in one record of the text: delimiters and line breaks inside quotes do not count (a
    quote's parity is the number of quotes before it)."""
    delims = np.flatnonzero(units == ord(delim))
    if not len(delims):
        return 1
    breaks = np.flatnonzero(units == ord("\n"))
    if quoted:
        quotes = np.flatnonzero(units == ord('"'))
        delims = delims[np.searchsorted(quotes, delims) % 2 == 0]
        breaks = breaks[np.searchsorted(quotes, breaks) % 2 == 0]
    if not len(delims):
        return 1
    return int(np.bincount(np.searchsorted(breaks, delims)).max()) + 1


def _check_lines(units: np.ndarray) -> None:
    """Refuse a line longer than MAX_LINE, naming it (a 128K-character cell near the top made the header
    search fail with 「找不到表头」); a line with too many fields is refused for its columns."""
    breaks = np.flatnonzero(units == ord("\n"))
    if len(units) - (breaks[-1] + 1 if len(breaks) else 0) <= MAX_LINE and (
        not len(breaks) or int(np.diff(breaks, prepend=-1).max()) - 1 <= MAX_LINE
    ):
        return
    ends = np.append(breaks, len(units))
    lengths = np.diff(ends, prepend=-1) - 1
    line = int(np.argmax(lengths > MAX_LINE))
    start = int(ends[line - 1]) + 1 if line else 0
    content = units[start : int(ends[line])]
    fields = max(int(np.count_nonzero(content == ord(d))) + 1 for d in (",", "\t", ";"))
    if fields > MAX_COLS:
        raise FileRefused(FILE["too_many_columns"].format(n=fields, limit=MAX_COLS))
    raise FileRefused(
        FILE["line_too_long"].format(
            line=line + 1,
            n=int(lengths[line]),
            limit=MAX_LINE,
            note=CELL_LIMITS["note"],
            value=CELL_LIMITS["value"],
        )
    )


def _line_spans(con: duckdb.DuckDBPyConnection, headers: list[str], delim: str, lines: int) -> None:
    """`_ing_lines(row_no, first_line, last_line, rowlike)`: the records whose quoted cells hold line breaks,
    the lines of the file they span, and the header of the first cell that holds what looks like rows
    (a line inside the cell with several delimited fields: a stray `"` swallowed the rows after it).

    A record's first line is its number plus the line breaks inside the records before it. Every line of
    the file is in exactly one record; if the records' lines do not add up to the file's (the CSV reader
    dropped something while recovering from broken quoting), the file is refused rather than guessed at."""
    ncols = len(headers)
    breaks = " + ".join(
        f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(ncols)
    )
    fields = max(2, (ncols - 1) // 2)  # a line inside a cell with this many delimiters looks like a row
    pattern = "\\n([^\\n]*[" + delim + "]){" + str(fields) + "}"
    params: dict[str, object] = {"rowlike": pattern}
    which = []
    for i, name in enumerate(headers):
        params[f"h{i}"] = name
        which.append(f"WHEN regexp_matches(c{i}, $rowlike) THEN $h{i}")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_lines AS
        WITH n AS (SELECT row_no, {breaks} AS nl, * EXCLUDE (row_no) FROM _ing_raw),
        placed AS (
            SELECT row_no, nl, row_no + coalesce(sum(nl) OVER (ORDER BY row_no ROWS BETWEEN UNBOUNDED PRECEDING
                                                                 AND 1 PRECEDING), 0) AS first_line,
                   CASE WHEN nl > 0 THEN CASE {" ".join(which)} END END AS rowlike
            FROM n)
        SELECT row_no, CAST(first_line AS INTEGER) AS first_line, CAST(first_line + nl AS INTEGER) AS last_line,
               rowlike
        FROM placed WHERE nl > 0""",
        params,
    )
    counted = con.execute(
        "SELECT (SELECT count(*) FROM _ing_raw) + coalesce(sum(last_line - first_line), 0) FROM _ing_lines"
    ).fetchall()[0][0]
    if counted != lines:
        raise FileRefused(FILE["lines_lost"].format(lines=lines, counted=counted))


def _load_csv(con: duckdb.DuckDBPyConnection, path: str, ncols: int, delim: str) -> None:
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols))
    for parallel in ("true", "false"):  # null_padding needs the serial reader when quoted cells hold newlines
        sql = f"""
            CREATE OR REPLACE TEMP TABLE _ing_cells AS
            SELECT * FROM read_csv($path, auto_detect = false, header = false, columns = {{{cols}}},
                                   delim = $delim, quote = '"', escape = '"', null_padding = true,
                                   strict_mode = false, max_line_size = {MAX_RECORD_MB << 20}, parallel = {parallel})
        """
        try:
            con.execute(sql, {"path": path, "delim": delim})
            break
        except duckdb.Error as exc:
            if "maximum line size" in str(exc).lower():
                raise FileRefused(FILE["record_too_long"].format(limit=MAX_RECORD_MB)) from exc
            if "invalid unicode" in str(exc).lower():
                # The temp file is valid UTF-8 (we wrote it): DuckDB's recovery from a quote followed by more
                # text in the same cell ("ab"cd) drops a byte, here inside a character.
                line = re.search(r"CSV Error on Line: (\d+)", str(exc))
                raise FileRefused(FILE["quote_broken"].format(line=line.group(1) if line else "?")) from exc
            if parallel == "false" or "parallel" not in str(exc):
                raise FileRefused(FILE["binary"]) from exc
    # The table keeps the file's order (insertion order is preserved), so a row's place in it is its record
    # number: a row_number() window instead would make DuckDB read the file on one thread.
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _ing_raw AS SELECT CAST(rowid + 1 AS INTEGER) AS row_no, * FROM _ing_cells"
    )


# ---------------------------------------------------------------- XLSX


def _value_text(value, number_format: str = "") -> str | None:
    """One cell's value as text, the same for openpyxl and calamine (calamine gives no number formats: a cell
    formatted as a percentage arrives as its fraction, 0.95, which the fraction check then refuses with the fix
    in the reason)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = normalise_cell(value).strip()
        if value[:1] == "'" and value[1:2] and value[1] in RISKY_START:  # made inert by our refused-rows file
            value = value[1:]
        return value or None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        if "%" in number_format:
            return f"{value * 100:.10g}%"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return f"{value:.15g}"
    return normalise_cell(str(value))


def _check_zip(data: bytes) -> None:
    """Refuse an .xlsx whose members inflate past the limits, from the sizes its directory records (zipfile
    stops reading a member at its recorded size, so a member cannot inflate further than it says)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRefused(FILE["bad_xlsx"].format(detail=type(exc).__name__)) from exc
    total = sum(i.file_size for i in infos)
    biggest = max(infos, key=lambda i: i.file_size, default=None)
    strings = sum(i.file_size for i in infos if i.filename.lower().endswith("sharedstrings.xml"))
    mb = 1024 * 1024
    if biggest is not None and (total > XLSX_MAX_MB * mb or strings > XLSX_MAX_STRINGS_MB * mb):
        limit = XLSX_MAX_MB if total > XLSX_MAX_MB * mb else XLSX_MAX_STRINGS_MB
        raise FileRefused(
            FILE["xlsx_too_big"].format(
                size=total / mb, member=biggest.filename, member_size=biggest.file_size / mb, limit=limit
            )
        )


def _sheet_member(z: zipfile.ZipFile, sheet: str | None) -> tuple[str, str]:
    """(name, zip member) of the sheet to read: the named one, or the first worksheet in the book's order."""
    try:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError) as exc:
        raise FileRefused(FILE["bad_xlsx"].format(detail=type(exc).__name__)) from exc
    targets = {r.get("Id"): r.get("Target", "") for r in rels if r.tag.endswith("Relationship")}
    names = set(z.namelist())
    for e in book.iter():
        if not e.tag.endswith("}sheet"):
            continue
        name = e.get("name", "")
        rid = next((v for k, v in e.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rid, "")
        if (sheet is None or name == sheet) and "worksheets/" in target:
            member = target.lstrip("/") if target.startswith("/") else "xl/" + target
            if member not in names:
                raise FileRefused(FILE["bad_xlsx"].format(detail="KeyError"))
            return name, member
    if sheet is not None:
        raise FileRefused(FILE["no_sheet"].format(sheet=sheet))
    raise FileRefused(FILE["bad_xlsx"].format(detail="no worksheet"))


def _percent_styles(z: zipfile.ZipFile) -> list[int]:
    """The cell styles (indices into cellXfs) whose number format shows a percentage."""
    try:
        root = ElementTree.fromstring(z.read("xl/styles.xml"))
    except KeyError:
        return []
    except ElementTree.ParseError as exc:
        raise FileRefused(FILE["bad_xlsx"].format(detail=type(exc).__name__)) from exc
    percent = {9, 10}  # Excel's built-in 0% and 0.00%
    for e in root.iter():
        if e.tag.endswith("}numFmt") and "%" in e.get("formatCode", ""):
            percent.add(_int(e.get("numFmtId")))
    xfs = next((e for e in root.iter() if e.tag.endswith("}cellXfs")), None)
    if xfs is None:
        return []
    styles = [x for x in xfs if x.tag.endswith("}xf")]
    return [i for i, xf in enumerate(styles) if _int(xf.get("numFmtId")) in percent]


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else -1


# A cell reference in a wide column (two or more letters) or a row numbered 100,000 or more: the cells that can
# make a sheet's grid large. Other cells are not looked at one by one (that alone took 8 s for 5 million cells).
_FAR_REF = re.compile(rb'\br="([A-Z]{2,}[0-9]+|[A-Z][0-9]{6,})"')
_REF = re.compile(rb"([A-Z]+)([0-9]+)")
_DIGITS = {d: re.compile(rb'\br="[A-Z]{1,3}[0-9]{%d}"' % d) for d in (3, 4, 5)}


def _last_letter(chunk: bytes) -> int:
    """The highest one-letter column referenced in `chunk` (0 if none), by halving A–Z: a few scans of the text in
    C, no match objects."""
    low, high = 0, 26  # the highest column referenced is in (low, high]
    if not re.search(rb'\br="[A-Z][0-9]', chunk):
        return 0
    while high - low > 1:
        mid = (low + high) // 2
        letters = bytes(range(65 + mid, 65 + high))  # columns mid+1 .. high
        if re.search(rb'\br="[' + letters + rb"][0-9]", chunk):
            low = mid
        else:
            high = mid
    return high


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _scan_sheet(z: zipfile.ZipFile, member: str, percent: list[int]) -> tuple[int, int, set[int]]:
    """(highest row, highest column, the cells in percent-formatted styles as row << 16 | column) of a sheet,
    from its XML, before python-calamine builds its grid: calamine allocates every cell of the rectangle its
    cells span, so one cell numbered 20,000,000 in a 5 KB file would cost it gigabytes (openpyxl, reading row
    by row, padded 20 million empty rows: 18.6 s). The sheet's recorded <dimension> is not trusted."""
    far_rows = far_cols = near_cols = near_rows = 0
    cells: set[int] = set()
    pct = None
    if percent:
        ids = b"|".join(str(i).encode() for i in percent)
        pct = re.compile(rb'<(?:\w+:)?c\s(?=[^>]*?\bs="(?:' + ids + rb')")[^>]*?\br="([A-Z]+)([0-9]+)"')
    with z.open(member) as f:
        tail = b""
        while True:
            block = f.read(1 << 24)
            chunk = tail + block
            cut = chunk.rfind(b"<") if block else len(chunk)
            chunk, tail = chunk[:cut], chunk[cut:]
            for ref in _FAR_REF.findall(chunk):
                letters, digits = _REF.fullmatch(ref).groups()
                far_rows = max(far_rows, int(digits))
                far_cols = max(far_cols, _col_number(letters))
            near_cols = max(near_cols, _last_letter(chunk))
            # rows below 100,000 are bounded by their number of digits, not read one by one
            near_rows = max(
                near_rows, next((10**d - 1 for d in (5, 4, 3) if re.search(_DIGITS[d], chunk)), 99)
            )
            if pct is not None:
                cells.update((int(r) << 16) | _col_number(c) for c, r in pct.findall(chunk))
            if not block:
                break
    return max(far_rows, near_rows), max(far_cols, near_cols), cells


def _read_xlsx(con: duckdb.DuckDBPyConnection, data: bytes, sheet: str | None, layout: Layout) -> Sheet:
    """An .xlsx through python-calamine (its values), with the cells in percent-formatted styles taken from the
    sheet's XML (calamine reports no number formats: 0.95 shown as 95% would arrive as 0.95). Every limit is
    checked on what the file holds, not on what it says of itself: the zip directory's sizes (`_check_zip`),
    the sheet's far cell references (`_scan_sheet`), then calamine's own grid. openpyxl was the reader until
    issue 22: it trusted the <dimension> (a sheet saying A1:F11 over 60 rows gave 10) and took 27 s and 968 MB
    for a 22.6 MB file."""
    import python_calamine

    _check_zip(data)
    mb = 1024 * 1024
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            name, member = _sheet_member(z, sheet)
            size = z.getinfo(member).file_size
            if size > XLSX_SHEET_MAX_MB * mb:
                raise FileRefused(
                    FILE["xlsx_sheet_too_big"].format(sheet=name, size=size / mb, limit=XLSX_SHEET_MAX_MB)
                )
            max_row, max_col, percent = _scan_sheet(z, member, _percent_styles(z))
    except FileRefused:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError, RuntimeError) as exc:
        raise FileRefused(FILE["bad_xlsx"].format(detail=type(exc).__name__)) from exc
    _check_grid(max_row, max_col)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        ws = book.get_sheet_by_name(name)
        top, left = ws.start if ws.height and ws.width else (0, 0)
        _check_grid(top + ws.height, left + ws.width)
        row_nos: list[int] = []
        rows: list[list[str | None]] = []
        # iter_rows starts at row 1 and at the grid's first column; per row, as every workbook reader is
        for row_no, cells in enumerate(ws.iter_rows(), start=1):
            if not any(c != "" for c in cells):
                continue
            values: list[str | None] = [None] * left
            for col, v in enumerate(cells, start=left + 1):
                if v == "":
                    values.append(None)
                else:
                    values.append(_value_text(v, "%" if (row_no << 16) | col in percent else ""))
            while values and values[-1] is None:
                values.pop()
            if values:
                row_nos.append(row_no)
                rows.append(values)
    except FileRefused:
        raise
    except python_calamine.PasswordError as exc:
        raise FileRefused(FILE["encrypted"]) from exc
    except Exception as exc:  # calamine raises its own kinds on damaged files
        raise FileRefused(FILE["bad_xlsx"].format(detail=type(exc).__name__)) from exc
    return _load_rows(con, "xlsx", row_nos, rows, layout)


def _check_grid(rows: int, cols: int) -> None:
    """Refuse a sheet whose cells span more columns, or a larger rectangle, than the limits."""
    if cols > MAX_COLS or rows * cols > XLSX_MAX_CELLS:
        from openpyxl.utils import get_column_letter

        ref = f"A1:{get_column_letter(min(max(cols, 1), 18278))}{rows}"
        raise FileRefused(
            FILE["sheet_too_big"].format(
                ref=ref, rows=rows, cols=cols, max_cols=MAX_COLS, max_cells=XLSX_MAX_CELLS
            )
        )


def _load_rows(
    con: duckdb.DuckDBPyConnection, kind: str, row_nos: list[int], rows: list[list], layout: Layout
) -> Sheet:
    """Rows of text cells read from a workbook (row numbers as Excel shows them) into _ing_raw."""
    if not rows:
        raise FileRefused(FILE["empty"])
    found = find_header(list(zip(row_nos, rows, strict=True)), layout)
    if found is None:
        raise FileRefused(FILE["no_header"])
    header_row, columns = found
    ncols = max(max(len(r) for r in rows), max(columns.values()) + 1)
    headers = _header_names(rows[row_nos.index(header_row)], ncols)
    frame = pd.DataFrame(
        {
            f"c{i}": pd.Series([r[i] if i < len(r) else None for r in rows], dtype="object")
            for i in range(ncols)
        }
    )
    frame.insert(0, "row_no", pd.Series(row_nos, dtype="int32"))
    con.register("_ing_frame", frame)
    try:
        casts = ", ".join(f"CAST(c{i} AS VARCHAR) AS c{i}" for i in range(ncols))
        con.execute(f"CREATE OR REPLACE TEMP TABLE _ing_cells AS SELECT row_no, {casts} FROM _ing_frame")
    finally:
        con.unregister("_ing_frame")
    con.execute("CREATE OR REPLACE TEMP VIEW _ing_raw AS SELECT * FROM _ing_cells")
    found = Sheet(kind, header_row, headers, columns, ncols, max(row_nos))
    found.width = _width(rows[row_nos.index(header_row)])
    return found


# ---------------------------------------------------------------- XLS / WPS .et (python-calamine)


def _read_xls(con: duckdb.DuckDBPyConnection, data: bytes, sheet: str | None, layout: Layout) -> Sheet:
    """An .xls (BIFF8, Excel 97–2003) or a WPS 表格 .et, through python-calamine (openpyxl reads neither)."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if sheet is not None and sheet not in book.sheet_names:
            raise FileRefused(FILE["no_sheet"].format(sheet=sheet))
        ws = book.get_sheet_by_name(sheet) if sheet is not None else book.get_sheet_by_index(0)
        if ws.width > MAX_COLS or ws.height * ws.width > MAX_CELLS:
            raise FileRefused(
                FILE["sheet_too_big"].format(
                    ref="?", rows=ws.height, cols=ws.width, max_cols=MAX_COLS, max_cells=MAX_CELLS
                )
            )
        raw_rows = ws.to_python(skip_empty_area=False)  # from A1: list index + 1 is Excel's row number
    except FileRefused:
        raise
    except python_calamine.PasswordError as exc:
        raise FileRefused(FILE["encrypted"]) from exc
    except Exception as exc:  # calamine raises its own kinds on damaged files
        raise FileRefused(FILE["bad_xls"].format(detail=type(exc).__name__)) from exc
    row_nos: list[int] = []
    rows: list[list[str | None]] = []
    for i, cells in enumerate(raw_rows, start=1):  # per row, as for .xlsx
        values = [_value_text(v) for v in cells]
        while values and values[-1] is None:
            values.pop()
        if values:
            row_nos.append(i)
            rows.append(values)
    return _load_rows(con, "xls", row_nos, rows, layout)
