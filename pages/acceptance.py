"""逐项验收 — 「达标一项、验收一项」: the office accepts an item once met; an accepted item that falls back to
not met loses its acceptance automatically and is flagged here until accepted again."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app import office_web, session, tables, webapp, widget_words
from app.markup import plain
from tracker.access.auth import PermissionDenied, can
from tracker.office import acceptance, evidence
from tracker.strings.ui import date_text, status_label, t

actor = session.guard("acceptance")

as_of = office_web.as_of()
con = webapp.cursor()
cat = webapp.cat()

# Withdrawal is automatic but not done here: opening a page changes nothing. tracker.office.acceptance.resync runs
# after every commit that can change a status (an upload, a verification, a figure choice).
table = acceptance.acceptance_table(con, as_of, webapp.evaluation(as_of), cat)

st.title(t("acc_title"))
st.caption(
    t(
        "acc_caption",
        date=date_text(as_of),
        accepted=int(table["accepted"].sum()),
        ready=int(table["can_accept"].sum()),
        withdrawn=int(table["withdrawn"].sum()),
    )
)
if flash := st.session_state.pop("acc_flash", None):
    st.success(plain(flash))

withdrawn = table[table["withdrawn"]]
if len(withdrawn):
    st.subheader(t("acc_withdrawn_header"))
    for r in withdrawn.itertuples(index=False):
        st.error(
            plain(t("acc_withdrawn_line", item=r.item, title=r.title, reason=r.withdrawn_reason)),
            icon=":material/undo:",
        )

if actor is not None and can(actor, "accept"):
    ready = table[table["can_accept"]]
    with st.expander(t("acc_form"), expanded=bool(len(ready))):
        if ready.empty:
            st.info(t("acc_none_ready"))
        else:
            with st.form("acc_form", enter_to_submit=False):
                item = st.selectbox(
                    t("acc_item"),
                    list(ready["item"]),
                    format_func=lambda i: t("item_pick_format", code=i, title=cat.item(int(i)).title),
                    key="acc_item",
                )
                on = st.date_input(t("acc_on"), value=min(as_of, dt.date.today()), key="acc_on")
                basis = st.text_area(t("acc_evidence"), key="acc_evidence")
                limit = evidence.max_bytes() // 1048576
                fresh = st.session_state.get("acc_files_round", 0)  # a new picker after each acceptance
                uploaded = st.file_uploader(
                    t("acc_files"), accept_multiple_files=True, key=f"acc_files_{fresh}",
                    help=t("acc_files_help", limit=limit), max_upload_size=limit,
                )  # fmt: skip
                widget_words.file_uploader(limit)
                if st.form_submit_button(t("acc_submit"), type="primary"):
                    files = [(f.getvalue(), f.name) for f in uploaded or ()]
                    try:
                        acceptance.accept(con, int(item), actor, on, basis, files=files)
                    except (acceptance.AcceptanceError, evidence.EvidenceError, PermissionDenied) as exc:
                        st.error(plain(exc))
                    else:
                        st.session_state["acc_files_round"] = fresh + 1
                        st.session_state["acc_flash"] = t("acc_done", item=item)
                        st.rerun()
else:
    st.caption(t("acc_read_only"))


def state(r) -> str:
    if r.withdrawn:
        return t("accept_state.state_withdrawn")
    if r.accepted:
        return t("accept_state.state_accepted")
    return t("accept_state.state_ready") if r.can_accept else t("accept_state.state_not_ready")


tables.show(
    pd.DataFrame(
        {
            t("col.code"): table["item"],
            t("col.title"): table["title"],
            t("col.lead"): table["lead"],
            t("col.status"): table["status"].map(status_label),
            t("col.accepted"): [state(r) for r in table.itertuples(index=False)],
            t("col.accepted_on"): table["accepted_on"],
            t("col.accepted_by"): table["accepted_by"],
            t("col.evidence"): table["evidence"],
            t("col.withdrawn_reason"): table["withdrawn_reason"],
        }
    ),
    hide_index=True,
    key="acc_table",
)
