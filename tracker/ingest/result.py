"""What an import says: its counts, outcome and message, the refused and warned rows (each with its row number as
Excel shows it and every reason), and the refused rows as a file to fix and send again."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from tracker.strings.upload import OUTCOME_LABEL, ROW_PREFIX, SUMMARY

# Called inside the transaction that settles a submission (its rows, or its failure), before COMMIT: the
# audit entries of tracker.ingest.uploads land with what they describe, or not at all.
Settled = Callable[[duckdb.DuckDBPyConnection, "ImportResult"], None]
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
        them) and the apostrophe before a risky cell is taken off (tracker.ingest.cells.clean_sql)."""
        from tracker.files import csv_bytes

        return csv_bytes(self.refused_frame())
