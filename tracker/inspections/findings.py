"""检查发现的问题 and their loop: recorded (by the office, on the page or from a team's file) → a ledger task
opens for the responsible unit → the unit answers with a rectification note and photo → the office re-inspects
(复查) and closes the finding, or reopens it. Statuses: open 待整改 → answered 已整改待复查 → closed 复查合格.
The ledger task follows every step (tracker.office.tasks), in the same transaction; every step is audited.
Overdue: not closed by its deadline. Repeated: an earlier finding on the same check at the same site."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from tracker import text
from tracker.access import audit
from tracker.access.auth import Actor
from tracker.access.service import service
from tracker.catalogue import catalogue
from tracker.db import transaction
from tracker.inspections.rounds import add_to_sample, get_round
from tracker.inspections.site_types import site_type
from tracker.inspections.sites import MANAGE, InspectionError, get_site, now_, one_row, resolve_units
from tracker.office import evidence, tasks
from tracker.strings.inspections import MSG, STATUS

SEVERITIES = ("一般", "严重", "否决风险")
FAILING = (
    "严重",
    "否决风险",
)  # a site with one of these did not pass (the pass rate's numerator leaves it out)
SEVERITY_WORDS = {
    "一般问题": "一般",
    "较重": "严重",
    "严重问题": "严重",
    "一票否决": "否决风险",
    "否决": "否决风险",
}
DEADLINE_DAYS = {
    "一般": 15,
    "严重": 7,
    "否决风险": 3,
}  # the office's practice when the team gives no deadline


Photo = tuple[bytes, str]  # a photo's bytes and file name, as the page's file picker gives them


def _finding_unit(con: duckdb.DuckDBPyConnection, target_id: str) -> tuple[bool, str | None]:
    """Whether the finding exists, and the unit that may attach photos to it besides the office."""
    row = (
        con.execute("SELECT unit FROM finding WHERE id = ?", [int(target_id)]).fetchone()
        if target_id.isdigit()
        else None
    )
    return (row is not None, row[0] if row else None)


evidence.register_target("finding", _finding_unit)


def _attach(con, actor: Actor, finding_id: int, photo: Photo | None, note: str, when) -> str | None:
    """Store and attach a photo to the finding (inside the caller's transaction); its sha256 for the event."""
    if photo is None:
        return None
    data, name = photo
    if evidence.check_file(data, name) not in (evidence.JPEG, evidence.PNG):
        raise InspectionError(MSG["not_a_photo"].format(name=evidence.clean_name(name)))
    link = evidence.attach_file(con, data, name, "finding", finding_id, actor, note=note, now=when)
    return con.execute("SELECT sha256 FROM evidence_link WHERE id = ?", [link]).fetchone()[0]


def severity(text: str) -> str:
    word = "".join((text or "").split())
    word = SEVERITY_WORDS.get(word, word)
    if word not in SEVERITIES:
        raise InspectionError(MSG["unknown_severity"].format(severity=text))
    return word


def resolve_check(type_name: str, text: str):
    """A check of the type from its code, its name, its metric code or 「第N项」/N (the type's first check of item
    N)."""
    kind = site_type(type_name)
    key = "".join(str(text or "").split())
    for check in kind.checks:
        if key in (check.code, check.name, check.metric):
            return check
    number = key.removeprefix("第").removesuffix("项")
    if number.isdigit():
        found = next((c for c in kind.checks if c.item == int(number)), None)
        if found:
            return found
    known = "、".join(c.code for c in kind.checks)
    raise InspectionError(MSG["unknown_check"].format(type=kind.name, check=text, known=known))


def get(con: duckdb.DuckDBPyConnection, finding_id: int) -> dict:
    row = one_row(con, "SELECT * FROM finding WHERE id = ?", [finding_id])
    if row is None:
        raise InspectionError(MSG["no_finding"].format(id=finding_id))
    return row


def _event(con, finding_id, when, actor: Actor, before, after, note, photo=None) -> None:
    con.execute(
        """INSERT INTO finding_event (finding_id, happened_at, actor, from_status, to_status, note, photo_sha256)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [finding_id, when, actor.name, before, after, note, photo],
    )


def insert_finding(
    con,
    actor: Actor,
    round_row: dict,
    site: dict,
    check,
    description: str,
    level: str,
    unit: str,
    found_on: dt.date,
    deadline: dt.date,
    when: dt.datetime,
    source: tuple[str | None, int | None] = (None, None),
    photo: Photo | None = None,
) -> int:
    """Write one checked finding, open its ledger task and note both (inside the caller's transaction)."""
    what = MSG["task_text"].format(
        kind=round_row["kind"], site=site["name"], street=site["street"] or "—", check=check.name,
        description=description,
    )  # fmt: skip
    task_id = tasks.open_task(
        con, actor, check.metric, what, deadline, owner_unit=unit, area=site["street"], now=when
    )
    finding_id = con.execute(
        """INSERT INTO finding (round_id, site_id, check_code, item, metric, description, severity, unit, found_on,
                                deadline, status, task_id, recorded_at, recorded_by, source_sha256, source_row)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?) RETURNING id""",
        [round_row["id"], site["id"], check.code, check.item, check.metric, description, level, unit, found_on,
         deadline, task_id, when, actor.name, *source],
    ).fetchone()[0]  # fmt: skip
    add_to_sample(con, round_row["id"], site["id"])
    recorded = MSG["event_recorded"].format(kind=round_row["kind"], severity=level)
    _event(
        con,
        finding_id,
        when,
        actor,
        None,
        "open",
        recorded,
        _attach(con, actor, finding_id, photo, recorded, when),
    )
    audit.record(con, actor.name, "finding_record", f"finding:{finding_id}", None, get(con, finding_id))
    return finding_id


@service("record_finding", MANAGE)
def record_finding(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    round_id: int,
    site_id: int,
    check: str,
    description: str,
    level: str,
    found_on: dt.date | None = None,
    deadline: dt.date | None = None,
    unit: str | None = None,
    photo: Photo | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Record a finding (the office only) and open its ledger task; `photo` (bytes, file name) is attached to it.
    Unit: the site's lead unit unless given; deadline: DEADLINE_DAYS after the day found unless given."""
    round_row, site = get_round(con, round_id), get_site(con, site_id)
    found = resolve_check(site["type"], check)
    level = severity(level)
    description = text.clean(description, "finding_description", InspectionError)
    if not description:
        raise InspectionError(MSG["need_description"])
    owner = resolve_units([unit])[0] if unit else site["units"][0]
    found_on = found_on or round_row["ends"]
    deadline = deadline or found_on + dt.timedelta(days=DEADLINE_DAYS[level])
    if deadline < found_on:
        raise InspectionError(MSG["deadline_before"].format(deadline=deadline, date=found_on))
    when = now or now_()
    with transaction(con):
        return insert_finding(
            con,
            actor,
            round_row,
            site,
            found,
            description,
            level,
            owner,
            found_on,
            deadline,
            when,
            photo=photo,
        )


def _unit_answers(con, actor: Actor, arguments: dict) -> tuple[str, str]:
    """answer_finding's permission: the finding's responsible unit (or the office)."""
    return "task_update", get(con, arguments["finding_id"])["unit"]


@service("answer_finding", _unit_answers)
def answer_finding(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    finding_id: int,
    note: str,
    photo: Photo | None = None,
    now: dt.datetime | None = None,
) -> None:
    """The responsible unit (or the office) reports the rectification: the finding awaits 复查, its task 待验收."""
    finding = get(con, finding_id)
    if finding["status"] != "open":
        raise InspectionError(MSG["not_answerable"].format(id=finding_id, status=STATUS[finding["status"]]))
    note = text.clean(note, "finding_answer", InspectionError)
    if not note:
        raise InspectionError(MSG["need_note"])
    when = now or now_()
    with transaction(con):
        con.execute("UPDATE finding SET status = 'answered' WHERE id = ?", [finding_id])
        _event(
            con,
            finding_id,
            when,
            actor,
            "open",
            "answered",
            note,
            _attach(con, actor, finding_id, photo, note, when),
        )
        if finding["task_id"] is not None:
            tasks.update_task(con, actor, finding["task_id"], "awaiting_check", note, now=when)
        audit.record(
            con, actor.name, "finding_answer", f"finding:{finding_id}", finding, get(con, finding_id), note
        )


@service("reinspect_finding", MANAGE)
def reinspect(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    finding_id: int,
    passed: bool,
    note: str,
    photo: Photo | None = None,
    deadline: dt.date | None = None,
    now: dt.datetime | None = None,
) -> None:
    """复查 (the office only), of an answered finding: passed closes it and 销号 its task; failed reopens both
    with a new deadline after today (the old one has passed or is about to). A second press finds the finding no
    longer answered and is refused: one step, one line in its history."""
    finding = get(con, finding_id)
    if finding["status"] == "closed":
        raise InspectionError(MSG["already_closed"].format(id=finding_id))
    if finding["status"] != "answered":
        raise InspectionError(MSG["not_reviewable"].format(id=finding_id, status=STATUS[finding["status"]]))
    note = text.clean(note, "finding_note", InspectionError)
    if not note:
        raise InspectionError(MSG["need_review_note"])
    when = now or now_()
    if not passed and deadline is None:
        raise InspectionError(MSG["need_new_deadline"].format(today=when.date()))
    if not passed and deadline <= when.date():
        raise InspectionError(MSG["deadline_not_new"].format(deadline=deadline, today=when.date()))
    after = "closed" if passed else "open"
    said = MSG["event_passed" if passed else "event_failed"].format(note=note)
    with transaction(con):
        con.execute(
            "UPDATE finding SET status = ?, closed_at = ?, deadline = ? WHERE id = ?",
            [after, when if passed else None, finding["deadline"] if passed else deadline, finding_id],
        )
        _event(
            con,
            finding_id,
            when,
            actor,
            finding["status"],
            after,
            said,
            _attach(con, actor, finding_id, photo, said, when),
        )
        task_id = finding["task_id"]
        if task_id is not None and passed:
            tasks.close_task(
                con, actor, task_id, MSG["closed_reason"].format(note=note), today=when.date(), now=when
            )
        elif task_id is not None:
            if tasks.get(con, task_id)["deadline"] != deadline:
                tasks.edit_task(con, actor, task_id, deadline=deadline, note=said, now=when)
            tasks.update_task(con, actor, task_id, "open", said, now=when)
        audit.record(
            con, actor.name, "finding_reinspect", f"finding:{finding_id}", finding, get(con, finding_id), said
        )


FINDINGS_SQL = """
WITH state AS (   -- each finding's status at the end of the as-of day, from its events
    SELECT finding_id, arg_max(to_status, happened_at) AS status, max(happened_at) AS last_change
    FROM finding_event WHERE happened_at < CAST($as_of AS DATE) + INTERVAL 1 DAY
    GROUP BY finding_id
)
SELECT f.id, f.round_id, r.kind AS round_kind, r.name AS round_name, f.site_id, s.name AS site, s.type AS site_type,
       s.street, f.check_code, f.item, f.metric, f.description, f.severity, f.unit, f.found_on, f.deadline,
       st.status, f.task_id, f.recorded_by, st.last_change,
       CASE WHEN st.status = 'closed' THEN f.closed_at END AS closed_at,
       st.status <> 'closed' AND f.deadline < CAST($as_of AS DATE) AS overdue,
       -- closed on time: closed by the end of its deadline
       st.status = 'closed' AND CAST(f.closed_at AS DATE) <= f.deadline AS on_time,
       EXISTS (SELECT 1 FROM finding e WHERE e.site_id = f.site_id AND e.check_code = f.check_code
               AND (e.found_on, e.id) < (f.found_on, f.id)) AS repeated
FROM finding f JOIN state st ON st.finding_id = f.id
JOIN inspection_round r ON r.id = f.round_id JOIN site s ON s.id = f.site_id
WHERE f.recorded_at < CAST($as_of AS DATE) + INTERVAL 1 DAY
  AND ($unit IS NULL OR f.unit = $unit)
ORDER BY overdue DESC, st.status = 'closed', f.deadline, f.id
"""


def findings(con: duckdb.DuckDBPyConnection, as_of: dt.date, unit: str | None = None) -> pd.DataFrame:
    """Every finding recorded by the as-of date with its status then, overdue, closed-on-time and repeated flags;
    one unit's when `unit` is given. Overdue first, closed last."""
    out = con.execute(FINDINGS_SQL, {"as_of": as_of, "unit": unit}).df()
    for col in ("overdue", "on_time", "repeated"):
        out[col] = out[col].fillna(False).astype(bool)
    for col in ("found_on", "deadline"):
        out[col] = pd.to_datetime(out[col]).dt.date
    out["item_title"] = out["item"].map(lambda i: catalogue().item(int(i)).title)
    return out


def events(con: duckdb.DuckDBPyConnection, finding_id: int) -> pd.DataFrame:
    return con.execute(
        """SELECT happened_at, actor, from_status, to_status, note, photo_sha256 FROM finding_event
           WHERE finding_id = ? ORDER BY happened_at, rowid""",
        [finding_id],
    ).df()
