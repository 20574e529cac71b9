"""A workbook upload into `_ing_raw`: an .xlsx, an old .xls or a WPS .et read with python-calamine and handed to
DuckDB as one frame; for an .xlsx the percent-formatted cells are found in the sheet's XML (calamine gives no
number formats), and every limit is checked on what the file holds."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from xml.etree import ElementTree

import duckdb
import pandas as pd

from tracker.files import RISKY_START
from tracker.ingest.sheet import (
    MAX_CELLS,
    MAX_COLS,
    XLSX_MAX_CELLS,
    XLSX_MAX_MB,
    XLSX_MAX_STRINGS_MB,
    XLSX_SHEET_MAX_MB,
    Layout,
    Sheet,
    find_header,
    header_names,
    width,
)
from tracker.ingest.text import FileRefused, normalise_cell
from tracker.strings.upload import FILE


def value_text(value, number_format: str = "") -> str | None:
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


def read_xlsx(con: duckdb.DuckDBPyConnection, data: bytes, sheet: str | None, layout: Layout) -> Sheet:
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
                    values.append(value_text(v, "%" if (row_no << 16) | col in percent else ""))
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
    headers = header_names(rows[row_nos.index(header_row)], ncols)
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
    found.width = width(rows[row_nos.index(header_row)])
    return found


# ---------------------------------------------------------------- XLS / WPS .et (python-calamine)


def read_xls(con: duckdb.DuckDBPyConnection, data: bytes, sheet: str | None, layout: Layout) -> Sheet:
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
        values = [value_text(v) for v in cells]
        while values and values[-1] is None:
            values.pop()
        if values:
            row_nos.append(i)
            rows.append(values)
    return _load_rows(con, "xls", row_nos, rows, layout)
