"""Frames as the pages show them."""

from __future__ import annotations

import pandas as pd


def blanks(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing cells as empty text: st.dataframe draws None and NaN as a grey 「None」 that clerks read as data."""
    return frame.astype(object).where(frame.notna(), "")
