"""Tables the inspection page and the overview show, from `findings.findings(...)`: counts by a dimension,
the units ranked by findings closed on time (奖优罚劣), and the street-by-item grid of open findings."""

from __future__ import annotations

import pandas as pd

from tracker.strings.ui import item_word


def counts_by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per value of `column`: findings open, overdue (a part of open) and closed; most open first."""
    if frame.empty:
        return pd.DataFrame(columns=[column, "open", "overdue", "closed"])
    flags = frame.assign(
        open=frame["status"].ne("closed"), closed=frame["status"].eq("closed"), overdue=frame["overdue"]
    )
    out = flags.groupby(column, as_index=False)[["open", "overdue", "closed"]].sum()
    return out.sort_values(["open", "overdue", column], ascending=[False, False, True]).reset_index(drop=True)


def unit_ranking(frame: pd.DataFrame) -> pd.DataFrame:
    """Units by the share of their findings closed after 复查 by the deadline, best first; ties by fewer overdue."""
    if frame.empty:
        return pd.DataFrame(columns=["unit", "total", "closed", "on_time", "overdue", "rate"])
    out = frame.groupby("unit", as_index=False).agg(
        total=("id", "count"),
        closed=("status", lambda s: int(s.eq("closed").sum())),
        on_time=("on_time", "sum"),
        overdue=("overdue", "sum"),
    )
    out["rate"] = out["on_time"] / out["total"]
    return out.sort_values(["rate", "overdue", "unit"], ascending=[False, True, True]).reset_index(drop=True)


def street_item_grid(frame: pd.DataFrame) -> pd.DataFrame:
    """Open findings per street (rows) and item (columns, 第N项)."""
    open_ = frame[frame["status"].ne("closed")]
    if open_.empty:
        return pd.DataFrame()
    grid = pd.crosstab(open_["street"].fillna("—"), open_["item"].astype(int))
    grid.columns = [item_word(c) for c in grid.columns]
    return grid
