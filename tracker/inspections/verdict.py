"""What findings say about the verdict. Per round and site type, a pass rate: the sites inspected without a
严重 (or worse) finding ÷ the sites inspected. It becomes a figure of every percentage metric the type's checklist
names — written as a submission whose source is the round, so the item page can say where the figure came from;
types naming the same metric count together (numerator and denominator added). And an open 否决风险 finding of a
round whose kind carries the veto (暗访) is a veto risk on its item until the finding is closed after 复查: the
evaluation itself folds these in (tracker.engine.evaluate.VETO_FINDINGS); `veto_risks` lists them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import duckdb
import pandas as pd

from tracker import periods
from tracker.access import audit
from tracker.access.auth import Actor
from tracker.access.service import service
from tracker.catalogue import OFFICE, catalogue
from tracker.db import transaction
from tracker.engine import counting
from tracker.engine.evaluate import inspection_vetoes
from tracker.ingest import raw_files
from tracker.inspections.findings import FAILING
from tracker.inspections.rounds import get_round, in_progress
from tracker.inspections.site_types import site_type
from tracker.inspections.sites import MANAGE, InspectionError, now_
from tracker.strings.inspections import MSG

SOURCE_PREFIX = "inspection_round:"  # measurement.evidence of a figure computed from a round

# A drawn site counts as inspected only with a record: a finding there in the round, or the team's 「检查无问题」
# (round_site.checked_on). A drawn site with neither is 未检查 — neither passed nor failed. The failing
# severities are our constants, written as an IN list: it also runs in a write transaction on PostgreSQL.
_FAILING = ", ".join("'" + s.replace("'", "''") + "'" for s in FAILING)
RATES_SQL = f"""
WITH drawn AS (
    SELECT s.type, r.checked_on IS NOT NULL
               OR EXISTS (SELECT 1 FROM finding f WHERE f.round_id = r.round_id AND f.site_id = s.id) AS inspected,
           EXISTS (SELECT 1 FROM finding f WHERE f.round_id = r.round_id AND f.site_id = s.id
                                            AND f.severity IN ({_FAILING})) AS failed
    FROM round_site r JOIN site s ON s.id = r.site_id
    WHERE r.round_id = $round
)
SELECT type, count(*) FILTER (WHERE inspected) AS inspected,
       count(*) FILTER (WHERE inspected AND NOT failed) AS passed,
       count(*) FILTER (WHERE NOT inspected) AS unchecked
