"""Frames as the pages show them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

# st.dataframe wraps a text cell only in rows taller than 4rem (Streamlit 1.67's DataFrame.js): a long Chinese text
# (整改内容, 目标要求) gets such rows and a bounded column, or the columns right of it fall off a 1440 px screen.
WRAPPING_ROWS = 70


def blanks(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing cells as empty text: st.dataframe draws None and NaN as a grey 「None」 that clerks read as data."""
    return frame.astype(object).where(frame.notna(), "")


def widths(columns: dict[str, str | int]) -> dict:
    """column_config giving these columns (label: width) a width: "small", "medium", "large" or pixels."""
    return {label: st.column_config.Column(width=width) for label, width in columns.items()}
