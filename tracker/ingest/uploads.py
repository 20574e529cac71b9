"""Who may upload for whom, around tracker.ingest.import_file: the permission check, and the audit
trail of every upload and of every value a newer one replaced — written inside the import's own
transaction, so an upload and its audit entries land together or not at all."""

from __future__ import annotations

import duckdb

from tracker import logs
from tracker.access import audit
from tracker.access.auth import Actor, PermissionDenied, require
from tracker.access.users import current_actor
from tracker.catalogue import OFFICE, catalogue
from tracker.engine import counting
from tracker.ingest.result import ImportResult
from tracker.ingest.service import Progress, import_file
from tracker.office.acceptance import resync

# One row per value this submission replaced: the value that counted before it (tracker.engine.counting, as if
# this submission had not been sent) and the one that counts now, when the submission's row is the one that
# counts. A figure kept beside the reporter's (another listed unit's) replaces nothing and is not logged.
_SCOPE = (
    "m.metric IN (SELECT metric FROM measurement WHERE submission_id = $sid) "
    "AND m.period_start IN (SELECT period_start FROM measurement WHERE submission_id = $sid)"
)
AUDIT_REPLACED = f"""
INSERT INTO audit_log (happened_at, actor, action, target, before_json, after_json, detail)
WITH now_counts AS ({counting.values_sql(_SCOPE)}),
before_counted AS ({counting.values_sql(_SCOPE + " AND m.submission_id <> $sid")})
SELECT now()::TIMESTAMP, $actor, 'value_replaced',
       new.metric || coalesce(' ' || new.area, '') || ' ' || new.period_label,
       json_object('value', old.value, 'unit', old.unit, 'submission', o.submission_id)::VARCHAR,
       json_object('value', new.value, 'unit', new.unit, 'submission', new.submission_id)::VARCHAR,
       '第' || new.source_row || '行'
FROM now_counts c
JOIN measurement new ON new.id = c.id AND new.submission_id = $sid
JOIN before_counted old ON old.metric = c.metric AND old.area IS NOT DISTINCT FROM c.area
                       AND old.period_start = c.period_start AND old.period_end = c.period_end
JOIN measurement o ON o.id = old.id
ORDER BY new.source_row
"""


def upload(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    file_name: str,
    data: bytes,
    *,
    unit: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    sheet: str | None = None,
) -> ImportResult:
    """Import a file as `actor`. A reporter uploads only for its own unit (a file sent without a unit is
    taken as its unit's); a leader uploads nothing; a refusal is audited and raised as PermissionDenied."""
    try:  # the stored account, re-checked on every call: a disabled or changed account's session uploads nothing
        actor = current_actor(con, actor)
    except PermissionDenied as exc:
        audit.record(con, actor.name, "upload_refused", file_name, detail=str(exc))
        raise
    if actor.role == "reporter" and unit is None:
        unit = actor.unit
    sender = catalogue().resolve_unit(unit) if unit else OFFICE
    try:
        require(actor, "upload", sender)
    except PermissionDenied as exc:
        audit.record(con, actor.name, "upload_refused", file_name, detail=str(exc))
        raise

    def settled(tx: duckdb.DuckDBPyConnection, result: ImportResult) -> None:
        """The upload's audit entries, inside the transaction that writes its outcome (never a dry run)."""
        after = {
            "submission": result.submission,
            "outcome": result.outcome,
            "accepted": result.accepted,
            "refused": result.refused,
            "warnings": result.warnings,
            "unit": result.unit,
        }
        audit.record(tx, actor.name, "upload", file_name, after=after, detail=result.message)
        if result.outcome == "committed":
            audit.append_select(
                tx,
                AUDIT_REPLACED,
                {"actor": actor.name, "sid": result.submission, "known": counting.FAR_FUTURE},
            )

    with logs.action(actor.name, "upload_check" if dry_run else "upload", file_name) as logged:
        result = import_file(
            con,
            file_name,
            data,
            unit=unit,
            user=actor.name,
            dry_run=dry_run,
            progress=progress,
            sheet=sheet,
            settled=settled,
        )
        logged["outcome"] = f"{result.outcome} accepted={result.accepted} refused={result.refused}"
    if result.outcome == "committed" and not dry_run:
        # A commit can fail an accepted item: withdraw its acceptance now, not when someone opens a page.
        resync(con, actor)
    return result
