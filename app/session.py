"""The signed-in user of a browser session: login, logout, the idle timeout, the pages each role sees, and
the sign-in cookie that lets a reload or a new tab keep the sign-in (tracker.access.web_sessions)."""

from __future__ import annotations

import json
import secrets
import time

import streamlit as st

from app import navigation, webapp
from tracker import db
from tracker.access import audit, users, web_sessions
from tracker.access.auth import Actor
from tracker.access.users import authenticate
from tracker.config import settings
from tracker.strings.ui import t

ACTOR_KEY, SEEN_KEY, MUST_CHANGE_KEY, IDLE_KEY = "actor", "last_seen", "must_change", "idle_logged_out"
ENDED_KEY = "session_ended"  # why the account's session was ended (disabled, changed, password reset)
SID_KEY, HANDOFF_KEY = "web_session", "web_session_handoff"  # the server-side session and its one-time code
CLIENT_KEY = "sign_in_client"  # this tab, as the sign-in throttle counts it


def current_actor() -> Actor | None:
    """The user of this session, or None. Every run re-checks the stored account (tracker.access.users): a
    disabled account, a changed role or unit, a password changed or reset elsewhere signs the session out at
    its next action, before any page acts; so does a sign-out in another tab. A session idle for too long is
    signed out too. A new Streamlit session (a reload, a bookmark, a second tab) resumes from the cookie."""
    actor = st.session_state.get(ACTOR_KEY)
    con = webapp.cursor()
    if actor is None:
        return _resume(con)
    now = time.monotonic()
    sid = st.session_state.get(SID_KEY)
    if sid:  # the server's clock decides: another tab's activity counts, another tab's sign-out too
        ended = web_sessions.touch(con, sid)
    else:  # a session without a server-side row (tests that set the actor): this tab's clock
        idle = settings()["idle_timeout_minutes"] * 60
        ended = "idle" if now - st.session_state.get(SEEN_KEY, now) > idle else None
    if ended:
        _signed_out(ended)
        return None
    try:
        account = users.stored_account(con, actor)
    except users.SessionEnded as exc:
        _signed_out("account_changed", str(exc))
        return None
    st.session_state[ACTOR_KEY] = account.actor
    st.session_state[MUST_CHANGE_KEY] = account.must_change
    st.session_state[SEEN_KEY] = now
    return account.actor


def _signed_out(why: str, message: str | None = None) -> None:
    """Sign this session out because its server-side session ended (`why`), with a word on the login page."""
    logout(reason=why)
    if why == "idle":
        st.session_state[IDLE_KEY] = True
        return
    key = f"ended_{why}"
    st.session_state[ENDED_KEY] = message or t(key if key in ENDED_REASONS else "ended_other")


ENDED_REASONS = (
    "ended_logout",
    "ended_disabled",
    "ended_password_reset",
    "ended_password_change",
    "ended_expired",
)


def _resume(con) -> Actor | None:
    """Sign a new Streamlit session in from the sign-in cookie sent with its WebSocket handshake."""
    result = web_sessions.resume(con, st.context.cookies.get(web_sessions.COOKIE))
    if result is None:
        return None
    sid, account = result
    _keep(account.actor, account.must_change, sid)
    return account.actor


def _keep(actor: Actor, must_change: bool, sid: str, code: str | None = None) -> None:
    st.session_state[ACTOR_KEY] = actor
    st.session_state[SEEN_KEY] = time.monotonic()
    st.session_state[MUST_CHANGE_KEY] = must_change
    st.session_state[SID_KEY] = sid
    if code:
        st.session_state[HANDOFF_KEY] = code
    for key in (IDLE_KEY, ENDED_KEY):
        st.session_state.pop(key, None)


def login(name: str, password: str) -> Actor:
    """Raises tracker.access.users.AccountError with a message for the screen."""
    con = webapp.cursor()
    # The tab signing in, for the pause after too many failures from it (tracker.access.users).
    client = st.session_state.setdefault(CLIENT_KEY, secrets.token_hex(8))
    actor, must_change = authenticate(con, name, password, client=client)
    _keep(actor, must_change, *web_sessions.start(con, actor))
    return actor


def password_changed(actor: Actor) -> None:
    """After the user changed their password (which ended all of the account's sessions): a new one here."""
    _keep(actor, False, *web_sessions.start(webapp.cursor(), actor))


def logout(reason: str | None = None) -> None:
    actor = st.session_state.pop(ACTOR_KEY, None)
    sid = st.session_state.pop(SID_KEY, None)
    con = webapp.cursor()
    if sid:
        web_sessions.end(con, sid, reason or "logout")
    if actor is not None:
        audit.record(con, actor.name, "logout", actor.name, detail=reason)
    for key in (SEEN_KEY, MUST_CHANGE_KEY, HANDOFF_KEY):
        st.session_state.pop(key, None)


def hand_over_cookie() -> None:
    """After a sign-in, until the browser has it: the page posts the one-time code to the app's route
    (app/web_routes.py), whose answer sets the HttpOnly cookie. Drawn on every run until the exchange is
    seen, since a run that moves on to another page may be cut short before the browser runs the script."""
    code, sid = st.session_state.get(HANDOFF_KEY), st.session_state.get(SID_KEY)
    if not code or not sid:
        return
    if not web_sessions.handoff_pending(webapp.cursor(), sid):
        st.session_state.pop(HANDOFF_KEY, None)
        return
    from app.web_routes import PATH, base_path

    url = json.dumps(base_path() + PATH)
    st.html(
        f"<script>fetch({url}, {{method: 'POST', credentials: 'same-origin', cache: 'no-store', "
        f"body: {json.dumps(code)}}});</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


def visible(actor: Actor | None) -> list[dict]:
    """The pages this user may open: without a login only the login page; with a one-time password only
    the password page; otherwise the pages that list the user's role."""
    if actor is None:
        return [navigation.page("login")]
    # The login page stays in the menu, hidden, so the run right after signing in finds it and moves on.
    login = {**navigation.page("login"), "hidden": True}
    if st.session_state.get(MUST_CHANGE_KEY):
        return [navigation.page("password"), login]
    home = navigation.home(actor.role)
    return [
        {**p, "default": p["url"] == home} for p in navigation.PAGES if navigation.allowed(p, actor.role)
    ] + [login]


def home() -> str:
    """Where a signed-in user lands: the password page while a one-time password is in use; a reporter on its
    unit's page (its missing figures, tasks, refused rows); everyone else on the overview."""
    if st.session_state.get(MUST_CHANGE_KEY):
        return "pages/password.py"
    actor = st.session_state.get(ACTOR_KEY)
    return navigation.page(navigation.home(actor.role if actor else None))["path"]


def guard(url: str) -> Actor:
    """First line of every page: stop here unless the signed-in user may open it. The menu already hides
    such pages; this also holds for a deep link that reaches a page directly."""
    try:
        actor = current_actor()
    except db.Unavailable as exc:  # a page run straight (a deep link, a test) meets the outage here first
        webapp.unreachable(exc)
        st.stop()
    entry = navigation.page(url)
    if actor is None:
        st.warning(t("need_login"))
        st.markdown(f"[{t('go_login')}](/)")
        st.stop()
    if not navigation.allowed(entry, actor.role) or (
        st.session_state.get(MUST_CHANGE_KEY) and url != "password"
    ):
        st.error(t("not_allowed", role=t(f"role.{actor.role}")))
        st.stop()
    return actor
