"""What an uploaded file's sheet is: its header (found by the layout's words below a title row), which column
holds which field, and the limits that refuse a hostile file before it is parsed. The readers (tracker.ingest.
csv_file, tracker.ingest.workbook) fill it; tracker.ingest.reader picks the reader."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from tracker.ingest.text import DEFAULT, Markers

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
    plain: bool = (
        False  # no whitespace but spaces and row breaks, no quoted cells (tracker.ingest.cells.clean_sql)
    )
    spans: bool = (
        False  # some record spans several lines of the file: see tracker.ingest.csv_file._line_spans
    )
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


def header_names(cells: list, ncols: int) -> list[str]:
    names: list[str] = []
    for i in range(ncols):
        name = str(cells[i]).strip() if i < len(cells) and cells[i] not in (None, "") else f"第{i + 1}列"
        while name in names:
            name += "_"
        names.append(name)
    return names


def width(header: list) -> int:
    return max((i + 1 for i, c in enumerate(header) if c not in (None, "") and str(c).strip()), default=0)
