"""One row per item as an evaluation left it: the catalogue's facts beside the item's status. The overview and
unit pages (views.item_table), item acceptance (acceptance.acceptance_table) and the briefing all start from
these rows and add what they need.
"""

from __future__ import annotations

import pandas as pd

from tracker.catalogue import Catalogue
from tracker.engine.evaluate import Evaluation

BASE = ["item", "title", "category", "lead", "status", "veto_risk"]


def item_rows(ev: Evaluation, cat: Catalogue) -> pd.DataFrame:
    """In catalogue order: item, title, category, lead (the first unit the plan lists), status, veto_risk, and
    metrics_met / metrics_total (the item's metrics met, and all of them)."""
    items = pd.DataFrame(
        [(i.code, i.title, i.category, i.lead) for i in cat.items],
        columns=["item", "title", "category", "lead"],
    )
    status = ev.items[["item", "status", "veto_risk"]]
    item_of = {m.code: m.item for m in cat.metrics}
    counts = (
        ev.metrics.assign(item=ev.metrics["metric"].map(item_of), met=ev.metrics["status"].eq("met"))
        .groupby("item")
        .agg(metrics_met=("met", "sum"), metrics_total=("met", "size"))
        .reset_index()
    )
    out = items.merge(status, on="item", how="left").merge(counts, on="item", how="left")
    out["veto_risk"] = out["veto_risk"].fillna(False).astype(bool)
    for col in ("metrics_met", "metrics_total"):
        out[col] = out[col].fillna(0).astype(int)
    return out
