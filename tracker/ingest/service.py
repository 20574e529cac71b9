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
import json
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from indicators.figures import figure_sql
from tracker import text as free_text  # the one cleaning rule for typed text
from tracker.catalogue import catalogue
from tracker.config import settings
from tracker.db import transaction
from tracker.engine import counting
from tracker.ingest import raw_files, reader
from tracker.ingest.text import FileRefused
from tracker.ingest.validate import drop_temp, release_cells, validate
from tracker.strings.ui import t
from tracker.strings.upload import FILE, OUTCOME_LABEL, ROW_PREFIX, SUMMARY

Progress = Callable[[float, str], None]
# Called inside the transaction that settles a submission (its rows, or its failure), before COMMIT: the
# audit entries of tracker.ingest.uploads land with what they describe, or not at all.
Settled = Callable[[duckdb.DuckDBPyConnection, "ImportResult"], None]
PREVIEW_ROWS = 1000
SPANS_SHOWN = 10  # rows spanning lines named in the summary


@dataclass
class RowReport:
    row: int  # as Excel numbers it
    reasons: list[str]  # blocking reasons (refused rows) or warnings (warned rows)
    cells_json: str = "{}"  # the raw cells, header → text

    @property
    def cells(self) -> dict:
        return json.loads(self.cells_json)

    def lines(self) -> list[str]:
        return [ROW_PREFIX.format(row=self.row) + r for r in self.reasons]


@dataclass
class ImportResult:
    submission: int | None
    accepted: int = 0  # rows that go in (warned rows included)
    refused: int = 0
    warnings: int = 0  # accepted rows with at least one warning
    skipped: int = 0  # rows below the header left blank (no figure, note or evidence)
    duplicate: bool = False
    outcome: str = "failed"  # committed | all_refused | failed | duplicate | dry_run
    message: str = ""
    refused_rows: list[RowReport] = field(default_factory=list)
    warned_rows: list[RowReport] = field(default_factory=list)  # the first PREVIEW_ROWS of them
    accepted_preview: pd.DataFrame = field(default_factory=pd.DataFrame)
    file_name: str = ""
    sha256: str = ""
    unit: str | None = None
    header_row: int | None = None
    headers: list[str] = field(default_factory=list)
    # (row, first line, last line) of the rows whose quoted cells span several lines of a CSV file
    line_spans: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.accepted + self.refused

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABEL.get(self.outcome, self.outcome)

    def to_json(self) -> dict:
        return {
            "submission": self.submission,
            "accepted": self.accepted,
            "refused": self.refused,
            "warnings": self.warnings,
            "skipped": self.skipped,
            "duplicate": self.duplicate,
            "outcome": self.outcome,
            "message": self.message,
            "refused_rows": [{"row": r.row, "reasons": r.reasons} for r in self.refused_rows],
            "warned_rows": [{"row": r.row, "warnings": r.reasons} for r in self.warned_rows],
            "line_spans": [{"row": r, "first_line": a, "last_line": b} for r, a, b in self.line_spans],
        }

    def notes_text(self) -> str:
        """What the summary adds after its counts: the rows skipped as blank, the rows spanning lines."""
        skipped = SUMMARY["skipped"].format(n=self.skipped) if self.skipped else ""
        return skipped + self._spans_text()

    def _spans_text(self) -> str:
        """The rows spanning several lines of the file, for the summary ('' when there are none)."""
        if not self.line_spans:
            return ""
        shown = [SUMMARY["span"].format(row=r, first=a, last=b) for r, a, b in self.line_spans[:SPANS_SHOWN]]
        more = "……" if len(self.line_spans) > SPANS_SHOWN else ""
        return SUMMARY["spans"].format(rows="、".join(shown) + more)

    def refused_frame(self) -> pd.DataFrame:
        """The refused rows as sent, with 行号 and 原因 in front: a file to fix and send again."""
        from tracker.strings.upload import COLUMNS

        records = [
            {COLUMNS["row"]: r.row, COLUMNS["reasons"]: "；".join(r.reasons), **r.cells}
            for r in self.refused_rows
        ]
        return pd.DataFrame(records, columns=None if records else [COLUMNS["row"], COLUMNS["reasons"]])

    def refused_csv(self) -> bytes:
        """utf-8-sig, so Excel on Chinese Windows opens it without garbling; every cell inert (a clerk's
        =HYPERLINK(…) stays text). Sent again, its 行号 and 原因 columns are not read (no header word names
        them) and the apostrophe before a risky cell is taken off (validate._clean)."""
        from tracker.files import csv_bytes

        return csv_bytes(self.refused_frame())


