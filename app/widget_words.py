"""Streamlit's own words that its API gives no parameter for, put in the page's language.

The file uploader's dropzone («Upload», «25MB per file») and the typing hints of
text inputs («Press Enter to submit form», «Press Ctrl+Enter to apply») are written by Streamlit's frontend
in English. Where a parameter exists the pages use it (a selectbox's placeholder=, st.form(enter_to_submit=
False)); for the rest a style rule hides Streamlit's words and shows ours in their place."""

from __future__ import annotations

import json

import streamlit as st

from tracker.strings.ui import lang, t


def _css_text(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a CSS string: quotes and backslashes escaped


def frame() -> None:
    """Once per run, from dashboard.py: in Chinese, the typing hints (English, and no parameter for them) are
    hidden; the character counter of max_chars goes with them, the limit itself stays."""
    if lang() != "en":
        st.html("<style>[data-testid='InputInstructions'] { display: none; }</style>")


def file_uploader(limit_mb: int) -> None:
    """The dropzone's words in the page's language, drawn right after st.file_uploader."""
    if lang() == "en":
        return
    zone = "[data-testid='stFileUploaderDropzone']"
    hint = "[data-testid='stFileUploaderDropzoneInstructions']"
    st.html(
        "<style>"
        f"{hint} span {{ font-size: 0 !important; }}"
        f"{hint} > div > span::after {{ content: {_css_text(t('upload.dropzone_limit', mb=limit_mb))};"
        " font-size: 0.875rem; }"
        f"{zone} button p {{ font-size: 0 !important; }}"
        f"{zone} button p::after {{ content: {_css_text(t('upload.browse'))}; font-size: 0.875rem; }}"
        "</style>"
    )
