"""The commit of a validated file: every accepted row, every refused row with its reasons and raw cells, every
warning, the (unit, sha256) claim and the submission's outcome, in one transaction — all or nothing."""

from __future__ import annotations

import datetime as dt

import duckdb

from tracker import text as free_text  # the one cleaning rule for typed text
from tracker.db import transaction
from tracker.engine import counting
from tracker.ingest.result import ImportResult, Settled


def _before_commit(con: duckdb.DuckDBPyConnection) -> None:
    """Called inside the transaction just before COMMIT (tests inject a failure here)."""


def now() -> dt.datetime:
    """The stamp of a commit. Stamps order an answer against the office's check (check_holds): kept to the
    microsecond, so that a check and a 「否」 in the same second do not tie."""
    return dt.datetime.now()


def finish(con, sid: int | None, result: ImportResult) -> None:
    if sid is None:
        return
    con.execute(
        "UPDATE submission SET outcome = ?, message = ?, accepted = ?, refused = ?, warned = ? WHERE id = ?",
        [result.outcome, result.message, result.accepted, result.refused, result.warnings, sid],
    )


def settle(con, sid: int | None, result: ImportResult, settled: Settled | None) -> None:
    """The submission's outcome without rows (failed, duplicate) and its audit, in one transaction."""
    if sid is None:
        return
    with transaction(con):
        finish(con, sid, result)
        if settled is not None:
            settled(con, result)


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
            "SELECT min(v), max(v) FROM (SELECT nextval('measurement_id') AS v FROM generate_series(1, ?)) AS block",
            [span],
        ).fetchone()
        if last - first + 1 == span:
            return first - low
    raise RuntimeError("measurement ids: no contiguous block")


def commit(con: duckdb.DuckDBPyConnection, sid: int, result: ImportResult, settled: Settled | None) -> None:
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
                "now": now(),
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
        finish(con, sid, result)
        if settled is not None:
            settled(con, result)
        _before_commit(con)
