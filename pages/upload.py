"""上报数据 — pick the unit, download its template, upload a filled .csv/.xlsx, preview row by row, commit.

Thin: tracker.ingest does the reading, checking and storing; this page draws and hands input back."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from app import cached, session, state, tables, webapp, widget_words
from app.markup import plain
from tracker.config import settings
from tracker.ingest.templates import template
from tracker.ingest.uploads import upload
from tracker.office import verification
from tracker.strings.ui import t, upload_text

actor = session.guard("upload")

cat = webapp.cat()
st.title(t("upload.upload_title"))

if actor.role == "reporter":  # a reporter sends for its own unit only (the service checks it again)
    unit = actor.unit
    st.markdown(t("upload.unit_fixed", unit=unit))
else:
    any_unit = t("upload.unit_any")
    aliases = sorted({a for u in cat.units.values() for a in (u.name, *u.aliases)} - set(cat.units))
    picked = st.selectbox(
        t("upload.unit"),
        [any_unit, *cat.units, *aliases],
        key="upload_unit",
        help=t("upload.unit_help"),
        format_func=lambda name: (
            name if name in cat.units or name == any_unit else f"{name} → {cat.resolve_unit(name)}"
        ),
    )
    unit = None if picked in (None, any_unit) else cat.resolve_unit(picked)

if unit:
    with st.expander(t("upload.template"), icon=":material/download:"):
        left, right = st.columns(2)
        left.download_button(
            t("upload.template_xlsx"),
            template(unit, "xlsx"),
            t("upload.template_name", unit=unit, suffix="xlsx"),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        right.download_button(
            t("upload.template_csv"),
            template(unit, "csv"),
            t("upload.template_name", unit=unit, suffix="csv"),
            mime="text/csv",
        )

# No `type=`: the widget's own refusal of a type is English; tracker.ingest reads the file by its content and
# refuses what it cannot read in the page's words.
uploaded = st.file_uploader(t("upload.uploader"), key="upload_file")
widget_words.file_uploader(settings().get("max_upload_mb", 25))
if uploaded is None:
    st.stop()

data = uploaded.getvalue()


def send(dry_run: bool):
    """Check (dry run) or commit the file through the permission layer, with a progress bar."""
    bar = st.progress(0.0, text=t("upload.checking" if dry_run else "upload.committing"))
    result = upload(
        webapp.cursor(),
        actor,
        uploaded.name,
        data,
        unit=unit,
        dry_run=dry_run,
        progress=lambda f, text: bar.progress(min(f, 1.0), text=text),
    )
    bar.empty()
    return result


key = (hashlib.sha256(data).hexdigest(), unit, uploaded.name)
if st.session_state.get("upload_preview_key") != key:
    preview = send(dry_run=True)
    st.session_state["upload_preview_key"] = key
    st.session_state["upload_preview"] = preview
    st.session_state.pop("upload_done", None)
preview = st.session_state["upload_preview"]

done = st.session_state.get("upload_done")
if done is not None:
    (st.success if done.outcome in ("committed", "duplicate") else st.warning)(
        plain(upload_text(done.message))
    )
    if done.outcome == "committed" and (
        waiting := verification.awaiting_from(webapp.cursor(), done.submission)
    ):
        st.info(t("upload.awaiting_check", n=waiting))  # who acts next: the office, not the unit
    st.stop()

if preview.outcome == "failed":  # the whole file refused: nothing to import, so no 「确认导入」
    st.error(plain(upload_text(preview.message)))
    st.caption(t("upload.refused_whole_file"))
    st.stop()
(st.info if preview.duplicate else st.caption)(plain(upload_text(preview.message)))
cols = st.columns(3)
cols[0].metric(t("upload.accepted"), preview.accepted)
cols[1].metric(t("upload.warned"), preview.warnings)
cols[2].metric(t("upload.refused"), preview.refused)
tabs = st.tabs(
    [
        t("upload.tab_accepted", n=preview.accepted),
        t("upload.tab_warned", n=preview.warnings),
        t("upload.tab_refused", n=preview.refused),
    ]
)
with tabs[0]:
    shown = preview.accepted_preview.rename(columns=lambda c: t(f"upload_col.{c}"))
    tables.show(shown, hide_index=True, width="stretch")
    if preview.accepted > len(shown):
        st.caption(t("upload.shown_first", n=len(shown)))
with tabs[1]:
    tables.show(
        pd.DataFrame(
            {
                t("upload_col.row"): [r.row for r in preview.warned_rows],
                t("upload_col.warnings"): [
                    t("reason_separator").join(map(upload_text, r.reasons)) for r in preview.warned_rows
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    if preview.warnings > len(preview.warned_rows):
        st.caption(t("upload.warned_shown_first", n=len(preview.warned_rows), total=preview.warnings))
with tabs[2]:
    refused = preview.refused_frame()  # the row number and reasons in the page's language; the cells as sent
    tables.show(
        tables.upload_rows(refused),
        hide_index=True,
        width="stretch",
    )
    if preview.refused:
        st.download_button(
            t("upload.download_refused"),
            preview.refused_csv(),
            t("upload.refused_name", stem=uploaded.name.rsplit(".", 1)[0]),
            mime="text/csv",
            icon=":material/download:",
        )

if st.button(t("upload.commit"), type="primary", key="upload_commit"):
    # Kept before the warm-up: whatever befalls it, the commit is told.
    st.session_state["upload_done"] = send(dry_run=False)
    # The new generation's evaluation, history and phase matrix computed here, by the person who sent the data,
    # rather than by the next reader while everyone else opening a page waits for that reader.
    cached.after_write(state.as_of())
    st.rerun()
