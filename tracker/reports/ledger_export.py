"""整改台账 as a document of its own (issue 24, finding 4): the ledger as it stood on a date — every task, or one
unit's — as a workbook (.xlsx, through the one inert-cell writer) and as a 整改台账 table in Word (through the one
Word writer, A4 landscape), with the files each task holds named in its row. From the ledger page and from
`python -m tracker tasks --out 台账.xlsx|.docx`."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from tracker.catalogue import Catalogue, catalogue
from tracker.files import SafeWorkbook
from tracker.office import evidence, tasks
from tracker.reports.official_doc import BODY_FONT, TITLE_FONT, OfficialDoc
from tracker.strings.formats import cn_date
from tracker.strings.office import LEDGER, TASK_STATUS

SUFFIXES = (".xlsx", ".docx")
XLSX_WIDTHS = (6, 8, 8, 28, 16, 40, 12, 10, 12, 36, 24, 17, 30)
DOCX_WIDTHS = [1.2, 3.0, 4.2, 5.5, 2.6, 1.8, 4.8, 2.6]  # 25.7 cm: the landscape text width


def rows(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, unit: str | None = None, cat: Catalogue | None = None
) -> pd.DataFrame:
    """The ledger (tracker.office.tasks.ledger) with what a printed ledger says: status and overdue in words,
    the metric with its name, and the names of the files each task holds."""
    cat = cat or catalogue()
    frame = tasks.ledger(con, as_of, unit)
    files = evidence.files_for(con, "task", frame["id"].tolist()) if len(frame) else None
    names = {} if files is None else files.groupby("target_id")["file_name"].agg("、".join).to_dict()
    return frame.assign(
        status_text=frame["status"].map(TASK_STATUS),
        overdue_text=[
            LEDGER["overdue"].format(days=int(d)) if o else ""
            for o, d in zip(frame["overdue"], frame["days_overdue"].fillna(0), strict=True)
        ],
        metric_text=[f"{m} {cat.metric(m).name}" for m in frame["metric"]],
        files=[names.get(str(i), "") for i in frame["id"]],
        last_note=frame["last_note"].fillna(""),
        close_reason=frame["close_reason"].fillna(""),
    )


def _subtitle(frame: pd.DataFrame, as_of: dt.date, unit: str | None) -> str:
    return LEDGER["subtitle"].format(
        date=cn_date(as_of),
        unit=LEDGER["of_unit"].format(unit=unit) if unit else "",
        total=len(frame),
        overdue=int(frame["overdue"].sum()) if len(frame) else 0,
        closed=int((frame["status"] == "closed").sum()),
    )


def to_xlsx(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, unit: str | None = None, cat: Catalogue | None = None
) -> bytes:
    """One sheet: the title and its line of counts in the first row, the header under it, a row per task."""
    frame = rows(con, as_of, unit, cat)
    book = SafeWorkbook()
    sheet = book.sheet(LEDGER["sheet"])
    book.cell(sheet, 0, 0, f"{LEDGER['title']}　{_subtitle(frame, as_of, unit)}", book.title)
    table = pd.DataFrame(
        {
            "no": range(1, len(frame) + 1),
            "id": frame["id"],
            "item": frame["item"],
            "metric": frame["metric_text"],
            "owner": frame["owner_unit"],
            "description": frame["description"],
            "deadline": frame["deadline"],
            "status": frame["status_text"],
            "overdue": frame["overdue_text"],
            "last_note": frame["last_note"],
            "files": frame["files"],
            "opened_at": frame["opened_at"],
            "close_reason": frame["close_reason"],
        }
    )
    book.table(sheet, table, LEDGER["headers_xlsx"], start_row=1, widths=XLSX_WIDTHS)
    return book.close()


def to_docx(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, unit: str | None = None, cat: Catalogue | None = None
) -> bytes:
    """The 整改台账 table on A4 landscape: title, its line of counts, the table (header repeated on every page),
    page numbers."""
    frame = rows(con, as_of, unit, cat)
    doc = OfficialDoc()
    doc.landscape()
    doc.body_font()
    doc.para(LEDGER["title"], name=TITLE_FONT, size=22, align=doc.ALIGN.CENTER, indent=False, exact=36)
    doc.para(_subtitle(frame, as_of, unit), size=14, align=doc.ALIGN.CENTER, indent=False)
    doc.blank()
    body = [
        [
            str(n),
            r.owner_unit,
            f"{LEDGER['item'].format(code=r.item)} {r.metric_text}",
            r.description,
            r.deadline.isoformat(),
            r.status_text + (f"\n{r.overdue_text}" if r.overdue_text else ""),
            r.last_note,
            r.files,
        ]
        for n, r in enumerate(frame.itertuples(index=False), start=1)
    ]
    if not body:
        doc.para(LEDGER["none"], indent=False)
    else:
        doc.table(LEDGER["headers_docx"], body, DOCX_WIDTHS, head_size=10.5, body_font=BODY_FONT, body_size=10,
                  shade=None, centred=(0, 4, 5), spacer=False)  # fmt: skip
        doc.rows_whole()
    doc.page_numbers()
    return doc.save(f"{LEDGER['title']}（{cn_date(as_of)}）")


def write(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    suffix: str,
    unit: str | None = None,
    cat: Catalogue | None = None,
) -> bytes:
    """The ledger as `suffix` (.xlsx or .docx)."""
    return (to_docx if suffix == ".docx" else to_xlsx)(con, as_of, unit, cat)


def file_name(as_of: dt.date, suffix: str, unit: str | None = None) -> str:
    return LEDGER["file_name"].format(
        date=as_of.isoformat(), unit=f"-{unit}" if unit else "", suffix=suffix.lstrip(".")
    )
