"""导出档案: the review archive as the review team reads it — a zip with one folder per item
(「第01项 爱国卫生工作纳入议程/…」) holding that item's evidence files (its metrics' measurements', the tasks'
of its metrics, its acceptances', its own), and 目录.xlsx listing item, metric, period, unit, file, date,
uploader and the office's verification.

Written file by file onto disk, never built in memory: the list of what goes in is read first (metadata
only), then each file's bytes are fetched from DuckDB one at a time and written through the zip in slices, so
memory stays at about one file (at most settings.yaml max_evidence_mb) whatever the archive's size. Files that
are already compressed (JPG, PNG, DOCX, XLSX) are stored as they are; PDFs are deflated.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import duckdb
import pandas as pd

from indicators.rules.checklist import check_holds
from tracker import logs
from tracker.catalogue import OFFICE, Catalogue, catalogue
from tracker.engine.catalogue_tables import use_catalogue
from tracker.files import SafeWorkbook
from tracker.office import evidence
from tracker.strings.evidence import ARCHIVE
from tracker.text import xml_safe

WORDS = ARCHIVE  # the archive is for the review team: Chinese, whatever the screen's language
INDEX = WORDS["index"]
SLICE = 1 << 20  # bytes written through the zip at a time

# One row per attached file, with the item it belongs to and what the 目录 says about it. The verification of
# a yes/no answer holds for a measurement when it checked the same metric/area/period and value and still held
# when that measurement was recorded (or when the check was made, for the answer it checked): the evaluation's
# own definition (indicators.rules.checklist.check_holds).
ROWS_SQL = f"""
WITH links AS (
    SELECT l.id AS link_id, l.target, l.target_id, l.sha256, l.file_name, l.attached_at, l.attached_by,
           l.note, f.mime, f.size
    FROM evidence_link l JOIN evidence_file f ON f.sha256 = l.sha256
    WHERE l.removed_at IS NULL
),
measured AS (
    SELECT l.*, c.item, m.metric, m.period_label AS period, m.period_start, m.unit, m.area,
           m.value, m.recorded_at, m.metric IN (SELECT unnest($yesno)) AS yesno, m.id AS measurement_id
    FROM links l
    JOIN measurement m ON l.target = 'measurement' AND l.target_id = CAST(m.id AS VARCHAR)
    JOIN cat_metric c ON c.metric = m.metric
),
checked AS (
    SELECT d.link_id, v.verified_by, v.verified_at
    FROM measured d JOIN verification v
      ON v.metric = d.metric AND v.area IS NOT DISTINCT FROM d.area AND v.period_start = d.period_start
     AND abs(v.value - d.value) <= 1e-9
    WHERE d.yesno AND {check_holds("v", "greatest(d.recorded_at, v.verified_at)")}
    QUALIFY row_number() OVER (PARTITION BY d.link_id ORDER BY v.verified_at DESC) = 1
),
archived AS (
    SELECT d.link_id, d.item, 1 AS part, d.metric, d.period, d.period_start, d.unit, d.area,
           d.sha256, d.file_name, d.mime, d.size, d.attached_at, d.attached_by, d.note,
           CASE WHEN c.verified_by IS NOT NULL THEN 'verified'
                WHEN d.yesno AND d.value >= 0.5 AND d.unit <> $office THEN 'pending'
                WHEN d.yesno AND d.value < 0.5 THEN 'answered_no' END AS verification,
           c.verified_by, c.verified_at, NULL AS task_id, NULL::DATE AS accepted_on
    FROM measured d LEFT JOIN checked c USING (link_id)
    UNION ALL
    SELECT l.link_id, t.item, 2, t.metric, NULL, NULL, t.owner_unit, t.area, l.sha256, l.file_name, l.mime,
           l.size, l.attached_at, l.attached_by, l.note, NULL, NULL, NULL, t.id, NULL
    FROM links l JOIN task t ON l.target = 'task' AND l.target_id = CAST(t.id AS VARCHAR)
    UNION ALL
    SELECT l.link_id, a.item, 3, NULL, NULL, NULL, $office, NULL, l.sha256, l.file_name, l.mime, l.size,
           l.attached_at, l.attached_by, l.note, NULL, NULL, NULL, NULL, a.accepted_on
    FROM links l JOIN acceptance a ON l.target = 'acceptance' AND l.target_id = CAST(a.id AS VARCHAR)
    UNION ALL
    SELECT l.link_id, TRY_CAST(l.target_id AS INTEGER), 0, NULL, NULL, NULL, $office, NULL, l.sha256,
           l.file_name, l.mime, l.size, l.attached_at, l.attached_by, l.note, NULL, NULL, NULL, NULL, NULL
    FROM links l WHERE l.target = 'item'
)
SELECT * FROM archived
WHERE item IN (SELECT unnest($items))
ORDER BY item, part, metric NULLS FIRST, period_start DESC NULLS LAST, area NULLS FIRST, attached_at, link_id
"""


def archive_rows(
    con: duckdb.DuckDBPyConnection, items: Sequence[int] | None = None, cat: Catalogue | None = None
) -> pd.DataFrame:
    """What goes into the archive (no bytes): per attached file its item, part (0 the item's own, 1 a
    measurement's, 2 a task's, 3 an acceptance's), metric, period, unit, area, sha256, file_name, mime, size,
    attached_at, attached_by, note, verification (verified | pending | answered_no | None), verified_by,
    verified_at, task_id, accepted_on."""
    cat = cat or catalogue()
    use_catalogue(con, cat)
    params = {
        "items": list(items) if items is not None else [i.code for i in cat.items],
        "yesno": [m.code for m in cat.metrics if m.vtype.answer] or [""],
        "office": OFFICE,
    }
    return con.execute(ROWS_SQL, params).df()


# ---------------------------------------------------------------- names inside the zip

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')  # what Windows refuses in a name; a slash would make a folder
MAX_NAME_BYTES = (
    255  # one name in a path, as UTF-8: what Linux and macOS file systems take (Windows: 255 UTF-16)
)


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", xml_safe(text, one_line=True)).strip(" .") or "_"


def _fit(name: str, tag: str = "") -> str:
    """name with `tag` (「 (2)」) before its suffix, cut at a character so that it takes at most MAX_NAME_BYTES;
    the suffix (.pdf) is kept, so the file still opens with its program."""
    p = PurePosixPath(name)
    suffix = p.suffix if 1 < len(p.suffix) <= 10 else ""
    stem = name[: len(name) - len(suffix)]
    room = MAX_NAME_BYTES - len((tag + suffix).encode())
    if len(stem.encode()) > room:
        stem = stem.encode()[:room].decode("utf-8", "ignore").rstrip(" .") or "_"
    return stem + tag + suffix


def folder_name(item: int, cat: Catalogue) -> str:
    return _fit(_safe(WORDS["item_folder"].format(code=item, title=cat.item(item).title)))


def _entry_name(row) -> str:
    """The file's name inside its item's folder: what it evidences first, so the folder reads in order."""
    if row.part == 1:
        area = f" {row.area}" if isinstance(row.area, str) else ""
        prefix = f"{row.metric} {row.period}{area} {row.unit} - "
    elif row.part == 2:
        prefix = f"{WORDS['ev_task_label'].format(id=int(row.task_id))} - "
    elif row.part == 3:
        prefix = f"{WORDS['ev_acceptance_label'].format(date=row.accepted_on)} - "
    else:
        prefix = ""
    return _safe(prefix + row.file_name)


def _unique(folder: str, name: str, taken: set[str]) -> str:
    """folder/name, the name fitted (_fit) and numbered 「 (2)」「 (3)」… when the path is taken already."""
    n = 1
    while (candidate := f"{folder}/{_fit(name, f' ({n})' if n > 1 else '')}") in taken:
        n += 1
    taken.add(candidate)
    return candidate


def verification_key(row) -> str | None:
    """Which words say the office's check of the file's measurement (ev_verified | ev_pending |
    ev_not_verified_no), None when there is nothing to check (a figure, a task's or an item's file)."""
    return {"verified": "ev_verified", "pending": "ev_pending", "answered_no": "ev_not_verified_no"}.get(
        row.verification
    )


def verification_text(row, words: dict[str, str] = WORDS) -> str:
    key = verification_key(row)
    return "" if key is None else words[key].format(**verified_by(row))


def verified_by(row) -> dict[str, str]:
    """who and when of the check, for the words of verification_key."""
    if row.verification != "verified":
        return {}
    return {"who": row.verified_by, "when": f"{pd.Timestamp(row.verified_at):%Y-%m-%d}"}


def plan(rows: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """rows (archive_rows) with `path`: where each file goes in the zip, unique."""
    taken: set[str] = {INDEX}
    paths = [
        _unique(folder_name(int(r.item), cat), _entry_name(r), taken) for r in rows.itertuples(index=False)
    ]
    return rows.assign(path=paths)


# ---------------------------------------------------------------- 目录.xlsx


def index_xlsx(planned: pd.DataFrame, cat: Catalogue) -> bytes:
    """The archive's 目录: one row per file, its path a link that opens it from the unpacked folder. Written by
    the one inert-cell writer: a note reading =HYPERLINK(…) stays text."""
    book = SafeWorkbook()
    sheet = book.sheet(WORDS["index_sheet"])
    header = ["item", "metric", "period", "unit", "file", "date", "by", "verification", "note"]
    book.row(sheet, 0, [WORDS[f"col_{h}"] for h in header], book.header)
    for n, r in enumerate(planned.itertuples(index=False), start=1):
        metric = f"{r.metric} {cat.metric(r.metric).name}" if isinstance(r.metric, str) else ""
        if r.part == 2:
            period = WORDS["ev_task_label"].format(id=int(r.task_id))
        elif r.part == 3:
            period = WORDS["ev_acceptance_label"].format(date=r.accepted_on)
        elif r.part == 0:
            period = WORDS["ev_item_label"]
        else:
            period = r.period + (f" {r.area}" if isinstance(r.area, str) else "")
        book.row(
            sheet,
            n,
            [
                WORDS["item_folder"].format(code=int(r.item), title=cat.item(int(r.item)).title),
                metric,
                period,
                r.unit,
                r.path,
                f"{pd.Timestamp(r.attached_at):%Y-%m-%d %H:%M}",
                r.attached_by,
                verification_text(r),
                r.note or "",
            ],
        )
        book.link(sheet, n, 4, r.path)
    for column, width in enumerate((30, 30, 16, 14, 60, 17, 12, 24, 30)):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    return book.close()


# ---------------------------------------------------------------- the zip


@dataclass(frozen=True)
class Exported:
    files: int
    bytes_in: int  # the evidence files' total size
    items: int  # items with at least one file


def _zip_time(when) -> tuple[int, int, int, int, int, int]:
    stamp = pd.Timestamp(when).to_pydatetime()
    return max(stamp, dt.datetime(1980, 1, 1)).timetuple()[:6]


def _write_member(z: zipfile.ZipFile, path: str, data: bytes, when, compress: bool) -> None:
    info = zipfile.ZipInfo(path, date_time=_zip_time(when))
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.file_size = len(data)
    view = memoryview(data)
    with z.open(info, "w", force_zip64=len(data) > 0x7FFF0000) as member:
        for start in range(0, len(view), SLICE):
            member.write(view[start : start + SLICE])


@logs.service("archive_export")
def write_archive(
    con: duckdb.DuckDBPyConnection,
    out: str | os.PathLike | BinaryIO,
    items: Sequence[int] | None = None,
    cat: Catalogue | None = None,
) -> Exported:
    """Write the archive of `items` (all by default) to a path or a binary stream, one file at a time."""
    cat = cat or catalogue()
    planned = plan(archive_rows(con, items, cat), cat)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        _write_member(z, INDEX, index_xlsx(planned, cat), dt.datetime.now(), False)
        for r in planned.itertuples(index=False):
            data = con.execute("SELECT bytes FROM evidence_file WHERE sha256 = ?", [r.sha256]).fetchone()[0]
            _write_member(z, r.path, data, r.attached_at, not evidence.TYPES[r.mime].compressed)
            del data  # one file's bytes at a time
    return Exported(
        len(planned), int(planned["size"].sum()) if len(planned) else 0, planned["item"].nunique()
    )


def archive_file(
    con: duckdb.DuckDBPyConnection, items: Sequence[int] | None = None, cat: Catalogue | None = None
) -> Path:
    """The archive written to a new temporary file (the caller deletes it)."""
    handle, name = tempfile.mkstemp(prefix="tracker-archive-", suffix=".zip")
    os.close(handle)
    try:
        write_archive(con, name, items, cat)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def archive_name(day: dt.date, item: int | None = None) -> str:
    if item is None:
        return WORDS["archive_name"].format(date=day.isoformat())
    return WORDS["archive_item_name"].format(code=item, date=day.isoformat())
