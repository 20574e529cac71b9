"""登录 — the only page before signing in."""

import streamlit as st

from app import session, webapp
from tracker.access import users
from tracker.access.users import AccountError
from tracker.demo import shown_accounts
from tracker.strings.ui import t

if session.current_actor() is not None:  # just signed in (or came back to the login address)
    st.switch_page(session.home())

st.title(t("login_title"))
if st.session_state.get(session.IDLE_KEY):
    from tracker.config import settings

    st.warning(t("idle_logged_out", minutes=settings()["idle_timeout_minutes"]))
if st.session_state.get(session.ENDED_KEY):  # the account was disabled or changed while signed in
    st.warning(st.session_state[session.ENDED_KEY])
st.caption(t("login_intro"))
with st.form("login", enter_to_submit=True):
    # The limits are the browser's; the service bounds what it reads and records whatever arrives.
    name = st.text_input(t("login_name"), key="login_name", max_chars=users.MAX_NAME)
    password = st.text_input(
        t("login_password"), type="password", key="login_password", max_chars=users.MAX_PASSWORD
    )
    submitted = st.form_submit_button(t("login_button"), type="primary")
if submitted:
    try:
        session.login(name, password)
    except AccountError as exc:
        st.error(str(exc))
    else:
        st.rerun()

# The demo file only: its accounts for the three roles, so that a newcomer sees each role in a minute.
demo_accounts = shown_accounts(webapp.cursor())
if demo_accounts:
    with st.container(border=True, key="demo_accounts"):
        st.markdown(f"**{t('login_demo_header')}**")
        st.caption(t("login_demo_intro"))
        for account in demo_accounts:
            role = t(f"role.{account.role}")
            unit = t("signed_in_unit", unit=account.unit) if account.unit else ""
            line, button = st.columns([3, 1], vertical_alignment="center")
            line.markdown(
                t("login_demo_account", role=role, unit=unit, name=account.name, password=account.password)
            )
            if button.button(t("login_demo_enter", role=role), key=f"demo_{account.role}"):
                try:
                    session.login(account.name, account.password)
                except AccountError as exc:  # changed or locked meanwhile: say so, as the form would
                    st.error(str(exc))
                else:
                    st.rerun()
