"""催报 on 迟报督办 (issue 13): the board as .xlsx, the office's form for a numbered 督办通知 (one unit or all late
units) and the notices already kept. tracker.reports.reminders makes and records the notice and re-checks the role."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app import tables, webapp
from app.markup import plain
from tracker.access.auth import Actor, PermissionDenied, can
from tracker.reports import reminders
from tracker.strings.ui import act

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOTICE_KEY, NUMBER_KEY = "remind_notice", "remind_number"


def board_download(as_of: dt.date, since: dt.date) -> None:
    con = webapp.cursor()
    st.download_button(
        act("late_export"),
        lambda: reminders.board_xlsx(con, as_of, since, webapp.cat()),
        file_name=act("late_export_name", date=as_of.isoformat()),
        mime=XLSX,
        key="late_export",
        icon=":material/table:",
        on_click="ignore",
    )


def remind_block(actor: Actor, as_of: dt.date, late_units: list[str]) -> None:
    """The office's form; others see the board and its export only (the service checks the role again)."""
    con = webapp.cursor()
    st.subheader(act("late_remind_header"))
    st.caption(act("late_remind_caption"))
    if not can(actor, "task_manage"):
        return
    with st.form("remind_form"):
        unit = st.selectbox(
            act("late_remind_to"),
            ["", *late_units],
            format_func=lambda u: u or act("late_remind_all"),
            key="remind_unit",
        )
        left, right = st.columns(2)
        number = left.text_input(
            act("late_remind_number"), value=reminders.next_number(con, as_of), key=NUMBER_KEY
        )
        reply = right.date_input(
            act("late_remind_reply"),
            value=as_of + dt.timedelta(days=reminders.REPLY_DAYS),
            key="remind_reply",
        )
        name, phone = reminders.office_contact()  # the settings' contact first; the clerk may change it
        left, right = st.columns(2)
        contact = (
            left.text_input(act("late_remind_contact"), value=name, key="remind_contact"),
            right.text_input(act("late_remind_phone"), value=phone, key="remind_phone"),
        )
        submitted = st.form_submit_button(
            act("late_remind_button"), type="primary", icon=":material/campaign:"
        )
    if submitted:
        try:
            notice = reminders.send(
                con,
                actor,
                as_of,
                number,
                unit or None,
                reply_by=reply,
                contact=contact if any(contact) else None,
                cat=webapp.cat(),
            )
        except (reminders.ReminderError, PermissionDenied) as exc:
            st.error(plain(exc))
        else:
            st.session_state[NOTICE_KEY] = notice
            st.session_state.pop(NUMBER_KEY, None)  # the next run offers the next number
            st.rerun()
    if notice := st.session_state.get(NOTICE_KEY):
        st.success(plain(act("late_remind_done", number=notice.doc_number, units="、".join(notice.units))))
        st.download_button(
            act("late_remind_download"),
            notice.data,
            file_name=notice.file_name,
            mime=DOCX,
            key="remind_download",
            type="primary",
            icon=":material/description:",
            on_click="ignore",
        )
    sent_list(reminders.sent(con), key="remind_sent")


def sent_list(sent: pd.DataFrame, key: str) -> None:
    """The notices kept (newest first), each downloadable as it was made."""
    if sent.empty:
        return
    st.markdown(f"**{act('late_remind_sent')}**")
    tables.show(
        pd.DataFrame(
            {
                act("col_doc_number"): sent["doc_number"],
                act("submissions_unit"): sent["unit"],
                act("col_sent_at"): sent["sent_at"],
                act("col_sent_by"): sent["sent_by"],
                act("col_figures"): sent["figures"],
            }
        ),
        hide_index=True,
        key=f"{key}_table",
    )
