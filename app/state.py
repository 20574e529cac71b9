"""The page state every screen shares: the as-of date and the language picked on the sidebar, and the
「按当时已知」 toggle. The language is handed to tracker.strings.ui, which words every page in it."""

from __future__ import annotations

import datetime as dt
import threading

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from tracker.strings import ui
from tracker.strings.ui import t

_this_run = threading.local()  # the language read in this script run


def _session_language() -> str:
    """The sidebar's language, read once per script run: a page words hundreds of labels, and each read of the
    session state takes its lock. The radio's value is set before the run starts, so it holds for the whole run
    (the run's context gets a fresh `cursors` dict at every run and rerun, which tells this run from the last)."""
    ctx = get_script_run_ctx(suppress_warning=True)  # a command run for the command line: no warning per word
    if ctx is None:  # outside a Streamlit run
        return "zh"
    if getattr(_this_run, "run", None) is not ctx.cursors:
        _this_run.run, _this_run.lang = ctx.cursors, st.session_state.get("lang", "zh")
    return _this_run.lang


def register_language() -> None:
    """Words everywhere follow the sidebar's language (app/__init__.py calls this once)."""
    ui.use_language_source(_session_language)


def known_then(key: str) -> bool:
    """The 「按当时已知」 toggle of a page (off by default: as known now), with a caption saying which it shows."""
    on = st.toggle(t("known_toggle"), key=key, help=t("known_toggle_help"))
    st.caption(t("known_then_caption" if on else "known_now_caption"))
    return on


def as_of() -> dt.date:
    """The as-of date picked on the sidebar (today until one is picked)."""
    value = st.session_state.get("as_of")
    return value if isinstance(value, dt.date) else dt.date.today()


# Streamlit's date input commits a typed date only when its calendar closes (Escape, a click elsewhere); Enter
# in the typed field does neither, so the date looked typed but was never applied. This makes Enter in any date
# field close the calendar, which commits what was typed. Installed once per browser tab.
_ENTER_APPLIES_DATES = """<script>
if (!window.__trackerEnterAppliesDates) {
  window.__trackerEnterAppliesDates = true;
  document.addEventListener('keydown', (e) => {
    const field = e.target.closest && e.target.closest('[data-testid=stDateInputField]');
    if (e.key !== 'Enter' || e.isComposing || !field) return;
    e.target.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', code: 'Escape', bubbles: true}));
  }, true);
}
</script>"""


def enter_applies_dates() -> None:
    """Typing a date and pressing Enter applies it (see _ENTER_APPLIES_DATES); drawn on the sidebar."""
    st.html(_ENTER_APPLIES_DATES, unsafe_allow_javascript=True, width="content")
