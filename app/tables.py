"""Frames as the pages show them: every table of the app goes through `show`, so a missing cell is never drawn as
Streamlit's grey 「None」 (or pandas' nan / NaT), which clerks read as data."""

from __future__ import annotations

import pandas as pd
import streamlit as st


def blanks(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing cells as empty text (None, NaN, NaT, pd.NA)."""
    return frame.astype(object).where(frame.notna(), "")


def show(frame: pd.DataFrame, **kwargs):
    """st.dataframe with missing cells blank: the one place a table reaches the page."""
    return st.dataframe(blanks(frame), **kwargs)


def upload_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Refused or warned rows as stored (行号, 原因 / 提醒, the cells as sent): the row number and the reasons in
    the page's language, the cells as sent."""
    from tracker.strings.ui import t
    from tracker.strings.upload import COLUMNS, shown

    out = frame.copy()
    for key in ("reasons", "warnings"):
        if COLUMNS[key] in out.columns:
            out[COLUMNS[key]] = out[COLUMNS[key]].map(shown)
    names = {COLUMNS[k]: t(f"upload_col.{k}") for k in ("row", "reasons", "warnings")}
    return out.rename(columns=names)
