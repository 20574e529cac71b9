"""Frames as the pages show them: every table of the app goes through `show`, so a missing cell is never drawn as
Streamlit's grey 「None」 (or pandas' nan / NaT), which clerks read as data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from tracker.strings.ui import english_data, lang

# st.dataframe wraps a text cell only in rows taller than 4rem (Streamlit 1.67's DataFrame.js): a long Chinese text
# (整改内容, 目标要求) gets such rows and a bounded column, or the columns right of it fall off a 1440 px screen.
WRAPPING_ROWS = 70


def _cell(value) -> str:
    if isinstance(value, dt.datetime):  # to the second, as show() draws a column of moments
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def blanks(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing cells (None, NaN, NaT, pd.NA) as empty text. Only a column that has one becomes text (a column
    of whole numbers and "" is not one Arrow can carry); the others keep their types."""
    out = frame.copy()
    for column in frame.columns[frame.isna().any().to_numpy()]:
        values = frame[column]
        out[column] = [_cell(v) if present else "" for v, present in zip(values, values.notna(), strict=True)]
    return out


def show(frame, **kwargs):
    """st.dataframe with missing cells blank: the one place a table reaches the page (a Styler keeps its styles
    and draws its missing cells empty)."""
    if isinstance(frame, Styler):
        return st.dataframe(frame.format(na_rep=""), **kwargs)
    shown = blanks(frame)
    # A moment to the second: the stored stamps keep microseconds to order events.
    for column in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[column]):
            shown[column] = shown[column].dt.floor("s")
    if lang() == "en":  # a cell that is all a period label or a figure (2025年, 2.6人/万人) in English
        for column in shown.columns:
            if shown[column].dtype == object or pd.api.types.is_string_dtype(shown[column]):
                shown[column] = shown[column].map(english_data)
    return st.dataframe(shown, **kwargs)


def upload_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Refused or warned rows as stored (行号, 原因 / 提醒, the cells as sent): the row number and the reasons in
    the page's language, the cells as sent."""
    from tracker.strings.ui import t, upload_text
    from tracker.strings.upload import COLUMNS

    out = frame.copy()
    for key in ("reasons", "warnings"):
        if COLUMNS[key] in out.columns:
            out[COLUMNS[key]] = out[COLUMNS[key]].map(upload_text)
    names = {COLUMNS[k]: t(f"upload_col.{k}") for k in ("row", "reasons", "warnings")}
    return out.rename(columns=names)


def widths(columns: dict[str, str | int]) -> dict:
    """column_config giving these columns (label: width) a width: "small", "medium", "large" or pixels."""
    return {label: st.column_config.Column(width=width) for label, width in columns.items()}
