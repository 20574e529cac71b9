"""What one app process computed, shared with the others through PostgreSQL (issue 23, tracker.pg.computed): after a
write the first worker to ask computes the evaluation and history, the others read it; a row not signed with the
installation's key is never unpickled; old rows go."""

from __future__ import annotations

import pickle
import threading

import pandas as pd
import psycopg
import pytest

from tests.conftest import TODAY
from tests.pg_fixtures import *  # noqa: F403 (the fixtures pg_url, store)
from tests.pg_fixtures import end_every_connection
from tracker import bootstrap, db
from tracker.pg import computed

SECRET = b"k" * 32


def _two_processes(url):
    """Two connections with a store and replica each, as two app processes have."""
    return bootstrap.connect(url), bootstrap.connect(url)


def test_two_processes_asking_at_once_compute_once(pg_url):
    first, second = _two_processes(pg_url)
    calls, results = [], {}
    started = threading.Barrier(2)

    def compute():
        calls.append(threading.current_thread().name)
        return pd.DataFrame({"as_of": [TODAY], "met": [30]})

    def ask(con, name):
        started.wait()
        results[name] = computed.once(con.store, "history:abc", compute, SECRET)

    try:
        threads = [
            threading.Thread(target=ask, args=(c, n), name=n) for c, n in ((first, "w1"), (second, "w2"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        first.close()
        second.close()
    assert len(calls) == 1
    pd.testing.assert_frame_equal(results["w1"], results["w2"])
    assert results["w1"].loc[0, "met"] == 30


def test_another_key_is_computed_again(pg_url):
    con = bootstrap.connect(pg_url)
    try:
        assert computed.once(con.store, "evaluation:1", lambda: 1, SECRET) == 1
        assert computed.once(con.store, "evaluation:1", lambda: 2, SECRET) == 1  # read, not computed
        assert computed.once(con.store, "evaluation:2", lambda: 2, SECRET) == 2
    finally:
        con.close()


def test_a_row_not_signed_with_the_key_is_computed_again_never_unpickled(pg_url):
    con = bootstrap.connect(pg_url)
    try:
        computed.once(con.store, "evaluation:x", lambda: "honest", SECRET)
        with psycopg.connect(pg_url, autocommit=True) as admin:  # someone with the database but not the key
            admin.execute(
                f"UPDATE {computed.TABLE} SET payload = %s WHERE key = 'evaluation:x'",
                [pickle.dumps("forged")],
            )
        assert computed.once(con.store, "evaluation:x", lambda: "honest", SECRET) == "honest"
        assert computed.once(con.store, "evaluation:x", lambda: "again", b"another key" * 3) == "again"
    finally:
        con.close()


def test_old_results_are_deleted_when_a_new_one_is_kept(pg_url):
    con = bootstrap.connect(pg_url)
    try:
        computed.once(con.store, "old", lambda: 1, SECRET)
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(
                f"UPDATE {computed.TABLE} SET made_at = now() - interval '1 hour' WHERE key = 'old'"
            )
        computed.once(con.store, "new", lambda: 2, SECRET)
        with psycopg.connect(pg_url, autocommit=True) as admin:
            keys = [k for (k,) in admin.execute(f"SELECT key FROM {computed.TABLE} ORDER BY key")]
        assert keys == ["new"]
    finally:
        con.close()


def test_a_connection_lost_while_computing_is_the_database_unavailable(pg_url):
    """The server ended the connection midway (a restart): the pages' outage message, not an error id — and the
    next ask, on a new connection, computes and keeps the result."""
    con = bootstrap.connect(pg_url)

    def compute_while_the_server_restarts():
        end_every_connection(pg_url)
        return 1

    try:
        with pytest.raises(db.Unavailable):
            computed.once(con.store, "evaluation:restart", compute_while_the_server_restarts, SECRET)
        assert computed.once(con.store, "evaluation:restart", lambda: 2, SECRET) == 2
        assert computed.once(con.store, "evaluation:restart", lambda: 3, SECRET) == 2
    finally:
        con.close()
