"""催报: 督办通知 from the late board. The office names a 文号 and gets a numbered notice (.docx) for one unit,
or one for all late units, listing each missing figure (指标, 期间), its reporting deadline and days overdue.
Every notice sent is kept (reminder: which units, which figures, who, when, the file and its sha256) and
audited in the same transaction; the unit page lists the notices its unit received.

Also the board as an .xlsx (the late units, and every figure still owed)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

import duckdb
import pandas as pd

from tracker import text
from tracker.access import audit
from tracker.access.auth import Actor
from tracker.access.service import service
from tracker.catalogue import Catalogue, catalogue
from tracker.config import settings
from tracker.db import transaction
from tracker.files import SafeWorkbook
from tracker.office import completeness
from tracker.reports.official_doc import BODY_FONT, OfficialDoc
from tracker.strings.act import BOARD_XLSX, NOTICE, REMINDER
from tracker.strings.formats import cn_date, pct

REPLY_DAYS = 7  # the default time given to report the missing figures, from the notice's date


class ReminderError(ValueError):
    """A notice the office cannot make; the message says why, in Chinese."""


@dataclass(frozen=True)
class Notice:
    doc_number: str
    units: list[str]
    file_name: str
    data: bytes
    sha256: str
    figures: int


def owed(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    cat: Catalogue | None = None,
    *,
    unit: str | None = None,
    since: dt.date | None = None,
) -> pd.DataFrame:
    """The figures still missing after their deadline as of the date (the late board's 「逾期未报」), one row per
    unit, metric and period: unit, metric, name, period_label, deadline, days_overdue; per unit, the longest
    overdue first."""
    cat = cat or catalogue()
    detail = completeness.obligations(con, as_of, since, cat)
    detail = detail[detail["state"] == "missing"]
    if unit is not None:
        detail = detail[detail["unit"] == unit]
    out = pd.DataFrame(
        {
            "unit": detail["unit"],
            "metric": detail["metric"],
            "name": detail["metric"].map(lambda c: cat.metric(c).name),
            "period_label": detail["period_label"],
            "deadline": detail["deadline"],
            "days_overdue": detail["days_late"].astype("int64"),
        }
    )
    return out.sort_values(["unit", "days_overdue", "metric"], ascending=[True, False, True]).reset_index(
        drop=True
    )


def next_number(con: duckdb.DuckDBPyConnection, day: dt.date) -> str:
    """The 文号 to suggest for a notice dated `day`: the office's prefix and year, and one more than the
    highest number of that year used so far (numbers typed otherwise are left alone)."""
    pattern = re.escape(NOTICE["number"].format(prefix=NOTICE["number_prefix"], year=day.year, n="@"))
    pattern = "^" + pattern.replace("@", r"(\d+)") + "$"
    used = [r[0] for r in con.execute("SELECT DISTINCT doc_number FROM reminder").fetchall()]
    highest = max((int(m.group(1)) for u in used if (m := re.match(pattern, u))), default=0)
    return NOTICE["number"].format(prefix=NOTICE["number_prefix"], year=day.year, n=highest + 1)


def _file_name(number: str, who: str) -> str:
    # A 文号 may hold characters a file system refuses; the rest of it stays as the office typed it.
    return NOTICE["file_name"].format(number=re.sub(r'[\\/:*?"<>|]', "-", number), who=who)


def _refuse_used(con: duckdb.DuckDBPyConnection, number: str) -> None:
    """ReminderError when a notice numbered `number` was kept before: one 文号, one notice."""
    earlier = con.execute(
        "SELECT min(sent_at), string_agg(unit, '、' ORDER BY unit) FROM reminder WHERE doc_number = ?",
        [number],
    ).fetchone()
    if earlier[0] is not None:
        raise ReminderError(
            REMINDER["number_used"].format(number=number, when=f"{earlier[0]:%Y-%m-%d}", units=earlier[1])
        )


@service("send_reminder", "task_manage")
def send(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    as_of: dt.date,
    doc_number: str,
    unit: str | None = None,
    *,
    reply_by: dt.date | None = None,
    contact: Contact | None = None,
    now: dt.datetime | None = None,
    cat: Catalogue | None = None,
) -> Notice:
    """Make a 督办通知 numbered `doc_number` for one unit (as people type it), or for every unit owing figures
    (unit None), and keep it (the office only); `contact` (name, phone) as typed, else the settings'. Refused: no
    文号, a 文号 used before, a contact without name or phone, an unknown unit, nothing owed."""
    cat = cat or catalogue()
    contact = _contact(contact)
    number = text.clean(doc_number, "doc_number", ReminderError, one_line=True)
    if not number:
        raise ReminderError(REMINDER["need_number"])
    canonical = None
    if unit is not None:
        canonical = cat.resolve_unit(unit)
        if canonical is None:
            raise ReminderError(REMINDER["unknown_unit"].format(unit=unit))
    _refuse_used(con, number)  # at once, before the notice is drawn
    figures = owed(con, as_of, cat, unit=canonical)
    if figures.empty:
        raise ReminderError(
            REMINDER["nothing_owed"].format(date=as_of, unit=canonical)
            if canonical
            else REMINDER["nothing_owed_all"].format(date=as_of)
        )
    units = list(dict.fromkeys(figures["unit"]))
    data = to_docx(
        number, as_of, figures, canonical, reply_by or as_of + dt.timedelta(days=REPLY_DAYS), contact
    )
    digest = hashlib.sha256(data).hexdigest()
    name = _file_name(number, canonical or NOTICE["all_units"])
    when = now or dt.datetime.now().replace(microsecond=0)
    with transaction(con):
        # Again inside the write transaction (one writer at a time): of two sessions sending one 文号 at once,
        # the second finds the first's notice here.
        _refuse_used(con, number)
        for who, part in figures.groupby("unit", sort=False):
            named = [
                {
                    "metric": r.metric,
                    "name": r.name,
                    "period_label": r.period_label,
                    "deadline": r.deadline.isoformat(),
                    "days_overdue": int(r.days_overdue),
                }
                for r in part.itertuples(index=False)
            ]
            con.execute(
                """INSERT INTO reminder (doc_number, unit, figures_json, sent_at, sent_by, file_name, file_bytes,
                                         sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                [number, who, json.dumps(named, ensure_ascii=False), when, actor.name, name, data, digest],
            )
        audit.record(
            con,
            actor.name,
            "reminder_send",
            f"reminder:{number}",
            None,
            {"doc_number": number, "units": units, "figures": len(figures), "sha256": digest, "as_of": as_of},
            REMINDER["audit"].format(number=number, units="、".join(units), n=len(figures)),
        )
    return Notice(number, units, name, data, digest, len(figures))


def sent(con: duckdb.DuckDBPyConnection, unit: str | None = None) -> pd.DataFrame:
    """The notices kept, newest first (one row per unit a notice named): id, doc_number, unit, sent_at,
    sent_by, figures (how many it named), what (the figures as 「指标 期间」), file_name."""
    out = con.execute(
        """SELECT id, doc_number, unit, sent_at, sent_by, figures_json, file_name FROM reminder
           WHERE $unit IS NULL OR unit = $unit ORDER BY sent_at DESC, id DESC""",
        {"unit": unit},
    ).df()
    named = [json.loads(j) for j in out["figures_json"]]
    out["figures"] = [len(f) for f in named]
    out["what"] = ["；".join(f"{x['metric']} {x['name']} {x['period_label']}" for x in f) for f in named]
    return out.drop(columns="figures_json")


def notice_file(con: duckdb.DuckDBPyConnection, reminder_id: int) -> tuple[str, bytes] | None:
    """A kept notice as it was made: (file name, bytes)."""
    row = con.execute("SELECT file_name, file_bytes FROM reminder WHERE id = ?", [reminder_id]).fetchone()
    return (row[0], bytes(row[1])) if row else None


# ---------------------------------------------------------------- the .docx


Contact = tuple[str, str]  # 联系人 name and phone, as the office types them on the notice's form


def office_contact() -> Contact:
    """The notice's 联系人 and 电话 as the office's settings give them (indicators/settings.yaml office_contact),
    what the form offers first."""
    who = settings().get("office_contact") or {}
    return str(who.get("name") or "").strip(), str(who.get("phone") or "").strip()


def _contact(contact: Contact | None) -> Contact:
    """The contact a notice names: the one typed (both needed), else the settings'."""
    if contact is None:
        return office_contact()
    name = text.clean(contact[0], "contact_name", ReminderError, one_line=True)
    phone = text.clean(contact[1], "contact_phone", ReminderError, one_line=True)
    if not (name and phone):
        raise ReminderError(REMINDER["need_contact"])
    return name, phone


def contact_line(contact: Contact) -> str:
    """「联系人：张明，电话：0470-…」; the office's group when no name is set."""
    name, phone = contact
    if not name:
        return NOTICE["contact"]
    return NOTICE["contact_named" if phone else "contact_name"].format(name=name, phone=phone)


def to_docx(
    number: str,
    as_of: dt.date,
    figures: pd.DataFrame,
    unit: str | None,
    reply_by: dt.date,
    contact: Contact | None = None,
) -> bytes:
    """The notice laid out as an official document: red header and rule, 文号, title, 主送, body, a table of
    the figures owed, signature and date."""
    doc = OfficialDoc()
    doc.red_header([number], gap=0)
    doc.title(NOTICE["title"], NOTICE["to_unit"].format(unit=unit) if unit else NOTICE["to_all"])
    opening = NOTICE["opening_unit"] if unit else NOTICE["opening_all"]
    doc.para(opening.format(date=cn_date(as_of), n=len(figures), units=figures["unit"].nunique()))
    doc.para(NOTICE["ask"].format(reply=cn_date(reply_by)))
    doc.blank()
    rows = [
        [str(n), r.unit, f"{r.metric} {r.name}", r.period_label, r.deadline.isoformat(), str(r.days_overdue)]
        for n, r in enumerate(figures.itertuples(index=False), start=1)
    ]
    widths = [1.1, 2.2, 5.0, 2.7, 2.6, 2.0]  # 15.6 cm: the text width
    doc.table(NOTICE["headers"], rows, widths, head_size=10, body_font=BODY_FONT, body_size=10, shade=None,
              centred=(0, 4, 5), spacer=False)  # fmt: skip
    doc.keep_table_with_next()
    gap = doc.para("", indent=False)
    said = doc.para(contact_line(contact or office_contact()))
    doc.signature(cn_date(as_of), keep_with=[gap, said])  # never alone on a page: with the contact and table
    return doc.save(f"{NOTICE['title']}（{number}）")


# ---------------------------------------------------------------- the board as .xlsx


def board_xlsx(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    since: dt.date | None = None,
    cat: Catalogue | None = None,
) -> bytes:
    """The late board as a workbook: the late units (worst first) and every figure still owed."""
    cat = cat or catalogue()
    board = completeness.late_board(con, as_of, since, cat)
    book = SafeWorkbook()
    ws = book.sheet(BOARD_XLSX["sheet_board"])
    book.table(
        ws,
        pd.DataFrame(
            {
                "unit": board["unit"],
                "due": board["due"],
                "late": board["late"],
                "missing": board["missing"],
                "rate": [pct(v) for v in board["on_time_rate"]],
                "owed": ["；".join(o) for o in board["owed"]],
            }
        ),
        BOARD_XLSX["board_headers"],
    )
    detail = owed(con, as_of, cat, since=since)
    book.table(
        book.sheet(BOARD_XLSX["sheet_detail"]),
        detail[["unit", "metric", "name", "period_label", "deadline", "days_overdue"]],
        BOARD_XLSX["detail_headers"],
    )
    return book.close()
