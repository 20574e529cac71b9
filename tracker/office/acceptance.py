"""「达标一项、验收一项」: the office accepts an item once it is met, with date, person and evidence; when the item
falls back to not met (未达标), sync_acceptances withdraws the acceptance, says why, and the item is flagged until
it is accepted again. Every acceptance and withdrawal is audited in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pandas as pd

from tracker import text
from tracker.access import audit
from tracker.access.auth import SYSTEM, Actor
from tracker.access.service import service
from tracker.catalogue import Catalogue, catalogue
from tracker.db import lock, transaction
from tracker.engine.evaluate import Evaluation, evaluate
from tracker.engine.items import BASE, item_rows
from tracker.office import evidence as evidence_files
from tracker.strings import STATUS_LABEL
from tracker.strings.office import ACCEPT


class AcceptanceError(ValueError):
    """The office may not accept (or withdraw) this item now; the message says why, in Chinese."""


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now().replace(microsecond=0)


def _active(con: duckdb.DuckDBPyConnection, item: int) -> dict | None:
    cur = con.execute(
        "SELECT id, item, accepted_on, accepted_by, evidence, recorded_at FROM acceptance "
        "WHERE item = ? AND withdrawn_at IS NULL ORDER BY id DESC LIMIT 1",
        [item],
    )
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))


def _not_met_reasons(ev: Evaluation, item: int, cat: Catalogue) -> str:
    codes = [m.code for m in cat.item(item).metrics]
    rows = ev.metrics[ev.metrics["metric"].isin(codes) & (ev.metrics["status"] != "met")]
    return "；".join(rows["reason"])


@service("accept", "accept")
def accept(
    con: duckdb.DuckDBPyConnection,
    item: int,
    actor: Actor,
    on: dt.date,
    evidence: str,
    now: dt.datetime | None = None,
    cat: Catalogue | None = None,
    files: Sequence[evidence_files.Upload] = (),
) -> int:
    """Accept an item as of `on` (the office only), on written grounds, files (the inspection record, photos:
    kept as the acceptance's evidence, in the same transaction) or both; the files are named in the grounds.
    Refused when the item is not met on that date, when it is already accepted, or with neither."""
    cat = cat or catalogue()
    if not 1 <= int(item) <= len(cat.items):
        raise AcceptanceError(ACCEPT["unknown_item"].format(item=item))
    item = int(item)
    evidence = text.clean(evidence, "acceptance_basis", AcceptanceError)
    names = evidence_files.check_files(files)  # before the evaluation and before anything is written
    if names:
        evidence = "；".join(filter(None, [evidence, ACCEPT["files_note"].format(names="、".join(names))]))
    if not evidence:
        raise AcceptanceError(ACCEPT["need_evidence"])
    ev = evaluate(con, on, cat)
    status = ev.items.set_index("item").loc[item, "status"]
    if status != "met":
        raise AcceptanceError(
            ACCEPT["not_met"].format(
                item=item,
                title=cat.item(item).title,
                status=STATUS_LABEL["zh"][status],
                date=on,
                reasons=_not_met_reasons(ev, item, cat),
            )
        )
    when = _now(now)
    with transaction(con):
        # Checked inside the write transaction (one writer at a time), under the item's lock: of two sessions
        # accepting the item at once, the second sees the first's acceptance here and is told so.
        lock(con, f"acceptance:{item}")
        current = _active(con, item)
        if current is not None:
            raise AcceptanceError(
                ACCEPT["already"].format(item=item, date=current["accepted_on"], by=current["accepted_by"])
            )
        acceptance_id = con.execute(
            """INSERT INTO acceptance (item, accepted_on, accepted_by, evidence, recorded_at)
               VALUES (?, ?, ?, ?, ?) RETURNING id""",
            [item, on, actor.name, evidence, when],
        ).fetchone()[0]
        after = {
            "id": acceptance_id,
            "item": item,
            "accepted_on": on,
            "accepted_by": actor.name,
            "evidence": evidence,
        }
        audit.record(con, actor.name, "accept", f"item:{item}", None, after)
        for data, name in files:
            evidence_files.attach_file(con, data, name, "acceptance", acceptance_id, actor, now=when)
    return acceptance_id


@service("withdraw", "accept")
def withdraw(
    con: duckdb.DuckDBPyConnection,
    item: int,
    actor: Actor,
    reason: str,
    now: dt.datetime | None = None,
) -> None:
    """Withdraw an item's acceptance by hand (the office only), with a written reason."""
    reason = text.clean(reason, "reason", AcceptanceError)
    if not reason:
        raise AcceptanceError(ACCEPT["need_reason"])
    when = _now(now)
    with transaction(con):
        lock(con, f"acceptance:{int(item)}")
        current = _active(con, int(item))  # inside: two withdrawals at once withdraw (and audit) once
        if current is None:
            raise AcceptanceError(ACCEPT["not_accepted"].format(item=item))
        con.execute(
            "UPDATE acceptance SET withdrawn_at = ?, withdrawn_reason = ? WHERE id = ?",
            [when, reason, current["id"]],
        )
        audit.record(
            con, actor.name, "acceptance_withdraw", f"item:{item}", current, {"withdrawn_at": when}, reason
        )


WITHDRAW_SQL = """
UPDATE acceptance SET withdrawn_at = $now, withdrawn_reason = f.reason
FROM fallen f
WHERE acceptance.item = f.item AND acceptance.withdrawn_at IS NULL AND acceptance.accepted_on <= $as_of
RETURNING acceptance.id, acceptance.item, acceptance.accepted_on, acceptance.accepted_by, acceptance.withdrawn_reason
"""


def sync_acceptances(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    actor: Actor = SYSTEM,
    now: dt.datetime | None = None,
    cat: Catalogue | None = None,
) -> pd.DataFrame:
    """Withdraw every acceptance (made by as_of) of an item not met as of that date, with the reason; returns
    the withdrawn rows (id, item, accepted_on, accepted_by, withdrawn_reason)."""
    standing = con.execute(
        "SELECT count(*) FROM acceptance WHERE withdrawn_at IS NULL AND accepted_on <= ?", [as_of]
    ).fetchone()[0]
    if not standing:  # nothing WITHDRAW_SQL could touch: no evaluation on the writer's path (issue 24)
        return pd.DataFrame(columns=["id", "item", "accepted_on", "accepted_by", "withdrawn_reason"])
    cat = cat or catalogue()
    ev = evaluate(con, as_of, cat)
    fallen_items = ev.items.loc[ev.items["status"] == "not_met", "item"].astype(int)
    fallen = pd.DataFrame(
        {
            "item": fallen_items,
            "reason": [
                ACCEPT["fallen"].format(date=as_of, reasons=_not_met_reasons(ev, int(i), cat))
                for i in fallen_items
            ],
        }
    )
    when = _now(now)
    con.register("fallen", fallen)
    try:
        with transaction(con):
            withdrawn = con.execute(WITHDRAW_SQL, {"now": when, "as_of": as_of}).df()
            for row in withdrawn.itertuples(index=False):
                audit.record(
                    con,
                    actor.name,
                    "acceptance_withdraw_auto",
                    f"item:{row.item}",
                    {"id": row.id, "accepted_on": row.accepted_on, "accepted_by": row.accepted_by},
                    {"withdrawn_at": when},
                    row.withdrawn_reason,
                )
    finally:
        con.unregister("fallen")
    return withdrawn


def resync(
    con: duckdb.DuckDBPyConnection,
    actor: Actor = SYSTEM,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    cat: Catalogue | None = None,
) -> pd.DataFrame:
    """Sync the acceptances as of today after a commit that can change a status: an upload's commit
    (tracker.ingest.uploads), a verification (tracker.office.verification), the office's choice of a figure. Never on a page
    view: reading changes nothing. The withdrawals are audited under the actor whose commit caused them."""
    return sync_acceptances(con, today or dt.date.today(), actor, now, cat)


LATEST_SQL = """
SELECT item, id, accepted_on, accepted_by, evidence, recorded_at, withdrawn_reason,
       CASE WHEN withdrawn_at < CAST($as_of AS DATE) + INTERVAL 1 DAY THEN withdrawn_at END AS withdrawn_at
FROM acceptance
WHERE accepted_on <= $as_of
QUALIFY row_number() OVER (PARTITION BY item ORDER BY recorded_at DESC, id DESC) = 1
"""


def acceptance_table(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, ev: Evaluation | None = None, cat: Catalogue | None = None
) -> pd.DataFrame:
    """One row per item as of the date: title, status, accepted (an acceptance dated on or before it and not
    withdrawn by then; the acceptance date is the office's, whenever it was recorded), its date, person
    and evidence; withdrawn (the latest acceptance was withdrawn by then: flagged until accepted again) with
    when and why; can_accept (met and not accepted)."""
    cat = cat or catalogue()
    ev = ev or evaluate(con, as_of, cat)
    latest = con.execute(LATEST_SQL, {"as_of": as_of}).df().set_index("item")
    base = item_rows(ev, cat)[BASE]
    rows = []
    for code, status in zip(base["item"], base["status"], strict=True):
        a = latest.loc[code] if code in latest.index else None
        withdrawn = a is not None and pd.notna(a["withdrawn_at"])
        accepted = a is not None and not withdrawn
        rows.append(
            {
                "accepted": accepted,
                "accepted_on": None if a is None else pd.Timestamp(a["accepted_on"]).date(),
                "accepted_by": None if a is None else a["accepted_by"],
                "evidence": None if a is None else a["evidence"],
                "withdrawn": withdrawn,
                "withdrawn_at": a["withdrawn_at"] if withdrawn else None,
                "withdrawn_reason": a["withdrawn_reason"] if withdrawn else None,
                "can_accept": status == "met" and not accepted,
            }
        )
    return pd.concat([base, pd.DataFrame(rows, index=base.index)], axis=1)
