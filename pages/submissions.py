"""报送记录 — who sent what, when, with what outcome; the original file and its refused rows to download."""

from __future__ import annotations

import streamlit as st

from app import session, tables, webapp
from app.tables import widths
from tracker.files import csv_bytes
from tracker.ingest.preview import PREVIEW_ROWS
from tracker.ingest.submissions import (
    list_submissions,
    refused_csv,
    refused_rows,
    submission_file,
    warned_rows,
)
from tracker.strings.ui import act, code_word, t, upload_text

actor = session.guard("submissions")

st.title(t("upload.submissions_title"))
con = webapp.cursor()
if actor.role == "reporter":
    unit = actor.unit
else:  # the office and leaders: every unit, or one (?unit=, as the item page links here)
    cat = webapp.cat()
    asked = cat.resolve_unit(str(st.query_params.get("unit", ""))) or ""
    if asked and st.session_state.get("submissions_unit") != asked:
        st.session_state["submissions_unit"] = asked
    unit = st.selectbox(
        act("submissions_unit"),
        ["", *cat.units],
        format_func=lambda u: u or act("submissions_all_units"),
        key="submissions_unit",
        on_change=lambda: st.query_params.update(unit=st.session_state["submissions_unit"]),
    )
    if not unit:
        st.query_params.pop("unit", None)
frame = list_submissions(con, unit=unit or None)
if frame.empty:
    st.info(t("upload.no_submissions"))
    st.stop()

# A file sent without a unit names one on each row (the office's collected form).
frame["unit"] = frame["unit"].where(frame["unit"].notna(), t("upload.unit_per_row"))
table = frame.assign(outcome=frame["outcome"].map(lambda o: code_word("upload_outcome", o)))
table = table[
    [
        "id",
        "submitted_at",
        "unit",
        "submitted_by",
        "file_name",
        "outcome",
        "accepted",
        "refused",
        "warned",
        "message",
    ]
]
table = table.assign(message=table["message"].map(upload_text))
table = table.rename(columns=lambda c: t(f"upload_col.{c}"))
# The file's name bounded: the outcome and the counts right of it stay on a 1440 px screen.
tables.show(
    table,
    hide_index=True,
    width="stretch",
    column_config=widths({t("upload_col.file_name"): "medium", t("upload_col.message"): "large"}),
)

labels = {
    int(r.id): t(
        "upload.submission_option",
        id=r.id,
        file=r.file_name,
        unit=r.unit,
        at=f"{r.submitted_at:%Y-%m-%d %H:%M}",
    )
    for r in frame.itertuples(index=False)
}
chosen = st.selectbox(
    t("upload.pick_submission"), list(labels), format_func=labels.get, key="submission_pick"
)
original = submission_file(con, chosen)
if original is not None:
    st.download_button(
        t("upload.download_original"),
        original[1],
        original[0],
        icon=":material/download:",
        key="submission_download",
    )
elif bool(frame.loc[frame["id"] == chosen, "file_dropped"].iloc[0]):
    st.caption(t("upload.file_dropped"))
refused = refused_rows(con, chosen)
if len(refused):
    st.subheader(t("upload.refused_of", id=chosen))
    tables.show(tables.upload_rows(refused), hide_index=True, width="stretch")
    st.download_button(
        t("upload.download_refused"),
        refused_csv(con, chosen),
        t("upload.submission_refused_name", id=chosen),
        mime="text/csv",
        key="submission_refused_download",
    )
warned = int(frame.loc[frame["id"] == chosen, "warned"].iloc[0] or 0)
if warned:
    st.subheader(t("upload.warned_of", id=chosen, n=warned))
    tables.show(
        tables.upload_rows(warned_rows(con, chosen, limit=PREVIEW_ROWS)), hide_index=True, width="stretch"
    )
    if warned > PREVIEW_ROWS:
        st.caption(t("upload.shown_first", n=PREVIEW_ROWS))
    st.download_button(
        t("upload.download_warned"),
        # made when clicked: a form of a million rows may warn on each
        lambda: csv_bytes(warned_rows(webapp.cursor(), chosen)),
        t("upload.submission_warned_name", id=chosen),
        mime="text/csv",
        key="submission_warned_download",
    )
