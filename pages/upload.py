"""上报数据 — pick the unit, download its template, upload a filled .csv/.xlsx, preview row by row, commit.

Thin: tracker.ingest does the reading, checking and storing; this page draws and hands input back."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from app import session, webapp
from tracker.ingest.templates import template
from tracker.ingest.uploads import upload
from tracker.strings.upload import COLUMNS, PAGE

actor = session.guard("upload")

cat = webapp.cat()
st.title(PAGE["upload_title"])

if actor.role == "reporter":  # a reporter sends for its own unit only (the service checks it again)
    unit = actor.unit
    st.markdown(PAGE["unit_fixed"].format(unit=unit))
else:
    any_unit = PAGE["unit_any"]
    aliases = sorted({a for u in cat.units.values() for a in (u.name, *u.aliases)} - set(cat.units))
    picked = st.selectbox(
        PAGE["unit"],
        [any_unit, *cat.units, *aliases],
        key="upload_unit",
        help=PAGE["unit_help"],
        format_func=lambda name: (
            name if name in cat.units or name == any_unit else f"{name} → {cat.resolve_unit(name)}"
        ),
    )
    unit = None if picked in (None, any_unit) else cat.resolve_unit(picked)

if unit:
    with st.expander(PAGE["template"], icon=":material/download:"):
        left, right = st.columns(2)
        left.download_button(
            PAGE["template_xlsx"],
            template(unit, "xlsx"),
            PAGE["template_name"].format(unit=unit, suffix="xlsx"),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        right.download_button(
            PAGE["template_csv"],
            template(unit, "csv"),
            PAGE["template_name"].format(unit=unit, suffix="csv"),
            mime="text/csv",
        )

uploaded = st.file_uploader(PAGE["uploader"], type=["csv", "xlsx", "xls", "et"], key="upload_file")
if uploaded is None:
    st.stop()

data = uploaded.getvalue()


def send(dry_run: bool):
    """Check (dry run) or commit the file through the permission layer, with a progress bar."""
    bar = st.progress(0.0, text=PAGE["checking" if dry_run else "committing"])
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
    (st.success if done.outcome in ("committed", "duplicate") else st.warning)(done.message)
    st.stop()

if preview.outcome == "failed":
    st.error(preview.message)
else:
    (st.info if preview.duplicate else st.caption)(preview.message)
    cols = st.columns(3)
    cols[0].metric(PAGE["accepted"], preview.accepted)
    cols[1].metric(PAGE["warned"], preview.warnings)
    cols[2].metric(PAGE["refused"], preview.refused)
    tabs = st.tabs(
        [
            f"{PAGE['tab_accepted']}（{preview.accepted}）",
            f"{PAGE['tab_warned']}（{preview.warnings}）",
            f"{PAGE['tab_refused']}（{preview.refused}）",
        ]
    )
    with tabs[0]:
        shown = preview.accepted_preview.rename(columns=COLUMNS)
        st.dataframe(
            shown.astype(object).where(shown.notna(), ""), hide_index=True, width="stretch"
        )  # blanks, not "None"
        if preview.accepted > len(shown):
            st.caption(PAGE["shown_first"].format(n=len(shown)))
    with tabs[1]:
        st.dataframe(
            pd.DataFrame(
                {
                    COLUMNS["row"]: [r.row for r in preview.warned_rows],
                    COLUMNS["warnings"]: ["；".join(r.reasons) for r in preview.warned_rows],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    with tabs[2]:
        st.dataframe(preview.refused_frame(), hide_index=True, width="stretch")
        if preview.refused:
            st.download_button(
                PAGE["download_refused"],
                preview.refused_csv(),
                PAGE["refused_name"].format(stem=uploaded.name.rsplit(".", 1)[0]),
                mime="text/csv",
                icon=":material/download:",
            )

if st.button(PAGE["commit"], type="primary", key="upload_commit"):
    result = send(dry_run=False)
    webapp.clear_caches()
    st.session_state["upload_done"] = result
    st.rerun()
