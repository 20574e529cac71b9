"""账号管理 — the office creates, disables and resets accounts (the service checks the role again)."""

import streamlit as st

from app import session, tables, webapp
from app.markup import plain
from tracker.access.auth import ROLES, PermissionDenied
from tracker.access.users import AccountError, create_user, list_users, reset_password, set_disabled
from tracker.strings.ui import t as a  # the one accessor

actor = session.guard("users")

con = webapp.cursor()
st.title(a("users_title"))
accounts = list_users(con).assign(role=lambda d: d["role"].map(lambda r: a(f"role.{r}")))
tables.show(
    accounts.rename(columns=lambda c: a(f"user_col.{c}")),
    hide_index=True,
    width="stretch",
)


def attempt(action, done: str) -> None:
    try:
        action()
    except (AccountError, PermissionDenied) as exc:
        st.error(plain(str(exc)))
    else:
        st.success(plain(done))


NEW_KEYS = ("user_new_name", "user_new_role", "user_new_unit", "user_new_password")
if flash := st.session_state.pop("users_flash", None):
    st.success(plain(flash))
# Not cleared on submit: a refusal keeps what was typed; a success clears the form (below) for the next account.
with st.form("add_user", enter_to_submit=False):
    st.subheader(a("users_add"))
    name = st.text_input(a("login_name"), key="user_new_name")
    role = st.selectbox(
        a("users_role"),
        ROLES,
        index=ROLES.index("reporter"),
        format_func=lambda r: a(f"role.{r}"),
        placeholder=a("choose"),
        key="user_new_role",
    )
    unit = st.selectbox(
        a("users_unit"),
        [""] + sorted(webapp.cat().units),
        format_func=lambda u: u or a("users_no_unit"),
        placeholder=a("choose"),  # Streamlit's own 「Choose an option」 otherwise
        key="user_new_unit",
    )
    password = st.text_input(a("users_password"), type="password", key="user_new_password")
    created = st.form_submit_button(a("users_create"), type="primary")
if created:
    try:
        create_user(con, actor, name, role, password, unit=unit or None, must_change=True)
    except (AccountError, PermissionDenied) as exc:
        st.error(plain(str(exc)))
    else:
        st.session_state["users_flash"] = a("users_created", name=name)
        for key in NEW_KEYS:
            st.session_state.pop(key, None)
        st.rerun()

names = list_users(con)["name"].tolist()
if names:
    st.subheader(a("users_disable"))
    pick = st.selectbox(a("users_pick"), names, placeholder=a("choose"))
    cols = st.columns(2)
    if cols[0].button(a("users_toggle")):
        disabled = bool(list_users(con).set_index("name").loc[pick, "disabled"])
        attempt(lambda: set_disabled(con, actor, pick, not disabled), a("users_done", name=pick))
    new_password = cols[1].text_input(a("users_reset"), type="password", key="reset_pw")
    if cols[1].button(a("users_reset")):
        attempt(lambda: reset_password(con, actor, pick, new_password), a("users_reset_done", name=pick))
