"""审计日志 — who did what and when, with filters and an export (append-only; nothing here changes it), whether
the hash chain is whole, and the office's 「备份」 download of the whole database."""

import datetime as dt

import streamlit as st

from app import session, webapp
from tracker import backup
from tracker.access import audit
from tracker.strings.auth import ACTION_LABEL, a

actor = session.guard("audit")

con = webapp.cursor()
st.title(a("audit_title"))
st.caption(a("audit_intro"))
chain = webapp.audit_chain()
if chain.ok:
    st.success(a("audit_chain_ok", n=chain.entries), icon=":material/verified:")
else:
    st.error(a("audit_chain_broken", id=chain.broken_at, message=chain.message), icon=":material/link_off:")
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

st.subheader(a("backup_title"))
st.caption(a("backup_intro"))
if st.button(a("backup_make"), icon=":material/backup:"):
    st.session_state["backup_zip"] = backup.backup_zip(con, actor.name)
if st.session_state.get("backup_zip"):
    st.download_button(
        a("backup_download"),
        st.session_state["backup_zip"],
        file_name=a("backup_file", date=dt.date.today()),
        mime="application/zip",
        type="primary",
    )
