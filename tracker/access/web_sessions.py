"""Sign-in sessions that outlive a Streamlit session: a reload, a bookmark or a second tab keeps the sign-in
within the idle limit, and the server can end it at any time.

How it works (no Streamlit here; app/session.py and app/web_routes.py are the glue):

1. A sign-in starts a row in `web_session` and returns its handle (kept in the Streamlit session only) and a
   one-time handoff code (valid for two minutes).
2. The page posts that code (in the request body, never in a URL) to the app's own route
   `POST /api/session`, which exchanges it once for a random 256-bit token and answers with the token as an
   HttpOnly, SameSite=Strict cookie. The server stores only the token's sha256.
3. A new Streamlit session (reload, new tab) reads the cookie from its WebSocket handshake
   (`st.context.cookies`) and `resume`s: the row must not be ended, expired (`session_hours`) or idle
   (`idle_timeout_minutes`), and the account must still back it (tracker.access.users.stored_account).

Why a random token looked up on the server and not a signed one: every request consults the row anyway
(revocation is the point), so a signature would add a key to keep and rotate, and nothing else; a forged or
guessed token matches no row. The cookie holds neither the password nor anything derived from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import duckdb

from tracker.access.auth import Actor
from tracker.access.users import Account, SessionEnded, stored_account
from tracker.config import settings

COOKIE = "tracker_session"
HANDOFF_SECONDS = 120
MAX_CODE = 100  # longer input is no code of ours: refused before hashing
# Activity is written at most this often: every script run would otherwise write to the database (the idle limit
# is counted in minutes, so half a minute of imprecision changes nothing a person notices).
TOUCH_EVERY = dt.timedelta(seconds=30)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now()


def lifetime() -> dt.timedelta:
    return dt.timedelta(hours=settings().get("session_hours", 12))


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=settings()["idle_timeout_minutes"])


def start(con: duckdb.DuckDBPyConnection, actor: Actor, now: dt.datetime | None = None) -> tuple[str, str]:
    """A new sign-in session for `actor` (as authenticate returned it): its handle and a one-time handoff code."""
    now = _now(now)
    con.execute(
        "DELETE FROM web_session WHERE coalesce(ended_at, expires_at) < ?", [now - dt.timedelta(days=1)]
    )
    sid, code = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    con.execute(
        "INSERT INTO web_session (id, user_name, stamp, handoff_hash, handoff_until, created_at, last_seen, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            sid,
            actor.name,
            actor.stamp or "",
            _digest(code),
            now + dt.timedelta(seconds=HANDOFF_SECONDS),
            now,
            now,
            now + lifetime(),
        ],
    )
    return sid, code


def exchange(
    con: duckdb.DuckDBPyConnection, code: str, now: dt.datetime | None = None
) -> tuple[str, int] | None:
    """The cookie's token and its max-age in seconds for a valid, unused handoff code; None otherwise. A code
    works once: the second exchange of the same code finds nothing."""
    now = _now(now)
    if not isinstance(code, str) or not code or len(code) > MAX_CODE:
        return None
    token = secrets.token_urlsafe(32)
    rows = con.execute(
        "UPDATE web_session SET token_hash = ?, handoff_hash = NULL, handoff_until = NULL "
        "WHERE handoff_hash = ? AND handoff_until > ? AND ended_at IS NULL AND expires_at > ? "
        "RETURNING expires_at",
        [_digest(token), _digest(code), now, now],
    ).fetchall()
    if len(rows) != 1:
        return None
    return token, max(int((rows[0][0] - now).total_seconds()), 0)


def handoff_pending(con: duckdb.DuckDBPyConnection, sid: str, now: dt.datetime | None = None) -> bool:
    """Whether the page still has to fetch the cookie for this session (the code is unused and valid)."""
    row = con.execute(
        "SELECT 1 FROM web_session WHERE id = ? AND token_hash IS NULL AND handoff_until > ? AND ended_at IS NULL",
        [sid, _now(now)],
    ).fetchone()
    return row is not None


def end(con: duckdb.DuckDBPyConnection, sid: str, why: str, now: dt.datetime | None = None) -> None:
    con.execute(
        "UPDATE web_session SET ended_at = ?, ended_why = ? WHERE id = ? AND ended_at IS NULL",
        [_now(now), why, sid],
    )


def touch(con: duckdb.DuckDBPyConnection, sid: str, now: dt.datetime | None = None) -> str | None:
    """Record activity on a session; None while it is alive, else why it ended (idle and expired sessions are
    ended here). Another tab's sign-out or an administrator's disable ends this one at its next action."""
    now = _now(now)
    row = con.execute(
        "SELECT last_seen, expires_at, ended_why FROM web_session WHERE id = ?", [sid]
    ).fetchone()
    if row is None:
        return "unknown"
    last_seen, expires_at, ended_why = row
    if ended_why:
        return ended_why
    why = "expired" if expires_at <= now else "idle" if now - last_seen > idle_limit() else None
    if why:
        end(con, sid, why, now)
        return why
    if now - last_seen >= TOUCH_EVERY:
        con.execute("UPDATE web_session SET last_seen = ? WHERE id = ?", [now, sid])
    return None


def resume(
    con: duckdb.DuckDBPyConnection, token: str | None, now: dt.datetime | None = None
) -> tuple[str, Account] | None:
    """The session handle and account behind a cookie's token, for a new Streamlit session (a reload, a new tab);
    None when the token is unknown, ended, expired, idle, or its account no longer backs it."""
    now = _now(now)
    if not isinstance(token, str) or not token or len(token) > MAX_CODE:
        return None
    row = con.execute(
        "SELECT id, user_name, stamp FROM web_session WHERE token_hash = ? AND ended_at IS NULL",
        [_digest(token)],
    ).fetchone()
    if row is None:
        return None
    sid, name, stamp = row
    if touch(con, sid, now):
        return None
    stored = con.execute("SELECT role, unit FROM app_user WHERE name = ?", [name]).fetchone()
    try:
        if stored is None:
            raise SessionEnded("账号已不存在")
        account = stored_account(con, Actor(name, stored[0], stored[1], stamp=stamp or None))
    except SessionEnded:
        end(con, sid, "account_changed", now)
        return None
    return sid, account
