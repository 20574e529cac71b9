"""Accounts: scrypt-hashed passwords with a per-user salt, lockout after repeated failures, the first
administrator, and every change audited (never a hash, never a password)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets

import duckdb
import pandas as pd

from tracker import audit
from tracker.auth import ROLES, Actor, require
from tracker.catalogue import catalogue
from tracker.config import settings

# scrypt cost: about 50 ms and 16 MiB per check on this class of machine.
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
MIN_PASSWORD = 8
FIRST_ADMIN = "admin"


class AccountError(ValueError):
    """A refused account operation or login; the message is for the person at the screen."""


def hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT)


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位")


def _row(con, name: str):
    return con.execute(
        "SELECT name, role, unit, salt, pw_hash, must_change, disabled, failed_logins, locked_until "
        "FROM app_user WHERE name = ?",
        [name],
    ).fetchone()


def create_user(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    name: str,
    role: str,
    password: str,
    unit: str | None = None,
    must_change: bool = False,
) -> Actor:
    require(actor, "manage_users")
    name = (name or "").strip()
    if not name:
        raise AccountError("请填写账号名")
    if role not in ROLES:
        raise AccountError(f"角色应为 {'/'.join(ROLES)}")
    canonical = None
    if role == "reporter":
        canonical = catalogue().resolve_unit(unit or "")
        if canonical is None:
            raise AccountError(f"上报员必须绑定一个已知单位（「{unit or ''}」不是目录中的单位）")
    _check_password(password)
    if _row(con, name):
        raise AccountError(f"账号「{name}」已存在")
    salt = os.urandom(16)
    con.execute(
        "INSERT INTO app_user (name, role, unit, salt, pw_hash, must_change, created_at) VALUES (?,?,?,?,?,?,?)",
        [name, role, canonical, salt, hash_password(password, salt), must_change, dt.datetime.now()],
    )
    audit.record(con, actor.name, "user_add", name, after={"role": role, "unit": canonical})
    return Actor(name, role, canonical)


def authenticate(
    con: duckdb.DuckDBPyConnection, name: str, password: str, now: dt.datetime | None = None
) -> tuple[Actor, bool]:
    """The user and whether they must change their password; AccountError on failure (audited)."""
    now = now or dt.datetime.now()
    row = _row(con, (name or "").strip())
    if row is None:
        audit.record(con, name or "?", "login_failed", name, detail="未知账号")
        raise AccountError("账号或密码错误")
    _, role, unit, salt, pw_hash, must_change, disabled, failed, locked_until = row
    if disabled:
        audit.record(con, name, "login_failed", name, detail="账号已停用")
        raise AccountError("账号已停用，请联系创卫办")
    if locked_until and locked_until > now:
        audit.record(con, name, "login_failed", name, detail="账号已锁定")
        raise AccountError(f"连续登录失败次数过多，账号锁定至 {locked_until:%H:%M}")
    if not hmac.compare_digest(hash_password(password or "", bytes(salt)), bytes(pw_hash)):
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
        audit.record(con, name, "login_failed", name, detail="密码错误" + ("，账号已锁定" if lock else ""))
        raise AccountError("账号或密码错误")
    con.execute("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE name = ?", [name])
    audit.record(con, name, "login", name)
    return Actor(name, role, unit), bool(must_change)


def change_password(con: duckdb.DuckDBPyConnection, actor: Actor, old: str, new: str) -> None:
    authenticate(con, actor.name, old)
    _check_password(new)
    if old == new:
        raise AccountError("新密码不能与原密码相同")
    salt = os.urandom(16)
    con.execute(
        "UPDATE app_user SET salt = ?, pw_hash = ?, must_change = false WHERE name = ?",
        [salt, hash_password(new, salt), actor.name],
    )
    audit.record(con, actor.name, "password_change", actor.name)


def reset_password(con: duckdb.DuckDBPyConnection, actor: Actor, name: str, password: str) -> None:
    """An administrator sets a new password, which the user must change at the next login."""
    require(actor, "manage_users")
    if not _row(con, name):
        raise AccountError(f"没有账号「{name}」")
    _check_password(password)
    salt = os.urandom(16)
    con.execute(
        "UPDATE app_user SET salt = ?, pw_hash = ?, must_change = true, failed_logins = 0, locked_until = NULL "
        "WHERE name = ?",
        [salt, hash_password(password, salt), name],
    )
    audit.record(con, actor.name, "password_reset", name)


def set_disabled(con: duckdb.DuckDBPyConnection, actor: Actor, name: str, disabled: bool = True) -> None:
    require(actor, "manage_users")
    row = _row(con, name)
    if not row:
        raise AccountError(f"没有账号「{name}」")
    if disabled and name == actor.name:
        raise AccountError("不能停用自己的账号")
    con.execute("UPDATE app_user SET disabled = ? WHERE name = ?", [disabled, name])
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
    row = _row(con, name)
    if row is None or row[6]:
        raise AccountError(f"没有可用的账号「{name}」")
    return Actor(row[0], row[1], row[2])


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
    create_user(con, system, FIRST_ADMIN, "admin", password, must_change=one_time is not None)
    return one_time
