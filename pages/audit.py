"""审计日志 — who did what and when, with filters and an export (append-only; nothing here changes it)."""

import datetime as dt

import streamlit as st

from tracker import audit, session, webapp
from tracker.strings.auth import ACTION_LABEL, a

session.guard("audit")

con = webapp.cursor()
st.title(a("audit_title"))
st.caption(a("audit_intro"))
actors, actions = audit.actors_and_actions(con)
cols = st.columns(5)
who = cols[0].selectbox(a("audit_actor"), [None, *actors], format_func=lambda v: v or a("any"))
what = cols[1].selectbox(
    a("audit_action"), [None, *actions], format_func=lambda v: ACTION_LABEL.get(v, v) if v else a("any")
)
since = cols[2].date_input(a("audit_from"), value=dt.date.today() - dt.timedelta(days=90))
until = cols[3].date_input(a("audit_to"), value=dt.date.today())
text = cols[4].text_input(a("audit_text"))
log = audit.entries(con, who, what, since, until, text)
st.caption(a("audit_count", n=len(log)))
st.dataframe(log, hide_index=True, width="stretch")
st.download_button(
    a("audit_export"), audit.to_csv(log), file_name=a("audit_file", date=dt.date.today()), mime="text/csv"
)
