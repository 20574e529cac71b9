"""Read an uploaded file into a DuckDB temp table of text cells, one row per spreadsheet row.

`read(con, data, sheet=None)` leaves the view `_ing_raw(row_no INTEGER, c0 … cN VARCHAR)`, over the temp
table `_ing_cells`, in `con` (row_no as Excel numbers rows, title and header rows included) and returns
where the header is and which column holds which field (tracker.ingest.sheet). The bytes pick the reader:
a zip is an .xlsx, an OLE2 file an .xls or WPS .et (tracker.ingest.workbook), anything else CSV text
(tracker.ingest.csv_file).
"""

from __future__ import annotations

import duckdb

from tracker.ingest.csv_file import read_csv
from tracker.ingest.sheet import MEASUREMENTS, Layout, Sheet
from tracker.ingest.text import FileRefused
from tracker.ingest.workbook import read_xls, read_xlsx
from tracker.strings.upload import FILE


def read(
    con: duckdb.DuckDBPyConnection, data: bytes, sheet: str | None = None, layout: Layout = MEASUREMENTS
) -> Sheet:
    if not data or not data.strip():
        raise FileRefused(FILE["empty"])
    if data[:4] == b"PK\x03\x04":
        return read_xlsx(con, data, sheet, layout)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE2: an encrypted .xlsx, an old .xls or WPS .et
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise FileRefused(FILE["encrypted"])
        return read_xls(con, data, sheet, layout)
    return read_csv(con, data, layout)
