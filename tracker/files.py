"""The one place that makes an exported cell safe. Every workbook this project writes goes through here.

A spreadsheet reads a cell typed as 「=…」「+…」「-…」「@…」 (or starting with a tab or carriage return) as a formula:
a unit's note such as =HYPERLINK("http://…","点此") would become a live link, or worse, when the office opens the
export. So every cell is written either as a number or as a string cell (XlsxWriter's write_string, never
write()/write_formula), and a string that a spreadsheet would take for a formula also carries Excel's
quote-prefix style, so that it stays text even when someone edits the cell and presses Enter. For CSV, where no
cell type exists, such text is prefixed with an apostrophe.

Text is also made writable whatever its age (tracker.text.xml_safe): a control character XML forbids, stored
before services cleaned their input, would otherwise fail the whole file; a line break is always \n, since a bare
carriage return inside a CSV cell splits the row in Excel. A cell longer than a spreadsheet holds is cut visibly.

Every sheet also prints (issue 24, SafeWorkbook.printable): A4 landscape, one page wide, its title and header rows
on every page, the header frozen, each column as wide as its text (a CJK character two widths) up to what the page
holds, longer text wrapped.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import unicodedata
from collections.abc import Iterable, Sequence

import pandas as pd
import xlsxwriter

from tracker.strings import PRINT_FOOTER
from tracker.strings.ui import t
from tracker.text import xml_safe

RISKY_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
MAX_CELL = 32767  # characters in one spreadsheet cell (Excel's limit; XlsxWriter cuts longer text silently)

# XlsxWriter must never turn a string into a formula, a URL or a number on its own.
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": False,
    "in_memory": True,
    # Arial (Liberation Sans in LibreOffice, the same widths): a column width means the same in Excel, WPS and
    # LibreOffice, so a sheet fitted here prints the same there; CJK text falls back to the system's CJK font.
    "default_format_properties": {"font_name": "Arial", "font_size": 10},
    "default_row_height": 18,  # pixels: 13.5 points, a line of 10-point CJK text
}


def is_risky(text: str) -> bool:
    """Would a spreadsheet take this text for a formula (or a command)?"""
    return isinstance(text, str) and text.startswith(RISKY_START)


def csv_cell(value) -> str:
    """A value for a CSV cell: risky text prefixed with an apostrophe."""
    text = "" if value is None else xml_safe(value)
    return "'" + text if is_risky(text) else text


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as a CSV file Excel on Chinese Windows opens as it is (utf-8-sig), every cell through csv_cell."""
    cells = frame.astype(object).where(frame.notna(), None).map(csv_cell)
    cells.columns = [csv_cell(c) for c in frame.columns]
    return cells.to_csv(index=False).encode("utf-8-sig")


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, list | tuple | dict) else False
    except (TypeError, ValueError):
        return False


def _shown(value, percent: bool) -> str:
    """A value as a spreadsheet shows it, to measure its width."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return f"{value:.1%}" if percent else f"{value:.10g}"
    return as_text(value)


def as_text(value) -> str:
    """How a non-numeric value reads in a cell: dates as 2023-12-31, booleans 是/否, lists joined by 、."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime | pd.Timestamp):
        return (
            value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(as_text(v) for v in value)
    return str(value)


# Print setup. Column widths are in Excel's units (one Latin digit); a CJK character takes two.
A4 = 9  # Excel's paper code
# A4 landscape inside the margins holds 141 units across and 523 points down at 100 % (measured in LibreOffice).
# A sheet is scaled down to save a page, never below MIN_SCALE (10-point text printed at 7.5 points, 六号): so
# columns up to PAGE_WIDTH units are scaled to fit, and wider ones are narrowed and their text wraps.
PAGE_UNITS, PAGE_POINTS = 141, 523
MIN_SCALE = 0.75
PAGE_WIDTH = 185  # PAGE_UNITS / MIN_SCALE
ROW = 13.5  # points: the default row (WORKBOOK_OPTIONS), one line of 10-point text
TITLE_ROW = 22  # points: a row holding a 14-point title
MIN_WRAP = 12  # a column narrower than this would wrap a word per line: the page is scaled down instead
PADDING = 2
LINE = 14.5  # points per wrapped line of 10-point CJK text (its fonts' line spacing is 1.45 em)
MAX_LINES = 27  # Excel's tallest row (409 points)
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.5}  # inches (about 1–1.3 cm)


