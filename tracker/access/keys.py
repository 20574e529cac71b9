"""The installation's secret key: it signs the audit chain's head and every backup's manifest (HMAC-SHA256),
so that an edit made past the tracker — SQL on the database file, a changed file in a backup folder — is
found by whoever holds the key, and cannot be made to fit again without it.

The key is a file outside the database and outside every backup: TRACKER_KEY names it, else `tracker.key`
beside the database file. It is made on first need (the first audit entry), readable by its owner only.
A database in memory lives and dies with the process, and so does its key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from pathlib import Path

import duckdb

KEY_NAME = "tracker.key"
_EPHEMERAL = secrets.token_bytes(32)
_CACHE: dict[str, bytes] = {}
_LOCK = threading.Lock()


class KeyMissing(Exception):
    """The key file is not there (or not readable, or not a key); the message says which file, in Chinese."""


def db_file(con: duckdb.DuckDBPyConnection) -> str | None:
    """The file `con` holds; None for a database in memory. PostgreSQL's connection names a place in data/."""
    named = getattr(con, "database_file", None)
    if named is not None:
        return named
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    return row[0][0] if row and row[0][0] else None


def key_file(database: str | os.PathLike | None) -> Path | None:
    """Where the key of the database file `database` lives; None (the process's own key) for memory."""
    if os.environ.get("TRACKER_KEY"):
        return Path(os.environ["TRACKER_KEY"])
    if database is None or str(database) == ":memory:":
        return None
    path = Path(database).absolute()
    return path.parent / KEY_NAME


def load(path: Path | None, create: bool = False) -> bytes:
    """The key in `path`, made there first (0600, never overwritten) when `create` and it is missing."""
    if path is None:
        return _EPHEMERAL
    with _LOCK:
        if str(path) in _CACHE:
            return _CACHE[str(path)]
        try:
            text = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            if not create:
                raise KeyMissing(f"找不到密钥文件 {path}") from None
            text = _make(path)
        except (OSError, UnicodeDecodeError):
            raise KeyMissing(f"密钥文件 {path} 无法读取") from None
        try:
            key = bytes.fromhex(text)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise KeyMissing(f"密钥文件 {path} 不是本系统的密钥（应为 64 位十六进制）")
        _CACHE[str(path)] = key
        return key


def _make(path: Path) -> str:
    text = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text + "\n")
    return text


def copy_to(source: Path, target: Path) -> None:
    """Place the key file `source` at `target` (owner-only), unless a key is there already."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as f:
        f.write(source.read_bytes())


def of(con: duckdb.DuckDBPyConnection, create: bool = False) -> bytes:
    """The key of the database `con` holds."""
    return load(key_file(db_file(con)), create)


def sign(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signs(key: bytes, message: bytes, mac: object) -> bool:
    return isinstance(mac, str) and hmac.compare_digest(sign(key, message), mac)


def head_message(last_id: int, last_hash: str, entries: int) -> bytes:
    """What the audit head's signature covers."""
    return json.dumps(["audit_head", int(last_id), last_hash, int(entries)]).encode()
