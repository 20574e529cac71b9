"""The per-item rows that item_table, acceptance_table and the briefing share."""

from __future__ import annotations

from tests.conftest import TODAY
from tracker.catalogue import catalogue
from tracker.engine import views
from tracker.engine.evaluate import evaluate
from tracker.engine.items import BASE, item_rows
from tracker.office import acceptance

CAT = catalogue()


def test_item_rows_in_catalogue_order(demo_con):
    ev = evaluate(demo_con, TODAY, CAT)
    rows = item_rows(ev, CAT)
    assert list(rows.columns) == [*BASE, "metrics_met", "metrics_total"]
    assert list(rows["item"]) == [i.code for i in CAT.items]
    ten = rows.set_index("item").loc[10]
    assert (ten["title"], ten["lead"], ten["status"], ten["metrics_met"], ten["metrics_total"]) == (
        CAT.item(10).title, CAT.item(10).lead, "not_met", 7, 8,
    )  # fmt: skip
    assert rows.set_index("item").loc[30, "veto_risk"]
    assert rows["metrics_total"].sum() == len(CAT.metrics)
    # the pages and item acceptance show the same rows
    table = views.item_table(ev, CAT).sort_values("item").reset_index(drop=True)
    assert table[rows.columns].equals(rows)
    accepted = acceptance.acceptance_table(demo_con, TODAY, ev, CAT)
    assert accepted[BASE].equals(rows[BASE])
