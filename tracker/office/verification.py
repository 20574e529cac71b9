"""核实: the office confirms, with evidence, a unit's 「是」 on a checklist metric (爱卫会组织健全; 无烟草广告).

A check is kept by WHAT WAS ANSWERED (metric, area, period, value), not by the measurement row: the same
answer sent again keeps its check without any write, while a different answer recorded after the check
(是 → 否 → 是) needs a new one. The office's own 「是」 counts at once; a 「否」 has nothing to confirm.

Only the administrators (创卫办) verify; the refusal of anyone else is audited, like a refused upload. Every
verification lands in `verification` and in the audit log (before/after) in one transaction, and then the
acceptances are synced, as after every commit that can change a status (tracker.office.acceptance.resync).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from tracker import periods, text
from tracker.access import audit
from tracker.access.auth import Actor
from tracker.access.service import service
from tracker.catalogue import OFFICE, Catalogue, Metric, catalogue
from tracker.db import lock, transaction
from tracker.engine.answers import REP, answers_sql, rep_params
from tracker.engine.catalogue_tables import use_catalogue
from tracker.office.acceptance import resync
from tracker.strings import PERIOD_WORD
from tracker.strings.office import VERIFY


class VerificationError(ValueError):
    """The office cannot verify this answer; the message says why, in Chinese. `bad_input`: what was asked
    cannot name an answer (unknown metric, not a yes/no metric, unreadable period or area, no note), as opposed
    to an answer that is there but has nothing to confirm (none sent, 「否」, another unit's)."""

    def __init__(self, message: str, bad_input: bool = True):
        super().__init__(message)
        self.bad_input = bad_input


# ---------------------------------------------------------------- SQL


def _answers(
    con: duckdb.DuckDBPyConnection, cat: Catalogue, metrics: Sequence[Metric], where: str = "", **params
):
    use_catalogue(con, cat)
    sql = f"SELECT * FROM ({answers_sql(REP)}) a {where} ORDER BY a.metric, a.area, a.period_start DESC"
    out = con.execute(sql, {**rep_params(metrics), **params}).df()
    for col in ("period_start", "period_end"):
        out[col] = pd.to_datetime(out[col]).dt.date
    return out


def _checklist(cat: Catalogue) -> list[Metric]:
    return [m for m in cat.metrics if m.vtype.answer]


# ---------------------------------------------------------------- reading


def pending_answers(
    con: duckdb.DuckDBPyConnection, metrics: Sequence[str] | None = None, cat: Catalogue | None = None
) -> pd.DataFrame:
    """The answers awaiting the office's check: per checklist metric/area/period, a 「是」 that counts, sent by
    a unit other than the office, with no check holding for it; newest period first within each metric.
    Columns: id, metric, name, item, unit, area, period_start, period_end, period_label, value, recorded_at,
    evidence, note."""
    cat = cat or catalogue()
    wanted = _checklist(cat) if metrics is None else [m for m in _checklist(cat) if m.code in set(metrics)]
    out = _answers(
        con,
        cat,
        wanted,
        "WHERE a.value >= 0.5 AND a.unit <> $v_office AND a.verified_by IS NULL",
        v_office=OFFICE,
    )
    out.insert(2, "name", out["metric"].map(lambda c: cat.metric(c).name))
    out.insert(3, "item", out["metric"].map(lambda c: cat.metric(c).item))
    return out.drop(columns=["verified_by", "verified_at", "verification_note"]).reset_index(drop=True)


def awaiting_from(con: duckdb.DuckDBPyConnection, submission: int, cat: Catalogue | None = None) -> int:
    """How many 「是」 of a submission now wait for the office's check (pending_answers sent in it): what the unit
    that sent them is told, so it knows the office, not it, acts next."""
    cat = cat or catalogue()
    sent = con.execute(
        "SELECT DISTINCT metric FROM measurement WHERE submission_id = ?", [submission]
    ).fetchall()
    # Read for the submission's own checklist metrics: a file of figures only (most) reads nothing more, where
    # reading every checklist metric's answers was 8 % of an upload's commit click.
    metrics = {metric for (metric,) in sent} & {m.code for m in _checklist(cat)}
    pending = pending_answers(con, sorted(metrics), cat)["id"].tolist() if metrics else []
    if not pending:
        return 0
    return con.execute(
        "SELECT count(*) FROM measurement WHERE submission_id = ? AND id IN (SELECT unnest(?))",
        [submission, pending],
    ).fetchone()[0]


VERIFICATIONS_SQL = """
SELECT v.metric, v.verified_by, v.verified_at, v.note, v.unit, v.area, v.period_start, v.value, v.measurement_id,
       a.id IS NOT NULL AS current
FROM verification v
LEFT JOIN answers a ON a.metric = v.metric AND a.area IS NOT DISTINCT FROM v.area
                   AND a.period_start = v.period_start AND a.verified_at = v.verified_at
                   AND a.verified_by = v.verified_by AND abs(a.value - v.value) <= 1e-9
WHERE v.metric IN (SELECT unnest($v_codes))
ORDER BY v.metric, v.verified_at DESC
"""


def verifications(
    con: duckdb.DuckDBPyConnection, metrics: Sequence[str], cat: Catalogue | None = None
) -> pd.DataFrame:
    """Who verified which answer of the metrics, and when, newest first within each metric: metric,
    verified_by, verified_at, note, unit, area, period_start, period_label, answer (是/否), current (the check
    that holds for the answer that counts now). One query for all of them (the item page reads its item's)."""
    cat = cat or catalogue()
    wanted = [cat.metric(code) for code in metrics]
    use_catalogue(con, cat)
    sql = f"WITH answers AS ({answers_sql(REP)}) {VERIFICATIONS_SQL}"
    out = con.execute(sql, rep_params(wanted)).df()
    out["period_start"] = pd.to_datetime(out["period_start"]).dt.date
    kinds = {m.code: m.period for m in wanted}
    out["period_label"] = [
        periods.label(kinds[c], d) for c, d in zip(out["metric"], out["period_start"], strict=True)
    ]
    out["answer"] = ["是" if v >= 0.5 else "否" for v in out["value"]]
    out["current"] = out["current"].astype(bool)
    return out


# ---------------------------------------------------------------- verifying


@dataclass(frozen=True)
class Verified:
    """What verify did: `written` False when the answer was already verified (or is the office's own)."""

    written: bool
    message: str
    metric: str
    period_label: str
    area: str | None
    verified_by: str | None = None
    verified_at: dt.datetime | None = None


def _period(period: object) -> periods.Period | None:
    return period if isinstance(period, periods.Period) else periods.parse(period)


def _named(cat: Catalogue, metric: object, period: object, area: str | None):
    """The metric and period asked for (None when unknown or unreadable) and the audit target naming them."""
    m = cat.find_metric(str(metric or ""))
    p = _period(period)
    return m, p, f"{m.code if m else metric}{' ' + area if area else ''} {p.label if p else period}"


def _refused_target(con, arguments: dict) -> str:
    cat = arguments["cat"] or catalogue()
    return _named(cat, arguments["metric"], arguments["period"], arguments["area"])[2]


# The stored account, re-checked on every call: a disabled or changed account's session verifies nothing, and
# its refusal is audited.
@service("verify", "verify", refused=("verify_refused", _refused_target))
def verify(
    con: duckdb.DuckDBPyConnection,
    metric: str,
    period: object,
    actor: Actor,
    note: str,
    unit: str | None = None,
    area: str | None = None,
    now: dt.datetime | None = None,
    cat: Catalogue | None = None,
) -> Verified:
    """Confirm the answer that counts for a checklist metric in a period (as people type it, or a Period), and
    for area metrics in an area (the office only). `unit`, when given, must be the unit of that answer.

    Refused (VerificationError): an unknown metric, one that is not a yes/no fact, an unreadable or wrong
    period, no answer, an answer of 「否」, no note. Nothing is written when the answer is already verified
    or is the office's own: the result says so."""
    cat = cat or catalogue()
    m, p, target = _named(cat, metric, period, area)
    if m is None:
        raise VerificationError(VERIFY["unknown_metric"].format(metric=metric))
    label = f"{m.code} {m.name}"
    if not m.vtype.answer:
        raise VerificationError(VERIFY["not_checklist"].format(metric=label))
    if p is None:
        raise VerificationError(VERIFY["bad_period"].format(period=period))
    if p.type != m.period:
        typed = period if isinstance(period, str) else p.label
        raise VerificationError(
            VERIFY["wrong_period"].format(metric=label, expected=PERIOD_WORD["zh"][m.period], period=typed)
        )
    if m.scope == "city" and area:
        raise VerificationError(VERIFY["area_on_city"].format(metric=label, area=area))
    if m.scope == "area":
        if not area:
            raise VerificationError(VERIFY["need_area"].format(metric=label))
        resolved = cat.resolve_unit(area)
        if resolved not in m.areas:
            raise VerificationError(VERIFY["unknown_area"].format(metric=label, area=area))
        area = resolved
    sender = None
    if unit:
        sender = cat.resolve_unit(unit)
        if sender is None:
            raise VerificationError(VERIFY["unknown_unit"].format(unit=unit))
    note = text.clean(note, "verification_note", VerificationError)
    if not note:
        raise VerificationError(VERIFY["need_note"])
    what = f"{p.label}{' ' + area if area else ''} {m.name}"
    # The answer is read, checked and confirmed in one write transaction (one writer at a time): of two
    # sessions verifying it at once, the second reads the first's check and is told 「已核实」.
    with transaction(con):
        found = _answers(
            con,
            cat,
            [m],
            "WHERE a.area IS NOT DISTINCT FROM $v_area AND a.period_start = $v_start",
            v_area=area,
            v_start=p.start,
        )
        if found.empty:
            raise VerificationError(VERIFY["no_answer"].format(what=what), bad_input=False)
        answer = found.iloc[0]
        if sender is not None and answer["unit"] != sender:
            raise VerificationError(
                VERIFY["other_unit"].format(what=what, actual=answer["unit"], unit=sender), bad_input=False
            )
        if answer["value"] < 0.5:
            raise VerificationError(
                VERIFY["answered_no"].format(what=what, unit=answer["unit"]), bad_input=False
            )
        result = {"metric": m.code, "period_label": p.label, "area": area}
        if answer["unit"] == OFFICE:
            return Verified(False, VERIFY["office_own"].format(what=what), **result)
        verified_by, verified_at = answer["verified_by"], answer["verified_at"]
        if not isinstance(verified_by, str):
            # On PostgreSQL the answers were read in the replica, and two transactions run at once: the check a
            # session at the same moment wrote is read again, under the answer's lock, in the store itself.
            lock(con, f"verification:{int(answer['id'])}")
            done = con.execute(
                "SELECT verified_by, verified_at FROM verification WHERE measurement_id = ? "
                "ORDER BY verified_at DESC LIMIT 1",
                [int(answer["id"])],
            ).fetchone()
            verified_by, verified_at = done or (verified_by, verified_at)
        if isinstance(verified_by, str):
            when = pd.Timestamp(verified_at).to_pydatetime()
            message = VERIFY["already"].format(what=what, when=f"{when:%Y-%m-%d}", by=verified_by,
                                               unit=answer["unit"])  # fmt: skip
            return Verified(False, message, **result, verified_by=verified_by, verified_at=when)
        when = now or dt.datetime.now()  # to the microsecond, as answers are (commit.now)
        row = {
            "measurement_id": int(answer["id"]),
            "verified_by": actor.name,
            "verified_at": when,
            "note": note,
            "metric": m.code,
            "unit": answer["unit"],
            "area": area,
            "period_start": p.start,
            "value": float(answer["value"]),
        }
        before = {  # the answer as it stood: a 「是」 awaiting the check (待核实)
            "measurement_id": int(answer["id"]),
            "unit": answer["unit"],
            "answer": "是",
            "recorded_at": answer["recorded_at"],
            "status": "pending",
            "verified": None,
        }
        con.execute(
            """INSERT INTO verification (measurement_id, verified_by, verified_at, note, metric, unit, area,
                                         period_start, value)
               VALUES ($measurement_id, $verified_by, $verified_at, $note, $metric, $unit, $area, $period_start,
                       $value)""",
            row,
        )
        audit.record(con, actor.name, "verify", target, before, row, note)
    resync(con, actor, cat=cat)
    return Verified(
        True, VERIFY["done"].format(what=what, unit=answer["unit"]), **result, verified_by=actor.name,
        verified_at=when,
    )  # fmt: skip
