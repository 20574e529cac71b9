"""印发: the office issues a briefing under a 文号 and 期数, and every issued briefing is archived — the exact bytes sent
out, with its number, as-of date, whether it was built 「按当时已知」, who issued it and when — so that downloading it
again later gives the same document, whatever the data says by then.

Only the office (admin) issues; a 文号 is used once. Issuing is audited and logged like every other service.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

import duckdb
import pandas as pd

from tracker import logs, text
from tracker.access import audit
from tracker.access.auth import Actor, require
from tracker.access.users import current_actor
from tracker.db import transaction
from tracker.engine.evaluate import Evaluation
from tracker.reports.briefing import document, model
from tracker.strings.formats import cn_date
from tracker.strings.office import ISSUE


class IssueError(ValueError):
    """A briefing the office cannot issue as asked; the message says why, in Chinese."""


@dataclass(frozen=True)
class Issued:
    id: int
    number: str
    issue_no: str
    as_of: dt.date
    known_then: bool
    issued_at: dt.datetime
    issued_by: str
    sha256: str
    file_name: str
    data: bytes


def file_name(as_of: dt.date, number: str) -> str:
    """「创卫工作进展通报-2025-12-31-扎创卫办〔2025〕12号.docx」: the 文号 without what a file system refuses."""
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", number).strip("._")
    return ISSUE["file_name"].format(date=as_of.isoformat(), number=safe)


def _taken(con: duckdb.DuckDBPyConnection, number: str) -> IssueError | None:
    row = con.execute(
        "SELECT issued_at, issued_by, as_of FROM briefing_issue WHERE number = ?", [number]
    ).fetchone()
    if row is None:
        return None
    return IssueError(
        ISSUE["number_taken"].format(
            number=number, when=f"{row[0]:%Y-%m-%d %H:%M}", by=row[1], as_of=cn_date(row[2])
        )
    )


@logs.service("issue_briefing")
def issue(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    as_of: dt.date,
    number: str,
    issue_no: str | int | None = None,
    known_then: bool = False,
    now: dt.datetime | None = None,
    evaluation: Evaluation | None = None,
    history: pd.DataFrame | None = None,
    rendered: model.Rendered | None = None,
) -> Issued:
    """Build the .docx with its 文号 and 期数, store it and return it (the office only; a 文号 once).
    evaluation, history, rendered: as model.build takes them (the app's shared ones, for the date and
    known_then)."""
    actor = current_actor(con, actor)  # the stored account, re-checked on every call
    require(actor, "issue_briefing")
    number = text.clean(number, "doc_number", IssueError, one_line=True)
    if not number:
        raise IssueError(ISSUE["need_number"])
    issue_no = text.clean(issue_no, "issue_no", IssueError, one_line=True)
    if taken := _taken(con, number):  # refused before spending seconds on the document
        raise taken
    b = model.build(
        con,
        as_of,
        known_then=known_then,
        number=number,
        issue_no=issue_no,
        evaluation=evaluation,
        history=history,
        rendered=rendered,
    )
    data = document.to_docx(b)
    digest = hashlib.sha256(data).hexdigest()
    name = file_name(as_of, number)
    when = now or dt.datetime.now().replace(microsecond=0)
    record = {
        "number": number,
        "issue_no": b.issue_no,
        "as_of": as_of.isoformat(),
        "known_then": known_then,
        "sha256": digest,
        "bytes": len(data),
        "file_name": name,
        "charts": len(b.charts),
    }
    try:
        with transaction(con):
            if taken := _taken(con, number):  # issued from another tab while this one was building
                raise taken
            issue_id = con.execute(
                """INSERT INTO briefing_issue (number, issue_no, as_of, known_then, issued_at, issued_by, sha256,
                                               bytes, file_name)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
                [number, b.issue_no, as_of, known_then, when, actor.name, digest, data, name],
            ).fetchone()[0]
            audit.record(con, actor.name, "briefing_issue", f"briefing:{issue_id}", None, record)
    except (
        duckdb.ConstraintException
    ):  # the UNIQUE 文号, when the other tab committed between check and insert
        raise _taken(con, number) or IssueError(ISSUE["need_number"]) from None
    return Issued(issue_id, number, b.issue_no, as_of, known_then, when, actor.name, digest, name, data)


def archive(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every issued briefing, newest first, without its bytes."""
    out = con.execute(
        """SELECT id, number, issue_no, as_of, known_then, issued_at, issued_by, sha256, octet_length(bytes) AS size,
                  file_name
           FROM briefing_issue ORDER BY issued_at DESC, id DESC"""
    ).df()
    out["as_of"] = pd.to_datetime(out["as_of"]).dt.date
    return out


def stored(con: duckdb.DuckDBPyConnection, issue_id: int) -> tuple[str, bytes]:
    """The file name and the exact bytes issued."""
    row = con.execute("SELECT file_name, bytes FROM briefing_issue WHERE id = ?", [issue_id]).fetchone()
    if row is None:
        raise IssueError(ISSUE["no_issue"].format(id=issue_id))
    return row[0], bytes(row[1])