FROM drawn GROUP BY type ORDER BY type
"""


def pass_rates(con: duckdb.DuckDBPyConnection, round_id: int) -> pd.DataFrame:
    """Per site type of the round: sites inspected (with a record), passed (no 严重 or 否决风险 finding), drawn but
    unchecked (no record), rate (0..1; NaN when none was inspected)."""
    out = con.execute(RATES_SQL, {"round": round_id}).df()
    for col in ("inspected", "passed", "unchecked"):
        out[col] = out[col].astype(int)
    out["rate"] = out["passed"] / out["inspected"].where(out["inspected"] > 0)
    return out


def metric_rates(con: duckdb.DuckDBPyConnection, round_id: int) -> pd.DataFrame:
    """The figures a round gives: per percentage metric named by its types, passed and inspected added up."""
    cat = catalogue()
    rows = []
    for r in pass_rates(con, round_id).itertuples(index=False):
        if r.inspected == 0:  # no site of the type was looked at: no figure
            continue
        for metric in site_type(r.type).rate_metrics(cat):
            rows.append((metric, r.type, int(r.passed), int(r.inspected)))
    frame = pd.DataFrame(rows, columns=["metric", "type", "passed", "inspected"])
    if frame.empty:
        return frame.assign(parts=pd.Series(dtype=str))
    frame["parts"] = [MSG["rates_part"].format(type=t, passed=p, inspected=i) for t, p, i in
                      frame[["type", "passed", "inspected"]].itertuples(index=False)]  # fmt: skip
    return frame.groupby("metric", as_index=False, sort=True).agg(
        passed=("passed", "sum"), inspected=("inspected", "sum"), parts=("parts", "；".join)
    )


@service("write_round_rates", MANAGE)
def write_rates(
    con: duckdb.DuckDBPyConnection, actor: Actor, round_id: int, now: dt.datetime | None = None
) -> tuple[int | None, str]:
    """Write the round's pass rates as figures of their metrics (the office only), as one submission of the
    office whose file is the computation (JSON) and whose name says the round. Returns (submission id or None,
    what was done). The same rates written before are not written again; a round in progress writes none (its
    sites are still being inspected: InspectionError)."""
    cat = catalogue()
    rnd = get_round(con, round_id)
    when = now or now_()
    if in_progress(rnd, when.date()):
        raise InspectionError(MSG["rates_in_progress"].format(id=round_id, ends=rnd["ends"]))
    rates = metric_rates(con, round_id)
    if rates.empty:
        return None, MSG["rates_none"].format(id=round_id)
    payload = json.dumps(
        {"round": round_id, "rates": rates.to_dict("records")},
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    ).encode()
    sha = hashlib.sha256(payload).hexdigest()
    last = con.execute(
        """SELECT s.sha256 FROM round_measurement m JOIN submission s ON s.id = m.submission_id
           WHERE m.round_id = ? ORDER BY m.submission_id DESC LIMIT 1""",
        [round_id],
    ).fetchall()
    if last and last[0][0] == sha:
        return None, MSG["rates_same"].format(id=round_id)
    source = MSG["rates_source"].format(id=round_id, kind=rnd["kind"], name=rnd["name"], starts=rnd["starts"],
                                        ends=rnd["ends"])  # fmt: skip
    with transaction(con):
        raw_files.store(con, sha, payload)
        sid = con.execute(
            """INSERT INTO submission (submitted_at, submitted_by, unit, file_name, sha256, accepted, outcome,
                                       message)
               VALUES (?, ?, ?, ?, ?, ?, 'committed', ?) RETURNING id""",
            [when, actor.name, OFFICE, source, sha, len(rates), MSG["rates_written"].format(
                id=round_id, n=len(rates), submission="—")],
        ).fetchone()[0]  # fmt: skip
        for r in rates.itertuples(index=False):
            metric = cat.metric(r.metric)
            number = {"year": 1, "quarter": (rnd["ends"].month - 1) // 3 + 1, "month": rnd["ends"].month}
            period = periods.make(metric.period, rnd["ends"].year, number.get(metric.period, 1))
            # The id drawn first and the row given as a SELECT: on PostgreSQL the row then goes into this
            # process's replica too, inside the transaction, where the summary below reads it (tracker.pg).
            mid = con.execute("SELECT nextval('measurement_id')").fetchone()[0]
            con.execute(
                """INSERT INTO measurement (id, submission_id, metric, unit, area, period_start, period_end,
                                           period_label, value, numerator, denominator, note, evidence, recorded_at)
                   SELECT ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?""",
                [mid, sid, r.metric, OFFICE, period.start, period.end, period.label,
                 round(100 * r.passed / r.inspected, 4), r.passed, r.inspected,
                 MSG["rates_note"].format(id=round_id, kind=rnd["kind"], parts=r.parts),
                 f"{SOURCE_PREFIX}{round_id}", when],
            )  # fmt: skip
        counting.refresh_summary(con)
        con.execute("INSERT INTO round_measurement VALUES (?, ?)", [round_id, sid])
        message = MSG["rates_written"].format(id=round_id, n=len(rates), submission=sid)
        con.execute("UPDATE submission SET message = ? WHERE id = ?", [message, sid])
        audit.record(con, actor.name, "round_rates", f"round:{round_id}", None,
                     {"submission": sid, "rates": rates.to_dict("records")}, message)  # fmt: skip
    return sid, message


# The open 暗访 否决风险 findings as of a date, one row each: the ones the evaluation's veto risks name.
veto_risks = inspection_vetoes
