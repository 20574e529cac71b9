"""The signed-in user of a browser session: login, logout, the idle timeout, and the pages each role sees."""

from __future__ import annotations

import time

import streamlit as st

from tracker import audit, navigation, users, webapp
from tracker.auth import Actor
from tracker.config import settings
from tracker.strings.auth import g, role_label
from tracker.users import authenticate

ACTOR_KEY, SEEN_KEY, MUST_CHANGE_KEY, IDLE_KEY = "actor", "last_seen", "must_change", "idle_logged_out"
ENDED_KEY = "session_ended"  # why the account's session was ended (disabled, changed, password reset)


def current_actor() -> Actor | None:
    """The user of this session, or None. Every run re-checks the stored account (tracker.users): a
    disabled account, a changed role or unit, a password changed or reset elsewhere signs the session out at
    its next action, before any page acts. A session idle for too long is signed out too."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:
        return None
    now = time.monotonic()
    idle = settings()["idle_timeout_minutes"] * 60
    if now - st.session_state.get(SEEN_KEY, now) > idle:
        logout(reason="idle")
        st.session_state[IDLE_KEY] = True
        return None
    try:
        account = users.stored_account(webapp.cursor(), actor)
    except users.SessionEnded as exc:
        logout(reason="account_changed")
        st.session_state[ENDED_KEY] = str(exc)
        return None
    st.session_state[ACTOR_KEY] = account.actor
    st.session_state[MUST_CHANGE_KEY] = account.must_change
    st.session_state[SEEN_KEY] = now
    return account.actor


def login(name: str, password: str) -> Actor:
    """Raises tracker.users.AccountError with a message for the screen."""
    actor, must_change = authenticate(webapp.cursor(), name, password)
    st.session_state[ACTOR_KEY] = actor
    st.session_state[SEEN_KEY] = time.monotonic()
    st.session_state[MUST_CHANGE_KEY] = must_change
    st.session_state.pop(IDLE_KEY, None)
    st.session_state.pop(ENDED_KEY, None)
    return actor


def logout(reason: str | None = None) -> None:
    actor = st.session_state.pop(ACTOR_KEY, None)
    if actor is not None:
        audit.record(webapp.cursor(), actor.name, "logout", actor.name, detail=reason)
    for key in (SEEN_KEY, MUST_CHANGE_KEY):
        st.session_state.pop(key, None)


def visible(actor: Actor | None) -> list[dict]:
    """The pages this user may open: without a login only the login page; with a one-time password only
    the password page; otherwise the pages that list the user's role."""
    if actor is None:
        return [navigation.page("login")]
    # The login page stays in the menu, hidden, so the run right after signing in finds it and moves on.
    login = {**navigation.page("login"), "hidden": True}
    if st.session_state.get(MUST_CHANGE_KEY):
        return [navigation.page("password"), login]
    return [p for p in navigation.PAGES if navigation.allowed(p, actor.role)] + [login]


def home() -> str:
    """Where a signed-in user lands: the password page while a one-time password is in use."""
    return "pages/password.py" if st.session_state.get(MUST_CHANGE_KEY) else "pages/overview.py"


def guard(url: str) -> Actor:
    """First line of every page: stop here unless the signed-in user may open it. The menu already hides
    such pages; this also holds for a deep link that reaches a page directly."""
    actor = current_actor()
    entry = navigation.page(url)
    if actor is None:
        st.warning(g("need_login"))
        st.markdown(f"[{g('go_login')}](/)")
        st.stop()
    if not navigation.allowed(entry, actor.role) or (
        st.session_state.get(MUST_CHANGE_KEY) and url != "password"
    ):
        st.error(g("not_allowed", role=role_label(actor.role)))
        st.stop()
    return actor
