"""What one app process computed from the data, shared with the others through PostgreSQL (issue 23): after a write
every worker needs the new evaluation and readiness history; the first to ask computes them, the others wait for
it on an advisory lock and read the result, instead of each computing the same thing on the same two cores.

A result is kept under a key that names the data it was computed from (the caller's: the data's marks, the date),
pickled and signed with the installation's key (tracker.access.keys): a row that anyone without the key wrote or
changed is never unpickled — it is computed again. Rows older than KEEP are deleted as new ones come; the table
lives on PostgreSQL only (schema.PG_ONLY, schema.COMPUTED_DDL). A backup carries it like any table: a restored
database has another address, which every key names, so nothing in it is read again."""

from __future__ import annotations

import hashlib
import hmac
import pickle
from collections.abc import Callable
from typing import TypeVar

from tracker.pg import failures

TABLE = "computed_once"  # schema.COMPUTED_DDL
KEEP = "10 minutes"  # a result of older data is read by nobody: every page asks for the newest generation
_LOCK_SPACE = 0x7E5  # hashtextextended's seed: these locks never meet the migration's

T = TypeVar("T")


def _mac(secret: bytes, key: str, payload: bytes) -> str:
    return hmac.new(secret, key.encode("utf-8") + b"\0" + payload, hashlib.sha256).hexdigest()


def once(store, key: str, compute: Callable[[], T], secret: bytes) -> T:
    """compute()'s result for `key`, computed by whichever process asks first (the others wait for it)."""
    # A connection lost midway is tracker.db.Unavailable: the pages say so, with no error id.
    with failures.lost_as_unavailable(), store.transaction() as con:
        con.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, %s))", [key, _LOCK_SPACE])
        row = con.execute(f"SELECT payload, mac FROM {TABLE} WHERE key = %s", [key]).fetchone()
        if row is not None:
            payload = bytes(row[0])
            if hmac.compare_digest(_mac(secret, key, payload), row[1]):
                return pickle.loads(payload)  # signed by a process holding the key: ours
        value = compute()
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        con.execute(f"DELETE FROM {TABLE} WHERE made_at < now() - interval '{KEEP}'")
        con.execute(
            f"INSERT INTO {TABLE} (key, payload, mac) VALUES (%s, %s, %s) ON CONFLICT (key) DO UPDATE "
            "SET payload = excluded.payload, mac = excluded.mac, made_at = now()",
            [key, payload, _mac(secret, key, payload)],
        )
    return value
