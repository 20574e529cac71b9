"""整改台账: rectification tasks opened from metrics not met, updated by their unit, closed (销号) by the office.

Statuses: open 待整改 → in_progress 整改中 → awaiting_check 待验收 → closed 已销号. The office (task_manage) opens,
edits and closes tasks, and may open them automatically for new failures; a unit (task_update for its own
unit) moves its own tasks between the first three statuses. Closing needs the metric met as of today, or the
office's written reason. Overdue: the deadline has passed and the task is not closed. Every change lands in
task_event and audit_log inside the same transaction as the change itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pandas as pd

from tracker import text
from tracker.access import audit
from tracker.access.auth import Actor, require
from tracker.access.service import service
from tracker.catalogue import OFFICE, Catalogue, catalogue
from tracker.db import lock, transaction
from tracker.engine.evaluate import evaluate
from tracker.office import evidence
from tracker.strings.office import TASK

STATUSES = ("open", "in_progress", "awaiting_check", "closed")
UNIT_STATUSES = ("open", "in_progress", "awaiting_check")  # what a unit may set on its own tasks
DEFAULT_DAYS = 30  # deadline of an automatically opened task: this many days after the evaluation date


class TaskError(ValueError):
    """A change the ledger refuses; the message says why, in Chinese."""


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now().replace(microsecond=0)


def owner_of(metric: str, cat: Catalogue | None = None) -> str:
    """Who rectifies a metric: the unit responsible for its figure (its reporter); for a figure the office
    itself reports, the lead unit (牵头单位) of its item."""
    cat = cat or catalogue()
    m = cat.metric(metric)
    return cat.item(m.item).lead if m.reporter == OFFICE else m.reporter


_COLUMNS = (
    "id, metric, item, area, owner_unit, description, deadline, status, opened_at, opened_by, auto, "
    "closed_at, close_reason"
)


def _held(con: duckdb.DuckDBPyConnection, task_id: int) -> dict:
    """The task as it stands, held by this transaction until it ends (the service's: tracker.access.service):
    of two sessions changing one task at once, the second waits and checks the first's change (on PostgreSQL
    both transactions run at once; on DuckDB one writer at a time already does this)."""
    lock(con, f"task:{task_id}")
    return get(con, task_id)


def get(con: duckdb.DuckDBPyConnection, task_id: int) -> dict:
    row = con.execute(f"SELECT {_COLUMNS} FROM task WHERE id = ?", [task_id]).fetchone()
    if row is None:
        raise TaskError(TASK["no_task"].format(id=task_id))
    return dict(zip([c.strip() for c in _COLUMNS.split(",")], row, strict=True))


def _event(
    con, task_id: int, when: dt.datetime, actor: Actor, before: str | None, after: str, note: str | None
):
    con.execute(
        "INSERT INTO task_event (task_id, happened_at, actor, from_status, to_status, note) VALUES (?,?,?,?,?,?)",
        [task_id, when, actor.name, before, after, note],
    )


def _insert(con, metric, item, area, owner, description, deadline, when, actor: Actor, auto: bool) -> int:
    return con.execute(
        """INSERT INTO task (metric, item, area, owner_unit, description, deadline, status, opened_at,
                             opened_by, auto)
           VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id""",
        [metric, item, area, owner, description, deadline, when, actor.name, auto],
    ).fetchone()[0]


@service("open_task", "task_manage")
def open_task(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    metric: str,
    description: str,
    deadline: dt.date,
    owner_unit: str | None = None,
    area: str | None = None,
    now: dt.datetime | None = None,
    cat: Catalogue | None = None,
) -> int:
    """Open a task for a metric (the office only). The owner defaults to owner_of(metric)."""
    cat = cat or catalogue()
    try:
        m = cat.metric(metric)
    except KeyError:
        raise TaskError(TASK["unknown_metric"].format(metric=metric)) from None
    owner = cat.resolve_unit(owner_unit) if owner_unit else owner_of(metric, cat)
    if owner is None:
        raise TaskError(TASK["unknown_unit"].format(unit=owner_unit))
    description = text.clean(description, "task_description", TaskError)
    if not description:
        raise TaskError(TASK["need_description"])
    when = _now(now)
    with transaction(con):
        task_id = _insert(con, metric, m.item, area, owner, description, deadline, when, actor, auto=False)
        _event(con, task_id, when, actor, None, "open", TASK["event_opened"])
        audit.record(con, actor.name, "task_open", f"task:{task_id}", None, get(con, task_id))
    return task_id


def _owner_updates(con, actor: Actor, arguments: dict) -> tuple[str, str]:
    """update_task's permission: the task's own unit (or the office)."""
    return "task_update", get(con, arguments["task_id"])["owner_unit"]


@service("update_task", _owner_updates)
def update_task(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    task_id: int,
    status: str,
    note: str | None = None,
    now: dt.datetime | None = None,
    files: Sequence[evidence.Upload] = (),
) -> None:
    """Move a task to open / in_progress / awaiting_check, with a note and files (photos, PDFs: its unit or the
    office). The files are kept as the task's evidence (tracker.office.evidence) in the same transaction, and
    named in the change's note; one refused file refuses the whole update. A closed task may be reopened by the
    office only. Closing goes through close_task."""
    task = _held(con, task_id)
    if status not in UNIT_STATUSES:
        raise TaskError(TASK["bad_status"].format(status=status))
    if task["status"] == "closed":
        require(actor, "task_manage")
    note = text.clean(note, "task_note", TaskError)
    names = evidence.check_files(files)  # before anything is written
    if status == task["status"] and not note and not files:
        raise TaskError(TASK["no_change"])
    said = "；".join(filter(None, [note, TASK["files_note"].format(names="、".join(names)) if names else ""]))
    when = _now(now)
    with transaction(con):
        con.execute(
            "UPDATE task SET status = ?, closed_at = NULL, close_reason = NULL WHERE id = ?",
            [status, task_id],
        )
        _event(con, task_id, when, actor, task["status"], status, said or None)
        for data, name in files:
            evidence.attach_file(con, data, name, "task", task_id, actor, note=note, now=when)
        audit.record(con, actor.name, "task_update", f"task:{task_id}", task, get(con, task_id), said or None)


@service("edit_task", "task_manage")
def edit_task(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    task_id: int,
    *,
    deadline: dt.date | None = None,
    owner_unit: str | None = None,
    description: str | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
    cat: Catalogue | None = None,
) -> None:
    """Change a task's deadline, owner or description (the office only); the change is kept as an event."""
    cat = cat or catalogue()
    task = _held(con, task_id)
    owner = task["owner_unit"]
    if owner_unit:
        owner = cat.resolve_unit(owner_unit)
        if owner is None:
            raise TaskError(TASK["unknown_unit"].format(unit=owner_unit))
    new = {
        "deadline": deadline or task["deadline"],
        "owner_unit": owner,
        "description": text.clean(description, "task_description", TaskError) or task["description"],
    }
    note = text.clean(note, "task_note", TaskError)
    changed = [k for k, v in new.items() if v != task[k]]
    if not changed:
        raise TaskError(TASK["no_change"])
    words = "；".join(
        TASK["changed"].format(field=TASK["field_" + k], before=task[k], after=new[k]) for k in changed
    )
    when = _now(now)
    with transaction(con):
        con.execute(
            "UPDATE task SET deadline = ?, owner_unit = ?, description = ? WHERE id = ?",
            [new["deadline"], new["owner_unit"], new["description"], task_id],
        )
        _event(
            con, task_id, when, actor, task["status"], task["status"], words + (f"；{note}" if note else "")
        )
        audit.record(con, actor.name, "task_edit", f"task:{task_id}", task, get(con, task_id), note or None)


