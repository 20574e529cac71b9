"""The item page's 核实 reads (issue 24, finding 10): the verification history and the answers awaiting the
office's check are read once per item (all its checklist metrics in one query), and each metric's part equals
what the per-metric read gave — on the demo, and on a demo copy with checks written (one no longer holding)."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from tests.scenario import add
from tracker import bootstrap, periods
from tracker.access.auth import Actor
from tracker.catalogue import catalogue
from tracker.engine.answers import REP, answers_sql, rep_params
from tracker.engine.catalogue_tables import use_catalogue
from tracker.office import verification

CAT = catalogue()
OFFICE = Actor("王主任", "admin")

# The per-metric read as the item page made it before (one query per checklist metric), kept as the oracle.
_PER_METRIC_SQL = """
SELECT v.verified_by, v.verified_at, v.note, v.unit, v.area, v.period_start, v.value, v.measurement_id,
       a.id IS NOT NULL AS current
FROM verification v
LEFT JOIN answers a ON a.metric = v.metric AND a.area IS NOT DISTINCT FROM v.area
                   AND a.period_start = v.period_start AND a.verified_at = v.verified_at
                   AND a.verified_by = v.verified_by AND abs(a.value - v.value) <= 1e-9
WHERE v.metric = $metric
ORDER BY v.verified_at DESC
"""


def per_metric(con, metric: str) -> pd.DataFrame:
    """The old read of one metric, over the answers of every checklist metric kept in a temporary table (the join
    takes the metric's own only): one answers_sql per database instead of one per metric, for speed."""
    m = CAT.metric(metric)
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'answers'").fetchone()[0]:
        use_catalogue(con, CAT)
        con.execute(
            f"CREATE TEMP TABLE answers AS {answers_sql(REP)}",
            rep_params([x for x in CAT.metrics if x.vtype.answer]),
        )
    out = con.execute(_PER_METRIC_SQL, {"metric": m.code}).df()
    out["period_start"] = pd.to_datetime(out["period_start"]).dt.date
    out["period_label"] = [periods.label(m.period, d) for d in out["period_start"]]
    out["answer"] = ["是" if v >= 0.5 else "否" for v in out["value"]]
    out["current"] = out["current"].astype(bool)
    return out


def values(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


def write_checks(con) -> None:
    """A fresh 「是」 on every checklist metric of items 2 and 16 and the demo's pending ones, each verified at its own
    moment; then one answered 「否」 (its check no longer holds), another 「否」 and 「是」 again (pending once more, the
    old check kept in the history)."""
    codes = [m.code for i in (2, 16) for m in CAT.item(i).metrics if m.vtype.answer]
    later = con.execute("SELECT max(recorded_at) FROM measurement").fetchone()[0]
    for code in codes:
        unit, label = con.execute(
            "SELECT unit, period_label FROM measurement WHERE metric = ? ORDER BY period_start DESC, id DESC",
            [code],
        ).fetchone()
        for value in (0, 1):  # 否 then 是: a new answer to check, whatever the demo's was
            later += dt.timedelta(minutes=1)
            add(con, code, label, value, unit=unit, recorded_at=f"{later:%Y-%m-%d %H:%M:%S}")
    pending = verification.pending_answers(con, None, CAT)
    assert len(pending) >= 4 and pending["item"].nunique() >= 2
    moment = dt.datetime(2026, 11, 1, 9, 0)
    for n, row in enumerate(pending.itertuples(index=False)):
        verification.verify(
            con, row.metric, row.period_label, OFFICE, f"检查记录{n}", now=moment + dt.timedelta(minutes=n)
        )
    first, again = pending.iloc[0], pending.iloc[1]
    for row, value in ((first, 0), (again, 0), (again, 1)):
        later += dt.timedelta(minutes=1)
        add(
            con,
            row["metric"],
            row["period_label"],
            value,
            unit=row["unit"],
            recorded_at=f"{later:%Y-%m-%d %H:%M:%S}",
        )


@pytest.fixture(params=["demo", "with checks"])
def db(request, demo_db, tmp_path):
    path = tmp_path / "checks.duckdb"
    shutil.copy(demo_db, path)
    con = bootstrap.connect(path)
    if request.param == "with checks":
        write_checks(con)
    yield request.param, con
    con.close()


def checklist(item) -> list[str]:
    return [m.code for m in item.metrics if m.vtype.answer]


def test_the_items_history_is_each_metrics_history(db):
    kind, con = db
    # The per-metric oracle for every metric with a check, the item's read for every item with one; an item with
    # none has an empty history (the oracle's WHERE finds no row): this keeps the test from running a hundred
    # slow queries per database.
    checked = {c for (c,) in con.execute("SELECT DISTINCT metric FROM verification").fetchall()}
    unchecked = [i for i in CAT.items if checklist(i) and not set(checklist(i)) & checked]
    assert verification.verifications(con, checklist(unchecked[0]), CAT).empty
    shown = 0
    for item in CAT.items:
        if not set(codes := checklist(item)) & checked:
            continue
        whole = verification.verifications(con, codes, CAT)
        assert set(whole["metric"]) <= set(codes) & checked
        for code in set(codes) & checked:
            expected = per_metric(con, code)
            got = whole[whole["metric"] == code].drop(columns="metric").reset_index(drop=True)
            assert list(got.columns) == list(expected.columns)
            assert values(got) == values(expected), code
            shown += len(got)
    assert shown == con.execute("SELECT count(*) FROM verification").fetchone()[0]
    if kind == "with checks":
        assert shown >= 6
        assert not verification.verifications(con, sorted(checked), CAT)["current"].all()


def test_the_items_pending_answers_are_each_metrics(db):
    _, con = db
    # Per metric for every item with an answer awaiting the check (and items 2 and 16); every other item has none.
    everything = verification.pending_answers(con, None, CAT)
    waiting = set(everything["item"]) | {2, 16}
    for item in CAT.items:
        if not (codes := checklist(item)):
            continue
        whole = verification.pending_answers(con, codes, CAT)
        if item.code not in waiting:
            assert whole.empty
            continue
        assert values(whole) == values(everything[everything["item"] == item.code].reset_index(drop=True))
        for code in codes:
            expected = verification.pending_answers(con, [code], CAT)
            got = whole[whole["metric"] == code].reset_index(drop=True)
            assert values(got) == values(expected), code
