"""The unit page's sections of what the unit has to act on (issue 13): its rectification tasks, the 督办通知 it
received, and the rows of its latest submissions that were refused."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app import reminder_web, tables, webapp
from app.markup import plain
from tracker.ingest.submissions import refused_rows
from tracker.office import tasks
from tracker.reports import reminders
from tracker.strings.office import TASK_STATUS, TASK_STATUS_EN
from tracker.strings.ui import act, lang

REFUSED_SHOWN = 3  # the latest submissions with refused rows shown on the unit page


def tasks_section(unit: str, as_of: dt.date) -> None:
    st.subheader(act("unit_tasks"))
    ledger = tasks.ledger(webapp.cursor(), as_of, unit=unit)
    ledger = ledger[ledger["status"] != "closed"]
    if ledger.empty:
        st.caption(act("unit_tasks_none"))
        return
    words = TASK_STATUS_EN if lang() == "en" else TASK_STATUS
    cat = webapp.cat()
    tables.show(
        pd.DataFrame(
            {
                act("col_task"): ledger["id"],
                act("col_task_description"): ledger["metric"].map(lambda c: f"{c} {cat.metric(c).name}")
                + "：" + ledger["description"],
                act("col_task_deadline"): ledger["deadline"].astype(str),
                act("col_task_status"): ledger["status"].map(words),
                act("col_overdue"): [
                    act("overdue_days", days=int(d)) if o else ""
                    for o, d in zip(ledger["overdue"], ledger["days_overdue"].fillna(0), strict=True)
                ],
            }
        ),
        hide_index=True,
        key="unit_tasks",
    )  # fmt: skip
    st.page_link("pages/tasks.py", label=act("act_to_ledger"), icon=":material/assignment:")


def reminders_section(unit: str) -> None:
    st.subheader(act("unit_reminders"))
    con = webapp.cursor()
    sent = reminders.sent(con, unit)
    if sent.empty:
        st.caption(act("unit_reminders_none"))
        return
    tables.show(
        pd.DataFrame(
            {
                act("col_doc_number"): sent["doc_number"],
                act("col_sent_at"): sent["sent_at"],
                act("col_sent_by"): sent["sent_by"],
                act("col_figures"): sent["figures"],
                act("act_task_reason"): sent["what"],
            }
        ),
        hide_index=True,
        key="unit_reminders",
    )
    for r in sent.head(3).itertuples(index=False):
        kept = reminders.notice_file(con, int(r.id))
        if kept:
            st.download_button(
                plain(act("unit_reminder_download", number=r.doc_number)),
                kept[1],
                file_name=kept[0],
                mime=reminder_web.DOCX,
                key=f"unit_reminder_{r.id}",
                icon=":material/description:",
                on_click="ignore",
            )


def refused_section(subs: pd.DataFrame) -> None:
    st.subheader(act("unit_refused"))
    with_refusals = subs[subs["refused"] > 0].head(REFUSED_SHOWN) if len(subs) else subs
    if with_refusals.empty:
        st.caption(act("unit_refused_none"))
        return
    con = webapp.cursor()
    for r in with_refusals.itertuples(index=False):
        st.caption(plain(
            act("unit_refused_caption", id=r.id, file=r.file_name, when=f"{r.submitted_at:%Y-%m-%d %H:%M}",
                n=int(r.refused))
        ))  # fmt: skip
        tables.show(
            tables.upload_rows(refused_rows(con, int(r.id))), hide_index=True, key=f"unit_refused_{r.id}"
        )