def _before_commit(con: duckdb.DuckDBPyConnection) -> None:
    """Called inside the transaction just before COMMIT (tests inject a failure here)."""


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


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


def recover_interrupted(con: duckdb.DuckDBPyConnection) -> int:
    """Settle the submissions an import stored but never finished (the process was killed between keeping the
    raw file and writing the outcome): each says it was interrupted and gets its audit entry, once. Run when the
    file is opened for writing (the app, a writing command), before this process can have an import in flight;
    DuckDB lets no other process write the file. Returns how many."""
    from tracker.access import audit

    with transaction(con):
        rows = con.execute(
            "UPDATE submission SET message = ? WHERE outcome = 'failed' AND message = ? "
            "RETURNING id, submitted_by, file_name",
            [
                FILE["failed"].format(detail=FILE["interrupted"]),
                FILE["failed"].format(detail=FILE["pending"]),
            ],
        ).fetchall()
        for sid, user, file_name in sorted(rows):
            detail = FILE["interrupted_audit"].format(id=sid)
            audit.record(con, user, "upload_interrupted", file_name, after={"submission": sid}, detail=detail)
    return len(rows)


def _store(con, file_name: str, data: bytes, sha: str, unit: str | None, user: str) -> int:
    """The submission, marked failed until settled; its bytes in upload_file once per sha256 (migration 4)."""
    with raw_files.LOCK:  # the bytes and the submission referring to them: the cap drops neither between
        raw_files.store(con, sha, data)
        return con.execute(
            """INSERT INTO submission (submitted_at, submitted_by, unit, file_name, sha256, outcome, message)
               VALUES (?, ?, ?, ?, ?, 'failed', ?) RETURNING id""",
            [_now(), user, unit, file_name, sha, FILE["failed"].format(detail=FILE["pending"])],
        ).fetchall()[0][0]


def _store_behind(con, file_name: str, data: bytes, sha: str, unit: str | None, user: str) -> Future[int]:
    """`_store` on a cursor and a thread of its own: DuckDB releases the GIL, so writing the raw file
    (~0.2 s for 40 MB) overlaps the decoding that follows. `_stored` waits for its submission id."""
    cursor = con.cursor()

    def store() -> int:
        try:
            sid = _store(cursor, file_name, data, sha, unit, user)
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


def _finish(con, sid: int | None, result: ImportResult) -> None:
    if sid is None:
        return
    con.execute(
        "UPDATE submission SET outcome = ?, message = ?, accepted = ?, refused = ?, warned = ? WHERE id = ?",
        [result.outcome, result.message, result.accepted, result.refused, result.warnings, sid],
    )


def _settle(con, sid: int | None, result: ImportResult, settled: Settled | None) -> None:
    """The submission's outcome without rows (failed, duplicate) and its audit, in one transaction."""
    if sid is None:
        return
    with transaction(con):
        _finish(con, sid, result)
        if settled is not None:
            settled(con, result)


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
    storing = None if dry_run or too_big else _store_behind(con, file_name, data, sha, sender, user)
    step(0.02, t("upload.step_received"))
    if earlier is not None:
        result.duplicate = True
        text = SUMMARY["duplicate_dry" if dry_run else "duplicate"]
        result.message = text.format(when=earlier[1].strftime("%Y-%m-%d %H:%M"), original=earlier[0])
        if not dry_run:
            result.outcome = "duplicate"
            result.submission = _stored(storing)
            _settle(con, result.submission, result, settled)
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
        _check_columns(found, sender)
        step(0.35, t("upload.step_checking"))
        validate(con, found, cat, sender)
        _refuse_extra_cells(con, found)
        _collect(con, found, result)
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
                _settle(con, result.submission, result, settled)
                return result
            _commit(con, result.submission, result, settled)
        step(1.0, result.message)
        return result
    except FileRefused as exc:
        result.outcome, result.message = "failed", str(exc)
        result.accepted = result.refused = result.warnings = 0
        result.refused_rows, result.warned_rows = [], []
        result.submission = _stored(storing)
        _settle(con, result.submission, result, settled)
        return result
    except Exception as exc:
        result.outcome = "failed"
        result.message = FILE["failed"].format(detail=f"{type(exc).__name__}: {exc}")
        result.accepted = result.refused = result.warnings = 0
        result.refused_rows, result.warned_rows = [], []
        result.submission = _stored(storing)
        earlier = None if dry_run else committed_before(con, sha, sender)
        if earlier is not None:  # another process committed it meanwhile: our claim conflicted
            _as_duplicate(result, earlier)
        _settle(con, result.submission, result, settled)
        return result
    finally:
        drop_temp(con)
        raw_files.keep_refused(con, result.submission, result.outcome, user)  # stored nothing: capped


