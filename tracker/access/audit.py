"""The append-only audit log: who did what, when, with the state before and after — a hash chain, so that
a row deleted or changed in the file itself is found (`verify`, `python -m tracker audit verify`). The chain's
head (newest link, number of entries) is signed with the installation's key (tracker.access.keys), kept
outside the database: rows cut from the end and the head moved back, deleted or dropped with SQL are found."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass

import duckdb
import pandas as pd

from tracker import db
from tracker.access import keys

GENESIS = "0" * 64  # the "previous hash" of the first entry
_COLUMNS = "id, happened_at, actor, action, target, before_json, after_json, detail"
log = logging.getLogger("tracker.access.audit")


def _json(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def link(prev_hash: str, row: tuple) -> str:
    """The entry's hash: sha256 over the previous entry's hash and this entry's content
    (id, time, actor, action, target, before, after, detail) in a canonical JSON form."""
    id_, happened_at, *rest = row
    when = happened_at.isoformat(sep=" ") if isinstance(happened_at, dt.datetime) else str(happened_at)
    content = json.dumps([int(id_), when, *rest], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


@contextlib.contextmanager
def _writing(con: duckdb.DuckDBPyConnection):
    """One appender at a time (db.WRITE_LOCK in this process on DuckDB, the head's row lock on PostgreSQL),
    inside the caller's `db.transaction` when there is one so an action and its audit entry land together or
    not at all, else in a transaction of its own."""
    with db.serialised(con):
        if db.in_transaction():
            db.lock_head(con, "audit_head")
            yield
        else:
            with db.transaction(con):
                db.lock_head(con, "audit_head")
                yield


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row, with the result read to its end (DuckDB refuses to register a frame on a connection
    with an unfinished result)."""
    rows = con.execute(sql, params).fetchall()
    return rows[0] if rows else None


def _head(con: duckdb.DuckDBPyConnection) -> tuple[str, int]:
    row = _one(con, "SELECT last_hash, entries FROM audit_head")
    return (row[0], row[1]) if row else (GENESIS, 0)


def _set_head(
    con: duckdb.DuckDBPyConnection, last_id: int, last_hash: str, entries: int, signed: bool = True
) -> None:
    if not signed:  # migration 5 runs before audit_head has its signature column (migration 22)
        updated = con.execute(
            "UPDATE audit_head SET last_id = ?, last_hash = ?, entries = ?", [last_id, last_hash, entries]
        ).fetchall()[0][0]
        if not updated:
            con.execute("INSERT INTO audit_head VALUES (?, ?, ?)", [last_id, last_hash, entries])
        return
    mac = keys.sign(keys.of(con, create=True), keys.head_message(last_id, last_hash, entries))
    updated = con.execute(
        "UPDATE audit_head SET last_id = ?, last_hash = ?, entries = ?, mac = ?",
        [last_id, last_hash, entries, mac],
    ).fetchall()[0][0]
    if not updated:
        con.execute(
            "INSERT INTO audit_head (last_id, last_hash, entries, mac) VALUES (?, ?, ?, ?)",
            [last_id, last_hash, entries, mac],
        )


def sign_head(con: duckdb.DuckDBPyConnection) -> None:
    """Sign the head as it stands (migration 22: the heads written before they were signed)."""
    row = _one(con, "SELECT last_id, last_hash, entries FROM audit_head")
    if row is not None:
        _set_head(con, *row)


def record(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    target: str | None = None,
    before: object = None,
    after: object = None,
    detail: str | None = None,
) -> None:
    """Append one entry, chained to the one before it. Runs inside the caller's transaction when there is
    one, so an action and its audit entry land together or not at all."""
    with _writing(con):
        prev, entries = _head(con)
        id_ = _one(con, "SELECT nextval('audit_id')")[0]
        row = (id_, dt.datetime.now(), actor, action, target, _json(before), _json(after), detail)
        row_hash = link(prev, row)
        con.execute(
            f"INSERT INTO audit_log ({_COLUMNS}, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*row, prev, row_hash],
        )
        _set_head(con, id_, row_hash, entries + 1)
    log.info("actor=%s action=%s target=%s", actor, action, target or "-")


def append_select(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None) -> int:
    """Append the entries an `INSERT INTO audit_log (…) SELECT …` statement writes in bulk, and chain them.
    Returns how many were appended."""
    with _writing(con):
        con.execute(sql, params).fetchall()  # finish the statement before the next one
        n = seal(con)
    return n


def seal(con: duckdb.DuckDBPyConnection, signed: bool = True) -> int:
    """Chain every entry that has no hash yet, in id order, after the newest link (used for bulk appends and
    by migration 5 for the entries written before the chain existed)."""
    with _writing(con):
        rows = con.execute(f"SELECT {_COLUMNS} FROM audit_log WHERE row_hash IS NULL ORDER BY id").fetchall()
        if not rows:
            return 0
        prev, entries = _head(con)
        links = []
        for row in rows:
            row_hash = link(prev, row)
            links.append((row[0], prev, row_hash))
            prev = row_hash
        # One set-based UPDATE: executemany would run a statement per row (measured: 99 000 rows in 348 s).
        frame = pd.DataFrame(links, columns=["id", "prev_hash", "row_hash"])
        name = f"_audit_links_{uuid.uuid4().hex[:8]}"
        con.register(name, frame)
        try:
            con.execute(
                f"UPDATE audit_log SET prev_hash = l.prev_hash, row_hash = l.row_hash FROM {name} l "
                "WHERE audit_log.id = l.id"
            )
        finally:
            con.unregister(name)
        _set_head(con, rows[-1][0], prev, entries + len(rows), signed)
    return len(rows)


def seal_unsigned(con: duckdb.DuckDBPyConnection) -> int:
    """Migration 5's step: the chain before the head could be signed (migration 22 signs it)."""
    return seal(con, signed=False)


@dataclass(frozen=True)
class ChainCheck:
    """The result of `verify`: whole, or where the chain breaks and why (in Chinese)."""

    ok: bool
    entries: int
    broken_at: int | None = None  # the id of the first entry that does not fit
    message: str = ""


def verify(con: duckdb.DuckDBPyConnection) -> ChainCheck:
    """Walk the chain from the first entry: each entry must name the previous entry's hash and hash to its own
    value, and the last must be the head that `record` kept. Reads only."""
    prev, prev_id, n = GENESIS, None, 0
    cursor = con.execute(f"SELECT {_COLUMNS}, prev_hash, row_hash FROM audit_log ORDER BY id")
    while batch := cursor.fetchmany(10_000):
        for *content, prev_hash, row_hash in batch:
            id_ = content[0]
            after = f"第 {prev_id} 条之后" if prev_id is not None else "日志开头"
            if row_hash is None:
                return ChainCheck(False, n, id_, f"审计日志在第 {id_} 条断开：该条没有链值（未经系统写入）")
            if prev_hash != prev:
                return ChainCheck(
                    False, n, id_, f"审计日志在第 {id_} 条断开：{after}、第 {id_} 条之前的记录被删除或改动"
                )
            if link(prev_hash, tuple(content)) != row_hash:
                return ChainCheck(False, n, id_, f"审计日志在第 {id_} 条断开：该条内容被改动")
            prev, prev_id, n = row_hash, id_, n + 1
    return _check_head(con, prev, prev_id, n) or ChainCheck(
        True, n, None, f"审计日志完整：{n} 条记录，哈希链无断点"
    )


def _check_head(con: duckdb.DuckDBPyConnection, prev: str, prev_id: int | None, n: int) -> ChainCheck | None:
    """The head must be there (one row) when there are entries, name the last entry and the count, and carry
    the signature of the installation's key; None when it does."""
    up_to = f"表中到第 {prev_id} 条（共 {n} 条）" if prev_id is not None else "表中没有记录"
    try:
        heads = con.execute("SELECT last_id, last_hash, entries, mac FROM audit_head").fetchall()
    except duckdb.CatalogException:
        return ChainCheck(False, n, prev_id, f"审计日志末尾无法核对：链头表 audit_head 被删除（{up_to}）")
    if not heads:
        if n == 0:
            return None
        return ChainCheck(
            False, n, prev_id, f"审计日志末尾无法核对：链头被删除（{up_to}），末尾的记录可能被删除"
        )
    if len(heads) > 1:
        return ChainCheck(False, n, prev_id, f"审计日志链头被改动：链头表有 {len(heads)} 行（应为 1 行）")
    last_id, last_hash, count, mac = heads[0]
    if last_hash != prev or count != n:
        return ChainCheck(
            False,
            n,
            last_id,
            f"审计日志末尾断开：链头记到第 {last_id} 条（共 {count} 条），{up_to}，末尾的记录被删除",
        )
    try:
        key = keys.of(con)
    except keys.KeyMissing as exc:
        return ChainCheck(
            False, n, prev_id, f"审计日志链头无法核对：{exc}（密钥文件应在数据库旁，或由 TRACKER_KEY 指定）"
        )
    if not keys.signs(key, keys.head_message(last_id, last_hash, count), mac):
        return ChainCheck(
            False,
            n,
            last_id,
            f"审计日志链头的签名不符：链头（第 {last_id} 条，共 {count} 条）不是本系统写下的，"
            "末尾的记录可能被删除后改写了链头（或密钥文件不是这个数据库的）",
        )
    return None


def entries(
    con: duckdb.DuckDBPyConnection,
    actor: str | None = None,
    action: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    text: str | None = None,
):
    """The log, newest first, filtered; every filter is optional and bound as a parameter."""
    return con.execute(
        """SELECT id, happened_at, actor, action, target, detail, before_json, after_json
           FROM audit_log
           WHERE ($actor IS NULL OR actor = $actor)
             AND ($action IS NULL OR action = $action)
             AND ($since IS NULL OR happened_at >= $since)
             AND ($until IS NULL OR happened_at < $until + INTERVAL 1 DAY)
             AND ($text IS NULL OR concat_ws(' ', target, detail, before_json, after_json) ILIKE '%' || $text || '%')
           ORDER BY id DESC""",
        {"actor": actor, "action": action, "since": since, "until": until, "text": text or None},
    ).df()


def actors_and_actions(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    actors = [r[0] for r in con.execute("SELECT DISTINCT actor FROM audit_log ORDER BY 1").fetchall()]
    actions = [r[0] for r in con.execute("SELECT DISTINCT action FROM audit_log ORDER BY 1").fetchall()]
    return actors, actions


def to_csv(log) -> bytes:
    """The log as CSV for Excel (utf-8-sig), every cell inert (see tracker.files)."""
    from tracker.files import csv_cell

    cells = log.astype(object).where(log.notna(), None).map(csv_cell)
    return cells.to_csv(index=False).encode("utf-8-sig")
