"""Accounts: scrypt-hashed passwords with a per-user salt, lockout after repeated failures, the first
administrator, and every change audited (never a hash, never a password).

One canonical account name (`canonical_name`: NFKC, trimmed) is used by creation, sign-in, password change,
disabling, the lockout counter and the audit log. Every service re-checks its acting user against the stored
account (`current_actor`): a disabled account, a changed role or unit, or a password changed or reset since
the sign-in ends the session."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import unicodedata
from pathlib import Path
from typing import NamedTuple

import duckdb
import pandas as pd

from tracker import db
from tracker.access import audit, throttle
from tracker.access.auth import ROLES, Actor, PermissionDenied
from tracker.access.service import service
from tracker.catalogue import catalogue
from tracker.config import settings
from tracker.strings.ui import t

# scrypt cost: about 50 ms and 16 MiB per check on this class of machine.
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
FIRST_ADMIN = "admin"

# Passwords: at least 10 characters; at most 256, checked before hashing (scrypt's PBKDF2 pre-pass reads the
# whole password: 100 million characters cost 875 ms of a shared core).
MIN_PASSWORD = 10
MAX_PASSWORD = 256
MIN_DISTINCT = 4  # 「aaaaaaaaaa」「abababababab」 are not passwords
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")

# Names: what a person types and reads. 64 characters at most; letters of any script, ASCII digits, and a
# few separators; never a control or format character (zero-width, bidi overrides), never Markdown or HTML
# syntax, never a leading sign that a spreadsheet reads as a formula.
MAX_NAME = 64
NAME_PUNCTUATION = frozenset(" ._-·@")
# Names the system itself writes into the audit log and `submitted_by`.
RESERVED_NAMES = frozenset({"system", "cli", "demo", "?"})
# Scripts whose letters look alike: a name mixing two of them (Cyrillic а in 「admin」) is refused.
CONFUSABLE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})
# Lookalikes folded into Latin for the similarity check between accounts (the common homoglyphs).
_HOMOGLYPHS = str.maketrans(
    {
        **dict(zip("аеорсухіјѕԁԛԝкмнтв", "aeopcyxijsdqwkmhtb", strict=True)),  # Cyrillic
        **dict(zip("οραεκνιυτ", "opaekviut", strict=True)),  # Greek
        "ɡ": "g",
        "ı": "i",
    }
)

# Every failed sign-in says the same (t("account.login_failed")), whatever failed: an unknown name, a wrong
# password, a disabled or a locked account (the audit log keeps the reason for the office).
# The salt of the hash computed for a sign-in with no account behind it, so that it costs one scrypt too.
_DUMMY_SALT = os.urandom(16)


class AccountError(ValueError):
    """A refused account operation or login; the message is for the person at the screen."""


class SessionEnded(PermissionDenied):
    """The account behind a signed-in session changed (disabled, removed, role or unit changed, password
    changed or reset): the session must be signed out. The message is for the person at the screen."""


class PasswordChangeRequired(PermissionDenied):
    """The account still has a one-time or reset password: nothing but the password change is allowed."""


class Account(NamedTuple):
    """The stored state of an account, as a session needs it."""

    actor: Actor
    must_change: bool


def normal_password(password: str) -> str:
    """The one form of a password, whatever keyboard typed it: NFKC (an NFD 「é」 and a full-width 「Ａ」 from an
    IME are the same password as 「é」 and 「A」). A password already in this form is unchanged, so every hash
    stored before is still checked against what was hashed then."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(normal_password(password).encode("utf-8"), salt=salt, **SCRYPT)


def _legacy_hash(password: str, salt: bytes) -> bytes | None:
    """The hash of the password as typed, for an account whose password was stored before passwords were
    normalised; None when the typed password is already normal (the one check made was that)."""
    if normal_password(password) == password:
        return None
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT)


