"""修改密码 — required after a one-time or reset password, open to everyone afterwards."""

import streamlit as st

from app import session, webapp
from tracker.access.auth import PermissionDenied
from tracker.access.users import AccountError, change_password
from tracker.strings.ui import t

GO_HOME = "password_go_home"

actor = session.guard("password")
if st.session_state.pop(GO_HOME, False):  # the full menu is built now: on to the overview
    st.switch_page(session.home())

forced = st.session_state.get(session.MUST_CHANGE_KEY)
st.title(t("must_change_title") if forced else t("page_password"))
if forced:
    st.info(t("must_change_intro"))
with st.form("password", enter_to_submit=False):
    old = st.text_input(t("old_password"), type="password")
    new = st.text_input(t("new_password"), type="password")
    again = st.text_input(t("new_password_again"), type="password")
    submitted = st.form_submit_button(t("change_button"), type="primary")
if submitted:
    if new != again:
        st.error(t("passwords_differ"))
    else:
        try:
            # The change ends every session of the account; this one carries on with a new one.
            session.password_changed(change_password(webapp.cursor(), actor, old, new))
        except (AccountError, PermissionDenied) as exc:
            st.error(str(exc))
        else:
            st.toast(t("password_changed"), icon=":material/check_circle:")
            if forced:  # rerun so that the menu opens up, then leave for the overview
                st.session_state[session.MUST_CHANGE_KEY] = False
                st.session_state[GO_HOME] = True
                st.rerun()
            st.success(t("password_changed"))
