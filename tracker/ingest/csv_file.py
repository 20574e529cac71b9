"""A CSV upload into `_ing_raw`: the text decoded and NFKC-normalised as a whole (tracker.ingest.text, as UTF-16
code units in numpy), written to a temporary UTF-8 file and parsed by DuckDB's read_csv with explicit column
types and no sniffing: no Python loop over the rows."""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile

import duckdb
import numpy as np

from tracker.ingest.sheet import (
    CELL_LIMITS,
    HEAD_ROWS,
    MAX_COLS,
    MAX_LINE,
    MAX_RECORD_MB,
    Layout,
    Sheet,
    find_header,
    header_names,
    width,
)
from tracker.ingest.text import DEFAULT, FileRefused, csv_text, has_default_markers, write_utf8
from tracker.strings.upload import FILE

_NOT_PLAIN = np.zeros(0x10000, dtype=bool)
_NOT_PLAIN[[ord(c) for c in '\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"']] = (
    True
)
_NOT_PLAIN[0x2000:0x200B] = True


def _delimiters(head: str, blank: str) -> list[str]:
    """Candidate delimiters, the most frequent in the first lines first (Excel writes commas)."""
    lines = [line for line in head.split("\n")[:HEAD_ROWS] if line.strip(blank + " ")]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", "\t", ";")}
    return sorted(counts, key=lambda d: (-counts[d], d != ","))


def read_csv(con: duckdb.DuckDBPyConnection, data: bytes, layout: Layout) -> Sheet:
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
    headers = header_names(rows[header_row - 1][1], ncols)
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
        width(rows[header_row - 1][1]),
    )


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