def _visible(text: str) -> str:
    """The characters a person sees: no control, format, separator or unassigned ones (zero-width spaces,
    bidi marks, U+3000)."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "CZ")


def canonical_name(name: str | None) -> str:
    """The one spelling of an account name: NFKC (full-width letters and spaces fold to their plain forms),
    trimmed, runs of spaces as one. Input far longer than any valid name is cut first, so that a 5 MB name
    typed on the login page costs nothing to normalise (it can match no account anyway)."""
    text = unicodedata.normalize("NFKC", (name or "")[: 4 * MAX_NAME]).strip()
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def bounded(text: str | None, limit: int = MAX_NAME) -> str:
    """What a failed sign-in may write to the audit log of what was typed: at most `limit` characters."""
    text = text or ""
    return text if len(text) <= limit else text[:limit] + "…"


def _script(ch: str) -> str:
    return unicodedata.name(ch, "?").split(" ")[0]


def _skeleton(name: str) -> str:
    return name.casefold().translate(_HOMOGLYPHS)


def _check_name(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Refuse a new account name a person could misread or that could act as markup (see the constants)."""
    if not name:
        raise AccountError(t("account.need_name"))
    if len(name) > MAX_NAME:
        raise AccountError(t("account.name_too_long", n=MAX_NAME))
    if name.casefold() in RESERVED_NAMES:
        raise AccountError(t("account.name_reserved", name=name))
    for ch in name:
        category = unicodedata.category(ch)
        if not (category.startswith("L") or (category == "Nd" and ch.isascii()) or ch in NAME_PUNCTUATION):
            shown = ch if ch.isprintable() and not ch.isspace() else ""
            raise AccountError(t("account.name_character", shown=shown, code=f"{ord(ch):04X}"))
    if not (unicodedata.category(name[0]).startswith("L") or name[0].isdigit()):
        raise AccountError(t("account.name_start"))
    scripts = {_script(ch) for ch in name if ch.isalpha()} & CONFUSABLE_SCRIPTS
    if len(scripts) > 1:
        raise AccountError(t("account.name_scripts"))
    skeleton = _skeleton(name)
    for (other,) in con.execute("SELECT name FROM app_user").fetchall():
        if _skeleton(other) == skeleton:
            raise AccountError(t("account.name_similar", other=other))


def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def _check_password(password: str | None, name: str) -> None:
    """The password policy, checked before anything is hashed."""
    password = password or ""
    if len(password) > MAX_PASSWORD:  # first: nothing below may read a huge password
        raise AccountError(t("account.password_too_long", n=MAX_PASSWORD))
    if len(password) < MIN_PASSWORD:
        raise AccountError(t("account.password_too_short", n=MIN_PASSWORD))
    password = normal_password(password)  # checked as it is hashed
    visible = _visible(password)
    if len(set(visible)) < MIN_DISTINCT and len(visible) < len(password.replace(" ", "")):
        raise AccountError(t("account.password_invisible", n=MIN_DISTINCT))
    if not password.strip() or len(set(password)) < MIN_DISTINCT:
        raise AccountError(t("account.password_too_simple", n=MIN_DISTINCT))
    if password.casefold() in _common_passwords():
        raise AccountError(t("account.password_common"))
    folded = canonical_name(name).casefold().replace(" ", "")
    if len(folded) >= 2 and folded in visible.casefold():
        raise AccountError(t("account.password_has_name"))


def _stamp(pw_hash: bytes, role: str, unit: str | None) -> str:
    """Changes whenever the password, the role or the unit does: a session signed in before is refused."""
    material = b"\x00".join([b"session-stamp", bytes(pw_hash), role.encode(), (unit or "").encode()])
    return hashlib.sha256(material).hexdigest()[:16]


def end_sessions(con: duckdb.DuckDBPyConnection, name: str, why: str) -> None:
    """End every sign-in session of an account (tracker.access.web_sessions): its cookies open nothing any more."""
    con.execute(
        "UPDATE web_session SET ended_at = ?, ended_why = ? WHERE user_name = ? AND ended_at IS NULL",
        [dt.datetime.now(), why, name],
    )