@service("close_task", "task_manage")
def close_task(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    task_id: int,
    reason: str | None = None,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    cat: Catalogue | None = None,
) -> None:
    """销号 (the office only): allowed when the task's metric is met as of today, or with a written reason."""
    task = _held(con, task_id)
    if task["status"] == "closed":
        raise TaskError(TASK["already_closed"].format(id=task_id))
    today = today or dt.date.today()
    reason = text.clean(reason, "reason", TaskError)
    if not reason:  # without the office's reason the metric must be met: only then is it evaluated
        row = evaluate(con, today, cat).metrics.set_index("metric").loc[task["metric"]]
        if row["status"] != "met":
            raise TaskError(TASK["close_needs_reason"].format(reason=row["reason"]))
        reason = TASK["closed_met"].format(date=today, reason=row["reason"])
    when = _now(now)
    with transaction(con):
        con.execute(
            "UPDATE task SET status = 'closed', closed_at = ?, close_reason = ? WHERE id = ?",
            [when, reason, task_id],
        )
        _event(con, task_id, when, actor, task["status"], "closed", reason)
        audit.record(con, actor.name, "task_close", f"task:{task_id}", task, get(con, task_id), reason)


@service("open_auto_tasks", "task_manage")
def open_auto_tasks(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    actor: Actor,
    days: int = DEFAULT_DAYS,
    now: dt.datetime | None = None,
    cat: Catalogue | None = None,
) -> list[int]:
    """Open a task for every metric not met as of the date that has no task still open (the office only).
    Owner: owner_of(metric); deadline: `days` after the date; description: the metric's reason."""
    cat = cat or catalogue()
    ev = evaluate(con, as_of, cat)
    failed = ev.metrics[ev.metrics["status"] == "not_met"]
    failures = pd.DataFrame(
        {
            "metric": failed["metric"],
            "item": failed["metric"].map(lambda c: cat.metric(c).item).astype("int64"),
            "owner_unit": failed["metric"].map(lambda c: owner_of(c, cat)),
            "description": TASK["auto_description"] + failed["reason"],
        }
    ).sort_values(["item", "metric"])
    when, deadline = _now(now), as_of + dt.timedelta(days=days)
    note = TASK["event_auto"].format(date=as_of)
    with transaction(con):
        # Row by row, each with its id back: SQL both stores run (an INSERT … SELECT over a registered frame
        # gives no ids back on PostgreSQL). Under the lock: of two sessions at once, the second sees the first's.
        lock(con, "task:auto")
        still_open = {
            r[0] for r in con.execute("SELECT metric FROM task WHERE status <> 'closed'").fetchall()
        }
        ids = []
        for f in failures[~failures["metric"].isin(still_open)].itertuples(index=False):
            task_id = _insert(
                con, f.metric, f.item, None, f.owner_unit, f.description, deadline, when, actor, True
            )
            _event(con, task_id, when, actor, None, "open", note)
            ids.append(task_id)
        if ids:
            audit.record(
                con,
                actor.name,
                "task_open_auto",
                "task",
                None,
                {"as_of": as_of, "ids": ids},
                TASK["audit_auto"].format(n=len(ids), date=as_of),
            )
    return ids


