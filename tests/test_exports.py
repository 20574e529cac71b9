"""Every exported cell is a number or inert text: nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from tracker.files import SafeWorkbook, csv_cell, is_risky

HOSTILE = [
    '=HYPERLINK("http://example.invalid/x","点此查看")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",  # full-width: harmless in Excel, prefixed all the same
]


def formulas_in(data: bytes) -> list[str]:
    """Every <f> (formula) element in any sheet of the workbook."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [n for n in z.namelist() if n.startswith("xl/worksheets/") and b"<f>" in z.read(n)]


def write(rows: list[list]) -> bytes:
    wb = SafeWorkbook()
    ws = wb.sheet("测试")
    for r, values in enumerate(rows):
        wb.row(ws, r, values)
    return wb.close()


@pytest.mark.parametrize("text", HOSTILE)
def test_risky_text_is_written_as_quoted_text(text):
    assert is_risky(text)
    data = write([[text]])
    assert formulas_in(data) == []
    cell = openpyxl.load_workbook(io.BytesIO(data)).active["A1"]
    # a carriage return is written as the line break it means (tracker.text.xml_safe), still risky at the start
    assert cell.data_type == "s" and cell.value == text.replace("\r", "\n")
    assert cell.quotePrefix  # stays text even when edited in Excel


def test_values_keep_their_kind():
    data = write(
        [[1, 2.5, -3, None, float("nan"), True, dt.date(2023, 12, 31), "普通文字", ["教育局", "住建局"]]]
    )
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    values = [c.value for c in ws[1]]
    assert values == [1, 2.5, -3, None, None, "是", "2023-12-31", "普通文字", "教育局、住建局"]
    assert [c.data_type for c in ws[1]][:3] == ["n", "n", "n"]
    assert not ws["H1"].quotePrefix and not ws["A1"].quotePrefix
    assert formulas_in(data) == []


def test_table_from_a_frame():
    wb = SafeWorkbook()
    ws = wb.sheet("表")
    frame = pd.DataFrame({"note": ["=1+1", "ok"], "share": [0.5, None]})
    assert wb.table(ws, frame, ["说明", "比例"], percent_cols=["share"]) == 3
    data = wb.close()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == ["说明", "比例"]
    assert (sheet["A2"].value, sheet["A2"].data_type, sheet["B2"].value) == ("=1+1", "s", 0.5)
    assert sheet["B2"].number_format == "0.0%"
    assert formulas_in(data) == []


def test_csv_cell():
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("-5") == "'-5"
    assert csv_cell("正常") == "正常"
    assert csv_cell(None) == ""
    assert csv_cell(3.5) == "3.5"
    assert not is_risky("1-2") and not is_risky("")