def line_widths(text: str) -> list[int]:
    """How wide each line of a text shows in a cell, a CJK (wide or full-width) character counting two."""
    return [
        sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in text.split("\n")
    ]


def lines_in(widths: Sequence[int], column: float) -> int:
    """How many lines a cell's text takes when wrapped in a column that wide (one unit is the cell's padding)."""
    room = max(column - 1, 1)
    return sum(max(1, math.ceil(w / room)) for w in widths)


def pages_tall(heights: Sequence[float], header_rows: int, scale: float) -> int:
    """How many pages rows of these heights (in points) fill at a scale, the header rows on every page."""
    room = PAGE_POINTS / scale - sum(heights[:header_rows])
    pages, used = 1, 0.0
    for height in heights[header_rows:]:
        if used and used + height > room:
            pages, used = pages + 1, 0.0
        used += height
    return pages


def fit_widths(wanted: Sequence[float], page: float = PAGE_WIDTH) -> list[float]:
    """Each column as wide as it wants while they all fit the page; otherwise the widest are narrowed to one
    common width (their text wraps), never below MIN_WRAP (the printout is then scaled to the page instead)."""
    if sum(wanted) <= page:
        return list(wanted)
    left, ordered = page, sorted(wanted)
    for n, width in enumerate(ordered):  # the narrowest keep their width; the rest share what is left
        share = left / (len(ordered) - n)
        if width > share:
            break
        left -= width
    cap = max(share, MIN_WRAP)
    return [min(w, cap) for w in wanted]