LEDGER_SQL = """
WITH state AS (   -- each task's status as it stood at the end of the as-of day, from its events
    -- (time, id): of two events in the same second, the later inserted is the last change
    SELECT task_id, arg_max(to_status, (happened_at, id)) AS status, max(happened_at) AS last_change,
           arg_max(note, (happened_at, id)) AS last_note
    FROM task_event
    WHERE happened_at < CAST($as_of AS DATE) + INTERVAL 1 DAY
    GROUP BY task_id
)
SELECT t.id, t.metric, t.item, t.area, t.owner_unit, t.description, t.deadline, s.status, t.opened_at,
       t.opened_by, t.auto, s.last_change, s.last_note,
       CASE WHEN s.status = 'closed' THEN t.close_reason END AS close_reason,
       s.status <> 'closed' AND t.deadline < CAST($as_of AS DATE) AS overdue,
       CASE WHEN s.status <> 'closed' AND t.deadline < CAST($as_of AS DATE)
            THEN date_diff('day', t.deadline, CAST($as_of AS DATE)) END AS days_overdue
FROM task t JOIN state s ON s.task_id = t.id
WHERE t.opened_at < CAST($as_of AS DATE) + INTERVAL 1 DAY
  AND ($unit IS NULL OR t.owner_unit = $unit)
ORDER BY overdue DESC, s.status = 'closed', t.deadline, t.id
"""


def ledger(con: duckdb.DuckDBPyConnection, as_of: dt.date, unit: str | None = None) -> pd.DataFrame:
    """Every task opened by the as-of date, with its status then (rebuilt from task_event), overdue flag and
    days overdue; one unit's tasks when `unit` is given. Overdue first, closed last."""
    out = con.execute(LEDGER_SQL, {"as_of": as_of, "unit": unit}).df()
    out["deadline"] = pd.to_datetime(out["deadline"]).dt.date
    out["overdue"] = out["overdue"].astype(bool)
    return out


def overdue(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> pd.DataFrame:
    frame = ledger(con, as_of)
    return frame[frame["overdue"]].reset_index(drop=True)


def events(con: duckdb.DuckDBPyConnection, task_id: int) -> pd.DataFrame:
    return con.execute(
        "SELECT happened_at, actor, from_status, to_status, note FROM task_event WHERE task_id = ? "
        "ORDER BY happened_at, id",
        [task_id],
    ).df()


def visible_unit(actor: Actor) -> str | None:
    """The unit whose tasks a user sees: a reporter its own, the office and leaders every unit (None)."""
    return actor.unit if actor.role == "reporter" else None
