"""The signed-in user of a browser session: login, logout, the idle timeout, and the pages each role sees."""

from __future__ import annotations

import time

import streamlit as st

from tracker import audit, webapp
from tracker.auth import Actor
from tracker.config import settings
from tracker.users import authenticate

ACTOR_KEY, SEEN_KEY, MUST_CHANGE_KEY, IDLE_KEY = "actor", "last_seen", "must_change", "idle_logged_out"


def current_actor() -> Actor | None:
    """The user of this session, or None; a session idle for too long is signed out."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:
        return None
    now = time.monotonic()
    idle = settings()["idle_timeout_minutes"] * 60
    if now - st.session_state.get(SEEN_KEY, now) > idle:
        logout(reason="idle")
        st.session_state[IDLE_KEY] = True
        return None
    st.session_state[SEEN_KEY] = now
    return actor


def login(name: str, password: str) -> Actor:
    """Raises tracker.users.AccountError with a message for the screen."""
    actor, must_change = authenticate(webapp.cursor(), name, password)
    st.session_state[ACTOR_KEY] = actor
    st.session_state[SEEN_KEY] = time.monotonic()
    st.session_state[MUST_CHANGE_KEY] = must_change
    st.session_state.pop(IDLE_KEY, None)
    return actor


def logout(reason: str | None = None) -> None:
    actor = st.session_state.pop(ACTOR_KEY, None)
    if actor is not None:
        audit.record(webapp.cursor(), actor.name, "logout", actor.name, detail=reason)
    for key in (SEEN_KEY, MUST_CHANGE_KEY):
        st.session_state.pop(key, None)


def visible(pages: list[dict], actor: Actor | None) -> list[dict]:
    """The pages a role may open: each page lists its roles; no actor sees only the login page."""
    if actor is None:
        return [p for p in pages if p.get("roles") == ()]
    if st.session_state.get(MUST_CHANGE_KEY):
        return [p for p in pages if p.get("url") == "password"]
    return [p for p in pages if actor.role in p.get("roles", ())]
