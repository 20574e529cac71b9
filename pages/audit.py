"""审计日志 — who did what and when, with filters and an export (append-only; nothing here changes it), whether
the hash chain is whole, and the office's 「备份」 download of the whole database."""

import datetime as dt

import streamlit as st

from app import archive_route, session, tables, webapp
from app.web_routes import base_path
from tracker import backup
from tracker.access import audit, audit_text
from tracker.strings.ui import code_word, t

actor = session.guard("audit")

con = webapp.cursor()
st.title(t("audit_title"))
st.caption(t("audit_intro"))
chain = webapp.audit_chain()
if chain.ok:
    st.success(t("audit_chain_ok", n=chain.entries), icon=":material/verified:")
else:
    st.error(t("audit_chain_broken", id=chain.broken_at, message=chain.message), icon=":material/link_off:")
actors, actions = audit.actors_and_actions(con)
cols = st.columns(5)
who = cols[0].selectbox(t("audit_actor"), [None, *actors], format_func=lambda v: v or t("any"))
what = cols[1].selectbox(
    t("audit_action"), [None, *actions], format_func=lambda v: code_word("action", v) if v else t("any")
)
since = cols[2].date_input(t("audit_from"), value=dt.date.today() - dt.timedelta(days=90))
until = cols[3].date_input(t("audit_to"), value=dt.date.today())
text = cols[4].text_input(t("audit_text"))
log = audit.entries(con, who, what, since, until, text)
st.caption(t("audit_count", n=len(log)))
# In words (「问题 16」, 「状态：待整改 → 已销号」); the export adds the record as written, under its own headers.
shown = audit_text.readable(log)
tables.show(shown, hide_index=True, width="stretch")
export = shown.assign(
    **{t("audit_col.before_json"): log["before_json"], t("audit_col.after_json"): log["after_json"]}
)
st.download_button(
    t("audit_export"), audit.to_csv(export), file_name=t("audit_file", date=dt.date.today()), mime="text/csv"
)

st.subheader(t("backup_title"))
st.caption(t("backup_intro"))
# The backup holds every password hash: it never sits in Streamlit's media store (served to anyone holding its
# address), but comes from the app's own route behind the sign-in, made and streamed when the link is followed.
if archive_route.mounted():
    st.link_button(
        t("backup_download"), archive_route.backup_url(base_path()), icon=":material/backup:", type="primary"
    )
else:  # `streamlit run dashboard.py`: made on the click only, never kept in the session
    st.download_button(
        t("backup_download"),
        lambda: backup.backup_zip(webapp.cursor(), actor.name),
        file_name=t("backup_file", date=dt.date.today()),
        mime="application/zip",
        type="primary",
        icon=":material/backup:",
        on_click="ignore",
    )