def _row(con, name: str):
    return con.execute(
        "SELECT name, role, unit, salt, pw_hash, must_change, disabled, failed_logins, locked_until "
        "FROM app_user WHERE name = ?",
        [name],
    ).fetchone()


def stored_account(con: duckdb.DuckDBPyConnection, actor: Actor) -> Account:
    """The account behind `actor` as stored now; SessionEnded when it no longer backs the actor: removed,
    disabled, its role or unit changed, or (for a signed-in actor) its password changed or reset since.

    An actor made in code with no account behind it (the command line's `system`/`cli`, tests) has no
    session to end and passes as it is; the names it uses are reserved (RESERVED_NAMES)."""
    row = _row(con, canonical_name(actor.name))
    if row is None:
        if actor.stamp is None:
            return Account(actor, False)
        raise SessionEnded(t("account.ended_gone"))
    name, role, unit, _, pw_hash, must_change, disabled, _, _ = row
    if disabled:
        raise SessionEnded(t("account.ended_disabled_now"))
    if (role, unit) != (actor.role, actor.unit):
        raise SessionEnded(t("account.ended_changed"))
    stamp = _stamp(pw_hash, role, unit)
    if actor.stamp is not None and actor.stamp != stamp:
        raise SessionEnded(t("account.ended_password"))
    return Account(Actor(name, role, unit, stamp=stamp), bool(must_change))


def current_actor(con: duckdb.DuckDBPyConnection, session_actor: Actor) -> Actor:
    """The acting user, re-checked against the stored account: before every service (tracker.access.service)
    and on every script run (app.session). SessionEnded (sign the session out) or PasswordChangeRequired
    (a one-time or reset password is still in use) otherwise."""
    account = stored_account(con, session_actor)
    if account.must_change:
        raise PasswordChangeRequired(t("account.change_first"))
    return account.actor


@service("create_user", "manage_users")
def create_user(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    name: str,
    role: str,
    password: str,
    unit: str | None = None,
    must_change: bool = False,
) -> Actor:
    name = canonical_name(name) if len(name or "") <= 4 * MAX_NAME else name
    if len(name or "") > MAX_NAME:
        raise AccountError(t("account.name_too_long", n=MAX_NAME))
    if role not in ROLES:
        raise AccountError(f"角色应为 {'/'.join(ROLES)}")
    canonical = None
    if role == "reporter":
        if not (unit or "").strip():
            raise AccountError("单位上报员须绑定所在单位：请在「绑定单位」中选择。")
        canonical = catalogue().resolve_unit(unit or "")
        if canonical is None:
            raise AccountError(f"上报员必须绑定一个已知单位（「{bounded(unit, 40)}」不是目录中的单位）")
    if _row(con, name):
        raise AccountError(t("account.exists", name=name))
    _check_name(con, name)
    _check_password(password, name)
    salt = os.urandom(16)
    pw_hash = hash_password(password, salt)
    with db.transaction(con):
        # Checked again inside the write transaction (one writer at a time): of two sessions creating one
        # account at once, the second is told it exists, never shown the unique constraint's error.
        if _row(con, name):
            raise AccountError(t("account.exists", name=name))
        _check_name(con, name)  # nor a lookalike created meanwhile
        con.execute(
            "INSERT INTO app_user (name, role, unit, salt, pw_hash, must_change, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            [name, role, canonical, salt, pw_hash, must_change, dt.datetime.now()],
        )
        audit.record(con, actor.name, "user_add", name, after={"role": role, "unit": canonical})
    return Actor(name, role, canonical)


def _matches_legacy(password: str, salt: bytes, pw_hash: bytes) -> bool:
    legacy = _legacy_hash(password, bytes(salt))
    return legacy is not None and hmac.compare_digest(legacy, bytes(pw_hash))


