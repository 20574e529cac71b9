"""What was sent: the submissions table for the 报送记录 page and `python -m tracker submissions`."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from tracker.ingest.raw_files import unpack


def list_submissions(con: duckdb.DuckDBPyConnection, unit: str | None = None) -> pd.DataFrame:
    """Newest first: id, time, who, unit, file, size (as sent), outcome, counts, message, whether the file's bytes
    were dropped by the cap on files that stored nothing (tracker.ingest.raw_files; no file bytes)."""
    return con.execute(
        """SELECT s.id, s.submitted_at, s.submitted_by, s.unit, s.file_name,
                  coalesce(octet_length(s.file_bytes), f.size) AS size,
                  s.sha256, s.outcome, s.accepted, s.refused, s.warned, s.message, s.is_demo,
                  s.file_bytes IS NULL AND f.dropped_at IS NOT NULL AS file_dropped
           FROM submission s LEFT JOIN upload_file f USING (sha256)
           WHERE $unit IS NULL OR s.unit = $unit ORDER BY s.id DESC""",
        {"unit": unit},
    ).df()


def submission_file(con: duckdb.DuckDBPyConnection, submission_id: int) -> tuple[str, bytes] | None:
    """The original file as it was sent (None: none kept, or its bytes dropped by the cap)."""
    row = con.execute(
        """SELECT s.file_name, s.file_bytes, f.bytes, f.packed FROM submission s
           LEFT JOIN upload_file f USING (sha256) WHERE s.id = ?""",
        [submission_id],
    ).fetchall()
    if not row:
        return None
    name, legacy, blob, packed = row[0]
    data = bytes(legacy) if legacy is not None else unpack(blob, packed)
    return None if data is None else (name, data)


def refused_rows(con: duckdb.DuckDBPyConnection, submission_id: int) -> pd.DataFrame:
    """A stored submission's refused rows: 行号, 原因, then the raw cells."""
    from tracker.strings.upload import COLUMNS

    rows = con.execute(
        "SELECT row_number, reasons, cells FROM refused_row WHERE submission_id = ? ORDER BY row_number",
        [submission_id],
    ).fetchall()
    records = [{COLUMNS["row"]: n, COLUMNS["reasons"]: "；".join(r), **json.loads(c)} for n, r, c in rows]
    return pd.DataFrame(records, columns=None if records else [COLUMNS["row"], COLUMNS["reasons"]])


def warned_rows(con: duckdb.DuckDBPyConnection, submission_id: int, limit: int | None = None) -> pd.DataFrame:
    """A stored submission's accepted rows that carry warnings: 行号, 提醒 (the first `limit` of them)."""
    from tracker.strings.upload import COLUMNS

    return con.execute(
        f"""SELECT row_number AS "{COLUMNS["row"]}", array_to_string(warnings, '；') AS "{COLUMNS["warnings"]}"
            FROM warned_row WHERE submission_id = ? ORDER BY row_number LIMIT ?""",
        [submission_id, limit],
    ).df()


def refused_csv(con: duckdb.DuckDBPyConnection, submission_id: int) -> bytes:
    """The stored refused rows as a file to fix and send again, every cell inert (tracker.files)."""
    from tracker.files import csv_bytes

    return csv_bytes(refused_rows(con, submission_id))