def _check_columns(found: reader.Sheet, sender: str | None) -> None:
    from tracker.strings.upload import COLUMNS

    cols = found.columns
    if "unit" not in cols and sender is None:
        raise FileRefused(FILE["no_unit"])
    if "period" not in cols:
        raise FileRefused(FILE["missing_column"].format(column=COLUMNS["period"]))
    if "value" not in cols and not ("numerator" in cols and "denominator" in cols):
        raise FileRefused(FILE["no_value_column"])


def _refuse_extra_cells(con: duckdb.DuckDBPyConnection, found: reader.Sheet) -> None:
    """Refuse a row with cells right of the header's last column, naming them: `…,16,5,小时` under 数值,备注 was
    stored as 16 with the note 「5」 and 「小时」 dropped."""
    from tracker.strings.upload import REFUSE

    extra = range(found.width, found.ncols)
    if not extra:
        return
    named = ", ".join(
        f"CASE WHEN trim(coalesce(c{i}, '')) <> '' THEN '第{i + 1}列「' || c{i} || '」' END" for i in extra
    )
    before, after = REFUSE["extra_cells"].format(width=found.width, cells="\x00").split("\x00")
    con.execute(
        f"""UPDATE _ing_result SET reasons = list_append(_ing_result.reasons, $before || x.cells || $after)
            FROM (SELECT row_no, concat_ws('、', {named}) AS cells FROM _ing_raw) x
            WHERE _ing_result.row_no = x.row_no AND x.cells <> ''""",
        {"before": before, "after": after},
    )


def _cells_sql(found: reader.Sheet) -> tuple[str, dict]:
    params: dict[str, str] = {}
    parts = []
    for i, name in enumerate(found.headers):
        params[f"h{i}"] = name
        cell = f"translate(w.c{i}, '{found.markers.chars}', ',\";')" if found.placeholders else f"w.c{i}"
        parts.append(f"$h{i}, {cell}")
    return f"CAST(json_object({', '.join(parts)}) AS VARCHAR)", params


