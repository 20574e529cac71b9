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
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence

import pandas as pd
import xlsxwriter

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


class SafeWorkbook:
    """An XlsxWriter workbook whose cells are only ever numbers or (inert) strings."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, WORKBOOK_OPTIONS)
        self.header = self.book.add_format(
            {"bold": True, "bg_color": "#DDE5F0", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.text = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.quoted = self.book.add_format({"text_wrap": True, "valign": "top", "quote_prefix": True})
        self.number = self.book.add_format({"valign": "top"})
        self.percent = self.book.add_format({"valign": "top", "num_format": "0.0%"})

    def sheet(self, name: str):
        return self.book.add_worksheet(xml_safe(name, one_line=True)[:31])

    def cell(self, ws, row: int, col: int, value, fmt=None) -> None:
        """Write one cell as a number, a blank or a string; never as a formula."""
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

    def link(self, ws, row: int, col: int, path: str) -> None:
        """A cell showing a relative path that opens that file (next to the workbook) when clicked."""
        text = xml_safe(path, one_line=True)
        if ws.write_url(row, col, "external:" + text, self.text, string=text) < 0:  # too long for a link
            self.cell(ws, row, col, text)

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
        (fractions 0..1) are shown as percentages."""
        percent = {frame.columns.get_loc(c) for c in percent_cols if c in frame.columns}
        self.row(ws, start_row, headers, self.header)
        for r, record in enumerate(frame.itertuples(index=False), start=start_row + 1):
            for c, value in enumerate(record):
                self.cell(ws, r, c, value, self.percent if c in percent else None)
        for c, width in enumerate(widths or [14] * len(headers)):
            ws.set_column(c, c, width)
        ws.freeze_panes(start_row + 1, 0)
        if len(frame):
            ws.autofilter(start_row, 0, start_row + len(frame), len(headers) - 1)
        return start_row + len(frame) + 1

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()
