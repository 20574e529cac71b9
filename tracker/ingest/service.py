"""import_file: the one service the upload page, the CLI and (later) permissions call.

Read → normalise → validate (all set-based SQL, tracker.ingest.validate) → commit in one transaction.
Unless it is a dry run, the raw file is stored first (once per sha256, in upload_file), as a submission marked `failed`
(on a cursor of its own, while the file is decoded); the commit then writes every accepted row, every
refused row with its reasons and raw cells, every warning, and the submission's outcome and counts, all
or nothing. If anything goes wrong before the commit, the transaction is rolled back: no measurement is
left behind, and the stored file's submission stays `failed` with the reason. A file whose sha256 was
already committed for the same unit changes nothing, and says so; two sending it at once commit it once
(the commit claims (unit, sha256) in committed_file inside its transaction; the loser rolls back and is
told it is a duplicate).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import duckdb

from tracker import logs
from tracker.catalogue import catalogue
from tracker.config import settings
from tracker.db import Unavailable, shared, transaction
from tracker.ingest import raw_files, reader
from tracker.ingest.commit import commit, now, settle
from tracker.ingest.preview import check_columns, collect, refuse_extra_cells
from tracker.ingest.result import ImportResult, Settled
from tracker.ingest.text import FileRefused
from tracker.ingest.validate import drop_temp, release_cells, validate
from tracker.strings.ui import t
from tracker.strings.upload import FILE, SUMMARY

Progress = Callable[[float, str], None]


def committed_before(
    con: duckdb.DuckDBPyConnection, sha256: str, unit: str | None = None
) -> tuple[int, dt.datetime] | None:
    """The submission that committed this file for this unit (None: the file's rows name their units)."""
    rows = con.execute(
        """SELECT id, submitted_at FROM submission
           WHERE sha256 = ? AND coalesce(unit, '') = coalesce(?, '') AND outcome = 'committed'
           ORDER BY id LIMIT 1""",
        [sha256, unit],
    ).fetchall()
    return rows[0] if rows else None


_KEY_LOCKS = [threading.Lock() for _ in range(64)]  # striped: a fixed number, never cleaned up


def _key_lock(unit: str | None, sha: str) -> threading.Lock:
    """Serialise the commits of one (unit, file) in this process; the committed_file claim guards others."""
    return _KEY_LOCKS[hash((unit or "", sha)) % len(_KEY_LOCKS)]


def _as_duplicate(result: ImportResult, earlier: tuple[int, dt.datetime]) -> None:
    result.duplicate, result.outcome = True, "duplicate"
    result.accepted = result.refused = result.warnings = 0
    result.refused_rows, result.warned_rows = [], []
    result.message = SUMMARY["duplicate"].format(
        when=earlier[1].strftime("%Y-%m-%d %H:%M"), original=earlier[0]
    )


# Longer than any import runs (75,000 rows, the limit, take seconds): older pending submissions were killed.
IMPORT_OUTLIVED = dt.timedelta(minutes=15)
LOG = logging.getLogger("tracker.ingest")


def recover_interrupted(con: duckdb.DuckDBPyConnection) -> int:
    """Settle the submissions an import stored but never finished (the process was killed between keeping the
    raw file and writing the outcome): each says it was interrupted and gets its audit entry, once. Run when the
    database is opened for writing (the app, a writing command), before this process can have an import in
    flight; DuckDB lets no other process write the file. Returns how many."""
    from tracker.access import audit

    # On PostgreSQL other processes import meanwhile: only what has been pending longer than any import takes.
    before = now() - IMPORT_OUTLIVED if shared(con) else dt.datetime.max
    with transaction(con):
        rows = con.execute(
            "UPDATE submission SET message = ? WHERE outcome = 'failed' AND message = ? AND submitted_at < ? "
            "RETURNING id, submitted_by, file_name",
            [
                FILE["failed"].format(detail=FILE["interrupted"]),
                FILE["failed"].format(detail=FILE["pending"]),
                before,
            ],
        ).fetchall()
        for sid, user, file_name in sorted(rows):
            detail = FILE["interrupted_audit"].format(id=sid)
            audit.record(con, user, "upload_interrupted", file_name, after={"submission": sid}, detail=detail)
    return len(rows)


def store_raw_file(con, file_name: str, data: bytes, sha: str, unit: str | None, user: str) -> int:
    """The submission, marked failed until settled; its bytes in upload_file once per sha256 (migration 4)."""
    with raw_files.LOCK:  # the bytes and the submission referring to them: the cap drops neither between
        raw_files.store(con, sha, data)
        return con.execute(
            """INSERT INTO submission (submitted_at, submitted_by, unit, file_name, sha256, outcome, message)
               VALUES (?, ?, ?, ?, ?, 'failed', ?) RETURNING id""",
            [now(), user, unit, file_name, sha, FILE["failed"].format(detail=FILE["pending"])],
        ).fetchall()[0][0]


def _store_raw_file_behind(
    con, file_name: str, data: bytes, sha: str, unit: str | None, user: str
) -> Future[int]:
    """`store_raw_file` on a cursor and a thread of its own: DuckDB releases the GIL, so writing the raw file
    (~0.2 s for 40 MB) overlaps the decoding that follows. `_stored` waits for its submission id."""
    cursor = con.cursor()

    def store() -> int:
        try:
            sid = store_raw_file(cursor, file_name, data, sha, unit, user)
            # The file also leaves the write-ahead log now, not in the import's COMMIT (~0.15 s for 40 MB).
            # Only a head start: DuckDB skips it while others write, and the COMMIT checkpoints then.
            with contextlib.suppress(duckdb.Error):
                cursor.execute("CHECKPOINT")
            return sid
        finally:
            cursor.close()

    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(store)
    finally:
        pool.shutdown(wait=False)


def _stored(storing: Future[int] | None) -> int | None:
    return None if storing is None else storing.result()


def import_file(
    con: duckdb.DuckDBPyConnection,
    file_name: str,
    data: bytes,
    *,
    unit: str | None = None,
    user: str = "cli",
    dry_run: bool = False,
    progress: Progress | None = None,
    sheet: str | None = None,
    settled: Settled | None = None,
) -> ImportResult:
    """Import one uploaded file (see the module's notes). `unit`: any alias of the unit the file is sent
    for; None when each row's 单位 column names its unit (the office's collected forms). `settled`: called
    inside the transaction that writes the outcome (not in dry runs), for the caller's audit entries."""
    step = progress or (lambda fraction, text: None)
    cat = catalogue()
    sha = hashlib.sha256(data).hexdigest()
    sender = cat.resolve_unit(unit) if unit else None
    result = ImportResult(None, file_name=file_name, sha256=sha, unit=sender)
    earlier = committed_before(con, sha, sender)
    limit = settings().get("max_upload_mb", 25)
    # A file over the limit is refused before its bytes are stored: a 200 MB file was kept before being refused.
    too_big = len(data) > limit * 1024 * 1024
    storing = None if dry_run or too_big else _store_raw_file_behind(con, file_name, data, sha, sender, user)
    step(0.02, t("upload.step_received"))
    if earlier is not None:
        result.duplicate = True
        text = SUMMARY["duplicate_dry" if dry_run else "duplicate"]
        result.message = text.format(when=earlier[1].strftime("%Y-%m-%d %H:%M"), original=earlier[0])
        if not dry_run:
            result.outcome = "duplicate"
            result.submission = _stored(storing)
            settle(con, result.submission, result, settled)
            step(1.0, result.message)
            return result
    try:
        if unit and sender is None:
            raise FileRefused(FILE["unknown_sender"].format(unit=unit))
        if too_big:
            raise FileRefused(FILE["too_big"].format(size=len(data) / 1024 / 1024, limit=limit))
        step(0.05, t("upload.step_reading"))
        found = reader.read(con, data, sheet)
        result.submission = _stored(storing)
        result.header_row, result.headers = found.header_row, found.headers
        check_columns(found, sender)
        step(0.35, t("upload.step_checking"))
        validate(con, found, cat, sender)
        refuse_extra_cells(con, found)
        collect(con, found, result)
        release_cells(con)
        if result.rows == 0:
            raise FileRefused(FILE["no_rows"])
        step(0.7, t("upload.step_checked"))
        if dry_run:
            result.outcome = "dry_run"
            if not result.duplicate:
                result.message = SUMMARY["dry_run"].format(
                    accepted=result.accepted, warned=result.warnings, refused=result.refused
                )
                result.message += result.notes_text()
            return result
        result.outcome = "committed" if result.accepted else "all_refused"
        result.message = SUMMARY[result.outcome].format(
            accepted=result.accepted, warned=result.warnings, refused=result.refused
        )
        result.message += result.notes_text()
        step(0.75, t("upload.step_writing"))
        with _key_lock(sender, sha):  # the same file for the same unit: one commit at a time in this process
            earlier = committed_before(con, sha, sender)
            if earlier is not None:  # committed meanwhile (another tab): nothing to write
                _as_duplicate(result, earlier)
                settle(con, result.submission, result, settled)
                return result
            commit(con, result.submission, result, settled)
        step(1.0, result.message)
        return result
    except FileRefused as exc:
        result.outcome, result.message = "failed", str(exc)
        result.accepted = result.refused = result.warnings = 0
        result.refused_rows, result.warned_rows = [], []
        result.submission = _stored(storing)
        settle(con, result.submission, result, settled)
        return result
    except Exception as exc:
        if isinstance(exc, Unavailable):  # PostgreSQL restarting: no bug to trace, and words for the reporter
            LOG.warning("the import of %r: the database cannot be reached: %s", file_name, exc)
            result.message = FILE["unreachable"]
        else:
            logs.unexpected(LOG, f"the import of {file_name!r}")  # repr: a name cannot forge a log line
            result.message = FILE["failed"].format(detail=f"{type(exc).__name__}: {exc}")
        result.outcome = "failed"
        result.accepted = result.refused = result.warnings = 0
        result.refused_rows, result.warned_rows = [], []
        result.submission = _stored(storing)
        earlier = None if dry_run else committed_before(con, sha, sender)
        if earlier is not None:  # another process committed it meanwhile: our claim conflicted
            _as_duplicate(result, earlier)
        settle(con, result.submission, result, settled)
        return result
    finally:
        drop_temp(con)
        raw_files.keep_refused(con, result.submission, result.outcome, user)  # stored nothing: capped