def _collect(con: duckdb.DuckDBPyConnection, found: reader.Sheet, result: ImportResult) -> None:
    accepted, refused, warned = con.execute(
        """SELECT count(*) FILTER (WHERE len(reasons) = 0), count(*) FILTER (WHERE len(reasons) > 0),
                  count(*) FILTER (WHERE len(reasons) = 0 AND len(warnings) > 0) FROM _ing_result"""
    ).fetchall()[0]
    result.accepted, result.refused, result.warnings = accepted, refused, warned
    # Rows below the header that validate skipped as blank: said in the summary, never silently dropped.
    below = con.execute(f"SELECT count(*) FROM _ing_raw WHERE row_no > {int(found.header_row)}").fetchone()[0]
    result.skipped = below - accepted - refused
    cells, params = _cells_sql(found)
    # The refused rows with their raw cells, made once: the commit stores the same rows.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_refused AS
            SELECT r.row_no, r.reasons, {cells} AS cells FROM _ing_result r JOIN _ing_raw w USING (row_no)
            WHERE len(r.reasons) > 0""",
        params,
    )
    rows = con.execute("SELECT row_no, reasons, cells FROM _ing_refused ORDER BY row_no").fetchall()
    result.refused_rows = [RowReport(n, list(reasons), cells_json) for n, reasons, cells_json in rows]
    # The first rows only: a form of a million rows may warn on each (figures beside the reporters'); every
    # warning is stored with the submission (warned_row), and a million Python objects cost a gigabyte.
    rows = con.execute(
        f"""SELECT row_no, warnings FROM _ing_result WHERE len(reasons) = 0 AND len(warnings) > 0
            ORDER BY row_no LIMIT {PREVIEW_ROWS}"""
    ).fetchall()
    result.warned_rows = [RowReport(n, list(w)) for n, w in rows]
    if found.spans:
        result.line_spans = [
            tuple(r)
            for r in con.execute(
                """SELECT l.row_no, l.first_line, l.last_line FROM _ing_lines l SEMI JOIN _ing_result USING (row_no)
                   ORDER BY l.row_no"""
            ).fetchall()
        ]
    result.accepted_preview = con.execute(
        f"""SELECT r.row_no AS row, i.label AS metric, r.unit, r.area, r.period_label AS period,
                   {figure_sql("r.value", "i.uom", "i.value_type")} AS value,
                   r.numerator, r.denominator, r.note, r.evidence
            FROM _ing_result r JOIN _lk_metric_info i ON i.code = r.metric
            WHERE len(r.reasons) = 0 ORDER BY r.row_no LIMIT {PREVIEW_ROWS}"""
    ).df()


def _reserve_ids(con: duckdb.DuckDBPyConnection) -> int:
    """Measurement ids for the accepted rows, reserved as one block of the sequence: id = the result + row_no.
    nextval() row by row makes the insert single-threaded (0.6 s against 0.35 s per million rows). A block
    that is not contiguous (another connection drew from the sequence meanwhile) is drawn again; gaps are
    harmless, as after any rollback."""
    low, high = con.execute(
        "SELECT coalesce(min(row_no), 0), coalesce(max(row_no), 0) FROM _ing_result WHERE len(reasons) = 0"
    ).fetchone()
    span = high - low + 1
    for _ in range(5):
        first, last = con.execute(
            "SELECT min(v), max(v) FROM (SELECT nextval('measurement_id') AS v FROM range(?))", [span]
        ).fetchone()
        if last - first + 1 == span:
            return first - low
    raise RuntimeError("measurement ids: no contiguous block")


def _commit(con: duckdb.DuckDBPyConnection, sid: int, result: ImportResult, settled: Settled | None) -> None:
    with transaction(con):
        con.execute(
            f"""INSERT INTO measurement (id, submission_id, metric, unit, area, period_start, period_end,
                   period_label, value, numerator, denominator, grade, note, evidence, recorded_at, source_row)
               SELECT $first + row_no, $sid, metric, unit, area, period_start, period_end, period_label, value,
                      numerator, denominator, grade, {free_text.sql_clean("note")}, {free_text.sql_clean("evidence")}, $now, row_no
               FROM _ing_result WHERE len(reasons) = 0 ORDER BY row_no""",
            {
                "first": _reserve_ids(con),
                "sid": sid,
                "now": _now(),
                "clean_from": free_text.SQL_FROM,
                "clean_to": free_text.SQL_TO,
            },
        )
        counting.refresh_summary(con, added_unique=True)  # repeats in a file are refused (validate)
        con.execute(
            """INSERT INTO refused_row (submission_id, row_number, cells, reasons)
               SELECT $sid, row_no, cells, reasons FROM _ing_refused ORDER BY row_no""",
            {"sid": sid},
        )
        con.execute(
            """INSERT INTO warned_row (submission_id, row_number, warnings)
               SELECT $sid, row_no, warnings FROM _ing_result
               WHERE len(reasons) = 0 AND len(warnings) > 0""",
            {"sid": sid},
        )
        if result.outcome == "committed":  # the claim: a second commit of this file for this unit conflicts
            con.execute(
                "INSERT INTO committed_file (unit, sha256, submission_id) VALUES (coalesce(?, ''), ?, ?)",
                [result.unit, result.sha256, sid],
            )
        _finish(con, sid, result)
        if settled is not None:
            settled(con, result)
        _before_commit(con)