class SafeWorkbook:
    """An XlsxWriter workbook whose cells are only ever numbers or (inert) strings."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, WORKBOOK_OPTIONS)
        self.header = self.book.add_format(
            {"bold": True, "bg_color": "#DDE5F0", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.wide = self.book.add_format(
            {"text_wrap": True, "valign": "top"}
        )  # a note across a table (note())
        self.text = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.quoted = self.book.add_format({"text_wrap": True, "valign": "top", "quote_prefix": True})
        self.number = self.book.add_format({"valign": "top"})
        self.percent = self.book.add_format({"valign": "top", "num_format": "0.0%"})
        self.widths: dict[str, dict[int, int]] = {}  # per sheet, per column: the widest text in its body
        self.head_widths: dict[str, dict[int, int]] = {}  # per sheet, per column: the widest header
        self.long: dict[
            str, dict[int, dict[int, list[int]]]
        ] = {}  # per sheet, row, column: text that may wrap
        self.rows: dict[str, int] = {}  # per sheet: how many rows are written
        self.heights: dict[str, dict[int, float]] = {}  # per sheet: rows not of the default height (points)
        self.notes: dict[
            str, dict[int, tuple[int, list[int]]]
        ] = {}  # per sheet, row: columns spanned, widths
        self.heads: dict[str, int] = {}  # per sheet: the rows above its table's body (title and header)
        self.given: dict[str, list] = {}  # per sheet: widths its writer chose (a column to type in)
        self.printed: set[str] = set()

    def sheet(self, name: str):
        return self.book.add_worksheet(xml_safe(name, one_line=True)[:31])

    def cell(self, ws, row: int, col: int, value, fmt=None) -> None:
        """Write one cell as a number, a blank or a string; never as a formula."""
        self.rows[ws.name] = max(self.rows.get(ws.name, 0), row + 1)
        if fmt is self.title:  # a title spans the page: it sets no column's width, only its row's height
            self._height(ws, row, TITLE_ROW)
        elif fmt is self.wide:
            pass  # note() measured it
        elif not _missing(value):
            self._seen(ws, row, col, _shown(value, fmt is self.percent), header=fmt is self.header)
        if _missing(value):
            ws.write_blank(row, col, None, fmt or self.text)
            return
        if isinstance(value, bool):
            ws.write_string(row, col, as_text(value), fmt or self.text)
            return
        if isinstance(value, int | float) or (hasattr(value, "dtype") and pd.api.types.is_number(value)):
            number = float(value)
            if math.isfinite(number):
                ws.write_number(row, col, number, fmt or self.number)
            else:
                ws.write_blank(row, col, None, fmt or self.text)
            return
        text = xml_safe(as_text(value))
        if len(text) > MAX_CELL:
            mark = t("cell_cut", n=len(text))
            text = text[: MAX_CELL - len(mark)] + mark
        if is_risky(text):
            ws.write_string(row, col, text, self.quoted)
        else:
            ws.write_string(row, col, text, fmt or self.text)

    def _seen(self, ws, row: int, col: int, text: str, header: bool = False) -> None:
        """Remember how wide a cell's text is: its column's width, and its row's height once columns are set.
        A header may wrap onto two lines: a column of 「否」 needs no width for 「一票否决风险」."""
        widths = line_widths(text)
        seen = (self.head_widths if header else self.widths).setdefault(ws.name, {})
        seen[col] = max(seen.get(col, 0), *widths)
        if header or len(widths) > 1 or widths[0] > MIN_WRAP - PADDING:  # narrower text never wraps
            self.long.setdefault(ws.name, {}).setdefault(row, {})[col] = widths

    def _height(self, ws, row: int, points: float) -> None:
        self.heights.setdefault(ws.name, {})[row] = points
        ws.set_row(row, points)

    def link(self, ws, row: int, col: int, path: str) -> None:
        """A cell showing a relative path that opens that file (next to the workbook) when clicked."""
        text = xml_safe(path, one_line=True)
        self.rows[ws.name] = max(self.rows.get(ws.name, 0), row + 1)
        self._seen(ws, row, col, text)
        if ws.write_url(row, col, "external:" + text, self.text, string=text) < 0:  # too long for a link
            self.cell(ws, row, col, text)

    def note(self, ws, row: int, text: str, across: int) -> None:
        """A sentence above a table, wrapped across its first `across` columns (it sets no column's width)."""
        if across > 1:
            ws.merge_range(row, 0, row, across - 1, None, self.wide)
        self.notes.setdefault(ws.name, {})[row] = (across, line_widths(text))
        self.cell(ws, row, 0, text, self.wide)

    def sheet_link(self, ws, row: int, col: int, sheet: str, text: str) -> None:
        """A cell showing `text` that goes to another sheet of this workbook (the 目录's item rows)."""
        name = xml_safe(sheet, one_line=True)[:31].replace("'", "''")
        ws.write_url(row, col, f"internal:'{name}'!A1", self.text, string=xml_safe(text, one_line=True))

    def row(self, ws, row: int, values: Iterable, fmt=None) -> None:
        for col, value in enumerate(values):
            self.cell(ws, row, col, value, fmt)

    def table(
        self,
        ws,
        frame: pd.DataFrame,
        headers: Sequence[str],
        *,
        start_row: int = 0,
        widths: Sequence[float] | None = None,
        percent_cols: Iterable[str] = (),
    ) -> int:
        """A header row and one row per record; returns the next free row. Columns listed in percent_cols
        (fractions 0..1) are shown as percentages. Columns are fitted to their text unless `widths` are given;
        the first table's header closes the rows printed on every page (printable)."""
        percent = {frame.columns.get_loc(c) for c in percent_cols if c in frame.columns}
        self.row(ws, start_row, headers, self.header)
        for r, record in enumerate(frame.itertuples(index=False), start=start_row + 1):
            for c, value in enumerate(record):
                self.cell(ws, r, c, value, self.percent if c in percent else None)
        if widths:
            self.given[ws.name] = list(widths)
        self.heads.setdefault(ws.name, start_row + 1)
        if len(frame):
            ws.autofilter(start_row, 0, start_row + len(frame), len(headers) - 1)
        return start_row + len(frame) + 1

    def printable(
        self,
        ws,
        *,
        header_rows: int | None = None,
        widths: Sequence[float | None] | None = None,
        min_scale: float = MIN_SCALE,
    ) -> None:
        """The sheet's print setup: A4 landscape, one page wide and as many tall as it needs; its first
        `header_rows` rows (title and header; default: down to its table's header) on every page and frozen on
        screen; each column fitted to the text written in it (or `widths`, where given: a column to type in),
        narrowed to the page so that long text wraps, each row as tall as its wrapped text. A column nothing was
        written to through this writer keeps the width its writer set. One page wide, and as many tall as the
        rows need — fewer, scaled down to no less than `min_scale`, where that saves a page (a form to be read
        closely asks more than MIN_SCALE). close() gives this to every visible sheet not set up by its writer."""
        self.printed.add(ws.name)
        header_rows = self.heads.get(ws.name, 1) if header_rows is None else header_rows
        body, head = self.widths.get(ws.name, {}), self.head_widths.get(ws.name, {})
        given = list(widths or self.given.get(ws.name, []))
        columns = max([*body, *head, len(given) - 1], default=-1) + 1

        def wanted(c: int) -> float:
            if c < len(given) and given[c] is not None:
                return given[c]
            text, header = body.get(c, 0), head.get(c, 0)
            # a header may wrap onto two lines, except the first column's: each page's key, read at a glance
            return max(text, header if c == 0 else min(header, max(text, math.ceil(header / 2)))) + PADDING

        fitted = fit_widths([wanted(c) for c in range(columns)], page=PAGE_WIDTH * MIN_SCALE / min_scale)
        for c, width in enumerate(fitted):
            ws.set_column(c, c, width)
        # A spreadsheet does not grow a row for wrapped text on opening (LibreOffice keeps the default height)
        for row, cells in self.long.get(ws.name, {}).items():
            lines = max(lines_in(widths, fitted[c]) for c, widths in cells.items())
            if lines > 1:
                self._height(ws, row, LINE * min(lines, MAX_LINES))
        for row, (across, widths) in self.notes.get(ws.name, {}).items():
            lines = lines_in(widths, sum(fitted[:across]))
            if lines > 1:
                self._height(ws, row, LINE * min(lines, MAX_LINES))
        # One page wide; as many tall as the rows need at the width's scale, fewer if a smaller scale saves one
        scale = min(1.0, PAGE_UNITS / max(sum(fitted), 1))
        heights = [self.heights.get(ws.name, {}).get(r, ROW) for r in range(self.rows.get(ws.name, 0))]
        tall = pages_tall(heights, header_rows, min_scale)
        ws.fit_to_pages(1, tall if tall < pages_tall(heights, header_rows, scale) else 0)
        ws.set_paper(A4)
        ws.set_landscape()
        ws.set_margins(**MARGINS)
        ws.set_footer(PRINT_FOOTER)  # the sheet and the page: a loose page finds its place
        ws.hide_gridlines(0)  # gridlines on paper too: a long table is read along its lines
        if header_rows:
            ws.repeat_rows(0, header_rows - 1)
            ws.freeze_panes(header_rows, 0)

    def close(self) -> bytes:
        for ws in self.book.worksheets():
            if ws.name not in self.printed and not ws.hidden:
                self.printable(ws)
        self.book.close()
        return self.buffer.getvalue()