def _verify(
    con: duckdb.DuckDBPyConnection,
    typed_name: str | None,
    password: str | None,
    now: dt.datetime,
    action: str,
    client: str | None = None,
):
    """Check a name and password: the stored row, or AccountError(t("account.login_failed")), audited as `action`_failed.

    Every attempt costs one scrypt of at most MAX_PASSWORD characters, whether the name is unknown, the
    account disabled or locked, or the password wrong: the answer's time tells nothing. What is audited of
    the typed name is bounded (a 5 MB name must not grow the database by megabytes per attempt).

    A flood is paused before any of that: after throttle_attempts failures for one typed name or from one
    `client` (a browser tab), the next tries are refused with t("account.too_many") at once — no scrypt, no
    audit entry but the one that started the pause. The pause says nothing of whether the account exists."""
    name = canonical_name(typed_name)
    password = password or ""
    shown = bounded(name or (typed_name or "").strip()) or "?"
    keys = throttle.keys(bounded(name), bounded(client) if client else None)
    seconds = throttle.paused(con, keys, now)
    if seconds is not None:
        raise AccountError(t("account.too_many", seconds=seconds))
    row = _row(con, name) if 0 < len(name) <= MAX_NAME else None
    digest = hash_password(password[:MAX_PASSWORD], bytes(row[3]) if row else _DUMMY_SALT)
    if row is None:
        audit.record(con, shown, action + "_failed", shown, detail="未知账号")
        throttle.count_failure(con, keys, shown, now, action)
        raise AccountError(t("account.login_failed"))
    name, _, _, _, pw_hash, _, disabled, failed, locked_until = row
    if disabled:
        audit.record(con, name, action + "_failed", name, detail="账号已停用")
        throttle.count_failure(con, keys, shown, now, action)
        raise AccountError(t("account.login_failed"))
    if locked_until and locked_until > now:
        audit.record(con, name, action + "_failed", name, detail="账号已锁定")
        throttle.count_failure(con, keys, shown, now, action)
        raise AccountError(t("account.login_failed"))
    if len(password) > MAX_PASSWORD or not (
        hmac.compare_digest(digest, bytes(pw_hash)) or _matches_legacy(password, row[3], pw_hash)
    ):
        failed += 1
        lock = failed >= settings()["lockout_attempts"]
        con.execute(
            "UPDATE app_user SET failed_logins = ?, locked_until = ? WHERE name = ?",
            [
                0 if lock else failed,
                now + dt.timedelta(minutes=settings()["lockout_minutes"]) if lock else None,
                name,
            ],
        )
        detail = "密码错误" + ("，账号已锁定" if lock else "")
        audit.record(con, name, action + "_failed", name, detail=detail)
        throttle.count_failure(con, keys, shown, now, action)
        raise AccountError(t("account.login_failed"))
    con.execute("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE name = ?", [name])
    throttle.forget(con, keys[0])  # the name's count starts again
    return row


def authenticate(
    con: duckdb.DuckDBPyConnection,
    name: str,
    password: str,
    now: dt.datetime | None = None,
    client: str | None = None,
) -> tuple[Actor, bool]:
    """The user and whether they must change their password; AccountError(t("account.login_failed")) on any failure
    (audited with its reason), AccountError(t("account.too_many")) while the name or the `client` (the browser
    tab signing in) is paused after too many failures."""
    row = _verify(con, name, password, now or dt.datetime.now(), "login", client)
    audit.record(con, row[0], "login", row[0])
    return Actor(row[0], row[1], row[2], stamp=_stamp(row[4], row[1], row[2])), bool(row[5])


