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
