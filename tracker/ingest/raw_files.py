"""The raw files of uploads, once per sha256 (upload_file), and the bound on those that stored nothing.

Every uploaded file is kept, compressed (zlib; `packed` says so, readers call `unpack`). Of the files whose
upload stored nothing (every row refused, or unreadable), per unit only the newest `refused_files_kept`,
`refused_files_mb` MB (as stored) in all, are kept whole: distinct garbage sent again and again would otherwise
grow the database without end (issue 22: ~20 MB per 23 MB file). Beyond the cap the oldest such file loses its
bytes; its row (sha256, size) and its submissions (name, counts, refused rows) stay, and the audit log says so.
A file any committed upload, any pending one or an imported findings file refers to is never dropped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import zlib

import duckdb

from tracker import db
from tracker.config import settings
from tracker.db import transaction
from tracker.strings.upload import FILE

# Writers of upload_file in this process take turns: two tabs sending the same bytes at once would otherwise
# both insert the key, and one of the two would fail on the conflict; and the cap must not drop a file between
# an upload's look-up of its bytes and the submission that refers to them (the caller holds LOCK for both).
LOCK = threading.Lock()

CAPPED = ("all_refused", "failed")  # outcomes that stored nothing from the file
ZLIB = "zlib"
_SLICE = 1 << 20  # bytes compressed at a time: the compressed output is the only other copy held
_LEVEL = 1  # zlib's fastest: 0.55 of a 23 MB refused CSV against 0.53 at level 6, in half the time


def store(con: duckdb.DuckDBPyConnection, sha: str, data: bytes) -> None:
    """Keep `data` compressed under its sha256 unless it is kept already; bytes the cap dropped are kept again.
    Compressed here, once, not when the outcome is known: DuckDB rewrites the whole bytes column of upload_file
    at the checkpoint after any change to it (measured: 26 s with 300 MB kept), so a second write per file
    (packing it later) would cost that again, and leave the uncompressed copy's blocks behind as free space."""
    row = con.execute("SELECT bytes IS NULL FROM upload_file WHERE sha256 = ?", [sha]).fetchall()
    if row and not row[0][0]:
        return
    packed = pack(data)
    if not row:
        _insert(con, [sha, packed, len(data), ZLIB])
    else:
        con.execute(
            "UPDATE upload_file SET bytes = ?, packed = ?, dropped_at = NULL WHERE sha256 = ?",
            [packed, ZLIB, sha],
        )


_INSERT = "INSERT INTO upload_file (sha256, bytes, size, packed) VALUES (?, ?, ?, ?)"


def _insert(con: duckdb.DuckDBPyConnection, values: list) -> None:
    """A new row, or nothing when another session stored the same bytes meanwhile.
    On PostgreSQL ON CONFLICT DO NOTHING (it waits for that session's commit): a unique violation there aborts
    the caller's whole transaction (a findings import, a round's rates). On the DuckDB file, which one process
    writes, a plain INSERT after the look-up: ON CONFLICT takes 6–10x as long there (20 MB: 4.0 s against 0.4 s,
    DuckDB 2.0.1), and a conflict needs another thread of this process between the look-up and the insert."""
    if db.shared(con):
        con.execute(f"{_INSERT} ON CONFLICT (sha256) DO NOTHING", values)
        return
    with contextlib.suppress(duckdb.ConstraintException):
        con.execute(_INSERT, values)


def pack(data: bytes) -> bytes:
    """zlib, a slice at a time: no second whole copy of the file is made."""
    z = zlib.compressobj(_LEVEL)
    view = memoryview(data)
    parts = [z.compress(view[i : i + _SLICE]) for i in range(0, len(data), _SLICE)]
    parts.append(z.flush())
    return b"".join(parts)


def unpack(blob: bytes | None, packed: str | None) -> bytes | None:
    """The file as it was sent, from what upload_file holds."""
    if blob is None:
        return None
    return zlib.decompress(blob) if packed == ZLIB else bytes(blob)


# Files beyond the cap in `unit`: among the files all of whose submissions stored nothing, ranked per unit by
# their newest submission; the newest of a unit is always kept, a file kept in any unit stays.
_BEYOND = f"""
WITH nothing_stored AS (
    SELECT sha256 FROM submission GROUP BY sha256
    HAVING bool_and(outcome IN {CAPPED} AND NOT (outcome = 'failed' AND message = $pending))
), per_unit AS (
    SELECT coalesce(s.unit, '') AS unit, s.sha256, max(s.id) AS newest, max(octet_length(f.bytes)) AS held
    FROM submission s JOIN upload_file f USING (sha256)
    WHERE f.bytes IS NOT NULL AND s.file_bytes IS NULL AND s.sha256 IN (SELECT sha256 FROM nothing_stored)
      AND s.sha256 NOT IN (SELECT source_sha256 FROM finding WHERE source_sha256 IS NOT NULL)
    GROUP BY 1, 2
), ranked AS (
    SELECT unit, sha256, newest, row_number() OVER w AS n, sum(held) OVER w AS running
    FROM per_unit WINDOW w AS (PARTITION BY unit ORDER BY newest DESC ROWS UNBOUNDED PRECEDING)
)
SELECT sha256 FROM ranked GROUP BY sha256
HAVING bool_or(unit = $unit) AND NOT bool_or(n = 1 OR (n <= $kept AND running <= $bytes))
ORDER BY min(newest)
"""


def keep_refused(con: duckdb.DuckDBPyConnection, submission: int | None, outcome: str, user: str) -> None:
    """After an upload settled: if it stored nothing, the oldest such files of its unit beyond the cap lose
    their bytes, each with an audit entry (in one transaction)."""
    if submission is None or outcome not in CAPPED:
        return
    with LOCK, transaction(con):
        unit = con.execute("SELECT unit FROM submission WHERE id = ?", [submission]).fetchone()[0]
        _drop_beyond_cap(con, unit, user)


def _drop_beyond_cap(con: duckdb.DuckDBPyConnection, unit: str | None, user: str) -> None:
    from tracker.access import audit

    kept = int(settings().get("refused_files_kept", 20))
    mb = float(settings().get("refused_files_mb", 100))
    beyond = [
        r[0]
        for r in con.execute(
            _BEYOND,
            {
                "unit": unit or "",
                "kept": kept,
                "bytes": mb * 1024 * 1024,
                "pending": FILE["failed"].format(detail=FILE["pending"]),
            },
        ).fetchall()
    ]
    now = dt.datetime.now().replace(microsecond=0)
    for sha in beyond:
        size = con.execute(
            "UPDATE upload_file SET bytes = NULL, dropped_at = ? WHERE sha256 = ? RETURNING size", [now, sha]
        ).fetchone()[0]
        sent = con.execute(
            "SELECT array_agg(id ORDER BY id), (array_agg(file_name ORDER BY id DESC))[1] FROM submission WHERE sha256 = ?",
            [sha],
        ).fetchone()
        detail = FILE["dropped_audit"].format(unit=unit or "—", kept=kept, mb=f"{mb:g}")
        before = {"sha256": sha, "size": size, "submissions": sent[0]}
        audit.record(con, user, "upload_file_dropped", sent[1], before=before, detail=detail)