# Allowed while a one-time or reset password is still in use; not in one transaction: a wrong old password
# counts towards the lockout.
@service("change_password", password_change=True, transaction=False)
def change_password(con: duckdb.DuckDBPyConnection, actor: Actor, old: str, new: str) -> Actor:
    """The user changes their own password (the old one checked like a sign-in, failures counting towards
    the lockout). Returns the actor with its new stamp: the session that changed it carries on."""
    name = actor.name
    _check_password(new, name)
    if old == new:
        raise AccountError(t("account.password_same"))
    _verify(con, name, old, dt.datetime.now(), "password_change")
    salt = os.urandom(16)
    pw_hash = hash_password(new, salt)
    changed = con.execute(
        "UPDATE app_user SET salt = ?, pw_hash = ?, must_change = false WHERE name = ? RETURNING name",
        [salt, pw_hash, name],
    ).fetchall()
    if len(changed) != 1:  # never report a change that was not stored
        raise AccountError(t("account.password_not_changed"))
    audit.record(con, name, "password_change", name)
    end_sessions(con, name, "password_change")  # the caller starts a new one for the session that changed it
    role, unit = actor.role, actor.unit
    return Actor(name, role, unit, stamp=_stamp(pw_hash, role, unit))


@service("reset_password", "manage_users")
def reset_password(con: duckdb.DuckDBPyConnection, actor: Actor, name: str, password: str) -> None:
    """An administrator sets a new password, which the user must change at the next login; the user's open
    sessions end."""
    name = canonical_name(name)
    if not _row(con, name):
        raise AccountError(t("account.no_account", name=bounded(name)))
    _check_password(password, name)
    salt = os.urandom(16)
    con.execute(
        "UPDATE app_user SET salt = ?, pw_hash = ?, must_change = true, failed_logins = 0, locked_until = NULL "
        "WHERE name = ?",
        [salt, hash_password(password, salt), name],
    )
    audit.record(con, actor.name, "password_reset", name)
    end_sessions(con, name, "password_reset")


@service("set_disabled", "manage_users")
def set_disabled(con: duckdb.DuckDBPyConnection, actor: Actor, name: str, disabled: bool = True) -> None:
    """Disable (or enable) an account; a disabled account's open sessions end at their next action."""
    name = canonical_name(name)
    row = _row(con, name)
    if not row:
        raise AccountError(t("account.no_account", name=bounded(name)))
    if disabled and name == canonical_name(actor.name):
        raise AccountError(t("account.not_yourself"))
    con.execute("UPDATE app_user SET disabled = ? WHERE name = ?", [disabled, name])
    if disabled:
        end_sessions(con, name, "disabled")
    audit.record(
        con,
        actor.name,
        "user_disable" if disabled else "user_enable",
        name,
        before={"disabled": row[6]},
        after={"disabled": disabled},
    )


def list_users(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Accounts without their secrets."""
    return con.execute(
        "SELECT name, role, unit, disabled, must_change, locked_until, created_at FROM app_user ORDER BY id"
    ).df()


def get_actor(con: duckdb.DuckDBPyConnection, name: str) -> Actor:
    row = _row(con, canonical_name(name))
    if row is None or row[6]:
        raise AccountError(f"没有可用的账号「{bounded(canonical_name(name))}」")
    return Actor(row[0], row[1], row[2], stamp=_stamp(row[4], row[1], row[2]))


def ensure_admin(con: duckdb.DuckDBPyConnection, password: str | None = None) -> str | None:
    """On first start (no administrator yet), create one: with TRACKER_ADMIN_PASSWORD when set, otherwise with a
    one-time password that must be changed at first login, which is returned for the console."""
    if con.execute("SELECT count(*) FROM app_user WHERE role = 'admin'").fetchone()[0]:
        return None
    password = password or os.environ.get("TRACKER_ADMIN_PASSWORD")
    one_time = None
    if not password:
        password = one_time = secrets.token_urlsafe(12)
    system = Actor("system", "admin")
    try:
        create_user(con, system, FIRST_ADMIN, "admin", password, must_change=one_time is not None)
    except AccountError as exc:  # a weak TRACKER_ADMIN_PASSWORD: say which setting to fix
        raise AccountError(t("admin_password_refused", reason=exc)) from None
    return one_time
