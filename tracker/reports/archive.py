"""导出档案: the 资料审核 binder as the review team reads it — a zip with one folder per item
(「第01项 爱国卫生工作纳入议程/…」) holding every file stored for that item: its metrics' measurements' evidence,
its tasks' files (a unit's update, the office's), its acceptances', its own, its inspection findings' photos, and
the 督办通知 sent about its figures; the 通报 issued in 「综合材料/」 (they cover every item). 目录.xlsx opens on
one row per item — all 45, with 材料数, 最近更新 and 缺材料 flagged — then 文件清单 (every file: item, metric,
period, unit, file, date, uploader, the office's verification) and a sheet per item listing its files.

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

# One row per file in the binder, with the item it belongs to and what the 目录 says about it: every evidence
# file still attached (to a measurement, a task, an acceptance, an item, an inspection finding), every 督办通知
# sent (in each item whose figures it names) and every 通报 issued (the general folder: it covers every item).
# `source` says where the bytes are (evidence_file by sha256, reminder or briefing_issue by source_id). The
# verification of a yes/no answer holds for a measurement when it checked the same metric/area/period and value
# and still held when that measurement was recorded (or when the check was made, for the answer it checked): the
# evaluation's own definition (indicators.rules.checklist.check_holds).
_EVIDENCE = f"""
links AS (
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
evidence AS (   -- every evidence file still attached, with its item
    SELECT d.link_id, d.item, 1 AS part, d.metric, d.period, d.period_start, d.unit, d.area,
           d.sha256, d.file_name, d.mime, d.size, d.attached_at, d.attached_by, d.note,
           CASE WHEN c.verified_by IS NOT NULL THEN 'verified'
                WHEN d.yesno AND d.value >= 0.5 AND d.unit <> $office THEN 'pending'
                WHEN d.yesno AND d.value < 0.5 THEN 'answered_no' END AS verification,
           c.verified_by, c.verified_at, NULL AS task_id, NULL::DATE AS accepted_on,
           'evidence' AS source, NULL::BIGINT AS source_id, NULL AS ref
    FROM measured d LEFT JOIN checked c USING (link_id)
    UNION ALL
    SELECT l.link_id, t.item, 2, t.metric, NULL, NULL, t.owner_unit, t.area, l.sha256, l.file_name, l.mime,
           l.size, l.attached_at, l.attached_by, l.note, NULL, NULL, NULL, t.id, NULL, 'evidence', NULL, NULL
    FROM links l JOIN task t ON l.target = 'task' AND l.target_id = CAST(t.id AS VARCHAR)
    UNION ALL
    SELECT l.link_id, a.item, 3, NULL, NULL, NULL, $office, NULL, l.sha256, l.file_name, l.mime, l.size,
           l.attached_at, l.attached_by, l.note, NULL, NULL, NULL, NULL, a.accepted_on, 'evidence', NULL, NULL
    FROM links l JOIN acceptance a ON l.target = 'acceptance' AND l.target_id = CAST(a.id AS VARCHAR)
    UNION ALL
    SELECT l.link_id, TRY_CAST(l.target_id AS INTEGER), 0, NULL, NULL, NULL, $office, NULL, l.sha256,
           l.file_name, l.mime, l.size, l.attached_at, l.attached_by, l.note, NULL, NULL, NULL, NULL, NULL,
           'evidence', NULL, NULL
    FROM links l WHERE l.target = 'item'
    UNION ALL
    SELECT l.link_id, f.item, 4, f.metric, NULL, NULL, f.unit, NULL, l.sha256, l.file_name, l.mime, l.size,
           l.attached_at, l.attached_by, l.note, NULL, NULL, NULL, NULL, NULL, 'evidence', NULL,
           CAST(f.id AS VARCHAR)
    FROM links l JOIN finding f ON l.target = 'finding' AND l.target_id = CAST(f.id AS VARCHAR)
)"""

_ORDER = """ORDER BY item NULLS LAST, part, metric NULLS FIRST, period_start DESC NULLS LAST, area NULLS FIRST,
         attached_at, link_id, source_id"""

# The item page's files: the archive's evidence rows of the items asked, without the 督办通知 and 通报.
EVIDENCE_SQL = f"""
WITH {_EVIDENCE}
SELECT * FROM evidence WHERE item IN (SELECT unnest($items))
{_ORDER}
"""

ROWS_SQL = f"""
WITH {_EVIDENCE},
noticed AS (   -- a 督办通知 once per item it names (one row per unit of the notice in reminder)
    SELECT min(r.id) AS id, r.doc_number, c.item, string_agg(DISTINCT r.unit, '、') AS units,
           any_value(r.file_name) AS file_name, min(r.sent_at) AS sent_at, any_value(r.sent_by) AS sent_by,
           any_value(octet_length(r.file_bytes)) AS size
    FROM reminder r,
         unnest(CAST(json_extract_string(r.figures_json, '$[*].metric') AS VARCHAR[])) AS named(metric)
    JOIN cat_metric c ON c.metric = named.metric
    GROUP BY r.doc_number, c.item
),
archived AS (
    SELECT * FROM evidence
    UNION ALL
    SELECT NULL, n.item, 5, NULL, NULL, NULL, n.units, NULL, NULL, n.file_name, $docx, n.size, n.sent_at,
           n.sent_by, '', NULL, NULL, NULL, NULL, NULL, 'reminder', n.id, n.doc_number
    FROM noticed n
    UNION ALL
    SELECT NULL, NULL, 6, NULL, NULL, NULL, $office, NULL, NULL, b.file_name, $docx, octet_length(b.bytes),
           b.issued_at, b.issued_by, '', NULL, NULL, NULL, NULL, NULL, 'briefing', b.id, b.number
    FROM briefing_issue b WHERE $everything
)
SELECT * FROM archived
WHERE item IN (SELECT unnest($items)) OR (item IS NULL AND part = 6)
{_ORDER}
"""

# Where a file's bytes are, by its row's `source`.
BYTES_SQL = {
    "evidence": "SELECT bytes FROM evidence_file WHERE sha256 = $sha256",
    "reminder": "SELECT file_bytes FROM reminder WHERE id = $source_id",
    "briefing": "SELECT bytes FROM briefing_issue WHERE id = $source_id",
}


def archive_rows(
    con: duckdb.DuckDBPyConnection, items: Sequence[int] | None = None, cat: Catalogue | None = None
) -> pd.DataFrame:
    """What goes into the archive (no bytes): per file its item (None: the general folder), part (0 the item's
    own, 1 a measurement's, 2 a task's, 3 an acceptance's, 4 an inspection finding's, 5 a 督办通知, 6 a 通报),
    metric, period, unit, area, sha256, file_name, mime, size, attached_at, attached_by, note, verification
    (verified | pending | answered_no | None), verified_by, verified_at, task_id, accepted_on, source
    (evidence | reminder | briefing), source_id, ref (the finding's id, the document's 文号). The 通报 only in
    the whole archive (items None): they are every item's."""
    cat = cat or catalogue()
    params = {
        **_evidence_params(con, items if items is not None else [i.code for i in cat.items], cat),
        "everything": items is None,
        "docx": evidence.DOCX.mime,
    }
    return con.execute(ROWS_SQL, params).df()


def evidence_rows(
    con: duckdb.DuckDBPyConnection, items: Sequence[int], cat: Catalogue | None = None
) -> pd.DataFrame:
    """The evidence files of `items` (the item page's 档案资料): archive_rows' rows of source evidence, the same
    columns and order, read without the 督办通知 and 通报 the page does not show."""
    return con.execute(EVIDENCE_SQL, _evidence_params(con, items, cat or catalogue())).df()


def _evidence_params(con: duckdb.DuckDBPyConnection, items: Sequence[int], cat: Catalogue) -> dict:
    use_catalogue(con, cat)  # the evidence's item is read from cat_metric
    return {
        "items": list(items),
        "yesno": [m.code for m in cat.metrics if m.vtype.answer] or [""],
        "office": OFFICE,
    }


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


def item_title(item: int, cat: Catalogue) -> str:
    """「第18项 …」: how the binder names an item, in its folders and its 目录."""
    return WORDS["item_folder"].format(code=item, title=cat.item(item).title)


def folder_name(item, cat: Catalogue) -> str:
    """The item's folder; the general folder (通报: every item's) for no item."""
    return _fit(_safe(item_title(int(item), cat) if pd.notna(item) else WORDS["general_folder"]))


def accepted_day(row) -> str:
    """The acceptance's day, 2024-03-15 (the frame holds it as a timestamp)."""
    return f"{pd.Timestamp(row.accepted_on):%Y-%m-%d}"


def _acceptance_label(row) -> str:
    return WORDS["ev_acceptance_label"].format(date=accepted_day(row))


def _entry_name(row) -> str:
    """The file's name inside its item's folder: what it evidences first, so the folder reads in order."""
    if row.part == 1:
        area = f" {row.area}" if isinstance(row.area, str) else ""
        prefix = f"{row.metric} {row.period}{area} {row.unit} - "
    elif row.part == 2:
        prefix = f"{WORDS['ev_task_label'].format(id=int(row.task_id))} - "
    elif row.part == 3:
        prefix = f"{_acceptance_label(row)} - "
    elif row.part == 4:
        prefix = f"{WORDS['ev_finding_label'].format(id=row.ref)} - "
    else:  # the item's own files; a 督办通知's or 通报's name says what it is
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
    paths = [_unique(folder_name(r.item, cat), _entry_name(r), taken) for r in rows.itertuples(index=False)]
    return rows.assign(path=paths)


# ---------------------------------------------------------------- 目录.xlsx


FILE_COLUMNS = ("metric", "period", "unit", "file", "date", "by", "verification", "note")
FILE_WIDTHS = (30, 16, 14, 60, 17, 12, 24, 30)


def _what(r) -> str:
    """The 期间 column: the period (and area) of a figure's file, else what the file belongs to."""
    if r.part == 1:
        return r.period + (f" {r.area}" if isinstance(r.area, str) else "")
    if r.part == 2:
        return WORDS["ev_task_label"].format(id=int(r.task_id))
    if r.part == 3:
        return _acceptance_label(r)
    if r.part == 4:
        return WORDS["ev_finding_label"].format(id=r.ref)
    if r.part == 5:
        return WORDS["reminder_label"].format(number=r.ref)
    if r.part == 6:
        return WORDS["briefing_label"].format(number=r.ref)
    return WORDS["ev_item_label"]


def _file_cells(r, cat: Catalogue) -> list:
    """One file's cells under FILE_COLUMNS."""
    metric = f"{r.metric} {cat.metric(r.metric).name}" if isinstance(r.metric, str) else ""
    when = f"{pd.Timestamp(r.attached_at):%Y-%m-%d %H:%M}"
    return [metric, _what(r), r.unit, r.path, when, r.attached_by, verification_text(r), r.note or ""]


def _files_sheet(
    book: SafeWorkbook, name: str, rows: pd.DataFrame, cat: Catalogue, first: list | None
) -> None:
    """A sheet listing files, each path a link that opens it from the unpacked folder. first: the header's
    leading column (项目) and each row's value for it, or None (an item's own sheet, titled instead)."""
    sheet = book.sheet(name)
    top = 0
    if first is None:
        title = WORDS["item_sheet_title"].format(
            folder=item_title(int(rows["item"].iloc[0]), cat), n=len(rows)
        )
        book.cell(sheet, 0, 0, title, book.title)
        top = 1
    lead = [] if first is None else [WORDS["col_item"]]
    book.row(sheet, top, lead + [WORDS[f"col_{h}"] for h in FILE_COLUMNS], book.header)
    for n, r in enumerate(rows.itertuples(index=False), start=top + 1):
        book.row(sheet, n, ([first[n - top - 1]] if first else []) + _file_cells(r, cat))
        book.link(sheet, n, len(lead) + 3, r.path)
    for column, width in enumerate(([30] if lead else []) + list(FILE_WIDTHS)):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(top + 1, 0)


def index_xlsx(planned: pd.DataFrame, cat: Catalogue, items: Sequence[int] | None = None) -> bytes:
    """The binder's 目录: first one row per item (all of `items`, every item by default) with its number of
    files, the latest, and 缺材料 when it has none, each item with files linked to its own sheet; then 文件清单,
    every file; then a sheet per item with files. Written by the one inert-cell writer: a note reading
    =HYPERLINK(…) stays text. (Its print set-up is the shared helper's, applied by the caller.)"""
    book = SafeWorkbook()
    codes = list(items) if items is not None else [i.code for i in cat.items]
    summary = book.sheet(WORDS["index_sheet"])
    flagged = book.book.add_format({"bold": True, "font_color": "#C00000", "valign": "top"})
    header = [WORDS[k] for k in ("col_item", "col_lead", "col_count", "col_latest", "col_missing")]
    book.row(summary, 0, header, book.header)
    by_item = {int(k): part for k, part in planned.dropna(subset=["item"]).groupby("item")}
    for n, code in enumerate(codes, start=1):
        part = by_item.get(code)
        latest = None if part is None else f"{pd.Timestamp(part['attached_at'].max()):%Y-%m-%d %H:%M}"
        count = 0 if part is None else len(part)
        book.row(summary, n, [item_title(code, cat), cat.item(code).lead, count, latest])
        if part is None:
            book.cell(summary, n, 4, WORDS["missing"], flagged)
        else:
            book.sheet_link(summary, n, 0, WORDS["item_sheet"].format(code=code), item_title(code, cat))
    for column, width in enumerate((44, 20, 8, 17, 8)):
        summary.set_column(column, column, width)
    summary.freeze_panes(1, 0)
    items_of = [
        WORDS["general_folder"] if pd.isna(r.item) else item_title(int(r.item), cat)
        for r in planned.itertuples(index=False)
    ]
    _files_sheet(book, WORDS["files_sheet"], planned, cat, items_of)
    for code, part in by_item.items():
        _files_sheet(book, WORDS["item_sheet"].format(code=code), part, cat, None)
    return book.close()


# ---------------------------------------------------------------- the zip


@dataclass(frozen=True)
class Exported:
    files: int
    bytes_in: int  # the files' total size
    items: int  # items with at least one file (the general folder not counted)


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
        _write_member(z, INDEX, index_xlsx(planned, cat, items), dt.datetime.now(), False)
        for r in planned.itertuples(index=False):
            where = {"sha256": r.sha256} if r.source == "evidence" else {"source_id": int(r.source_id)}
            data = con.execute(BYTES_SQL[r.source], where).fetchone()[0]
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
