"""Hostile backups and a cut audit tail (issue 22, findings 2 and 6): restore runs no SQL that comes from the
backup, loads only the app's own tables from the listed Parquet files, and refuses a backup whose manifest
is not signed with the installation's key; the audit chain's head is signed with the same key, so a tail cut
in the file — head deleted, dropped or rewritten — is a break."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import stat

import duckdb
import pytest

from tracker import backup, bootstrap
from tracker.access import audit, keys
from tracker.cli import main


@pytest.fixture
def logged(tmp_path):
    """A database with 12 audit entries (the key: the session's, TRACKER_KEY set by conftest)."""
    path = tmp_path / "audit.duckdb"
    con = bootstrap.connect(path)
    for i in range(1, 13):
        audit.record(con, "admin", "task_open", f"task:{i}", after={"n": i}, detail=f"第{i}条")
    con.close()
    return path


def _rehash(folder) -> None:
    """What an attacker without the key can do: make every file's sha256 in the manifest fit again."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != "manifest.json"
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def _resign(folder, key: bytes) -> None:
    """What someone holding the key can do: rehash and sign again."""
    _rehash(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("mac", None)
    manifest["mac"] = hmac.new(key, backup.canonical(manifest), hashlib.sha256).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def _hostile_sql(tmp_path) -> tuple[str, object, object]:
    secret = tmp_path / "host-secret.txt"
    secret.write_text("root-only\n", encoding="utf-8")
    written = tmp_path / "written-by-restore.txt"
    sql = (
        f"\nCOPY (SELECT 'pwned' AS x) TO '{written}' (FORMAT csv);\n"
        f"CREATE TABLE loot AS SELECT * FROM read_text('{secret}');\n"
    )
    return sql, written, secret


def test_sql_appended_to_a_backup_is_refused_and_never_run(logged, tmp_path, capsys):
    con = bootstrap.connect(logged)
    out = tmp_path / "b"
    backup.backup(con, out)
    con.close()
    sql, written, _ = _hostile_sql(tmp_path)
    with open(out / "schema.sql", "a", encoding="utf-8") as f:  # a new file when the backup has none
        f.write(sql)
    _rehash(out)
    new = tmp_path / "n.duckdb"
    assert main(["restore", str(out), "--db", str(new)]) == 6
    assert "签名" in capsys.readouterr().err
    assert not written.exists() and not new.exists()


def test_even_a_signed_backup_runs_none_of_its_sql(logged, tmp_path, capsys):
    """Someone holding the key signs a backup carrying SQL: restore loads the data and runs nothing."""
    con = bootstrap.connect(logged)
    out = tmp_path / "b"
    backup.backup(con, out)
    con.close()
    sql, written, _ = _hostile_sql(tmp_path)
    for name in ("schema.sql", "load.sql"):
        with open(out / name, "a", encoding="utf-8") as f:
            f.write(sql)
    _resign(out, keys.load(keys.key_file(logged)))
    new = tmp_path / "n.duckdb"
    assert main(["restore", str(out), "--db", str(new)]) == 0
    assert "审计日志完整" in capsys.readouterr().out
    assert not written.exists()
    restored = duckdb.connect(str(new))
    tables = {r[0] for r in restored.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "loot" not in tables
    assert restored.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 12
    restored.close()


def test_a_file_not_in_the_manifest_is_refused(logged, tmp_path, capsys):
    con = bootstrap.connect(logged)
    out = tmp_path / "b"
    backup.backup(con, out)
    con.close()
    (out / "extra.parquet").write_bytes((out / "audit_log.parquet").read_bytes())
    assert main(["restore", str(out), "--db", str(tmp_path / "n.duckdb")]) == 6
    assert "extra.parquet" in capsys.readouterr().err


def test_edited_data_with_hashes_recomputed_is_refused(logged, tmp_path, capsys):
    """An account made administrator in the backup's Parquet, every sha256 fixed: the signature tells."""
    con = bootstrap.connect(logged)
    out = tmp_path / "b"
    backup.backup(con, out)
    con.close()
    raw = duckdb.connect()
    path = str(out / "audit_log.parquet")
    raw.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{path}')")
    raw.execute("UPDATE t SET actor = 'nobody'")
    raw.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    raw.close()
    _rehash(out)
    assert main(["restore", str(out), "--db", str(tmp_path / "n.duckdb")]) == 6
    assert "签名" in capsys.readouterr().err
    assert not (tmp_path / "n.duckdb").exists()


def test_an_unsigned_backup_is_refused(logged, tmp_path, capsys):
    con = bootstrap.connect(logged)
    out = tmp_path / "b"
    backup.backup(con, out)
    con.close()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    del manifest["mac"]
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["restore", str(out), "--db", str(tmp_path / "n.duckdb")]) == 6
    assert "签名" in capsys.readouterr().err


def test_a_listed_name_outside_the_folder_is_refused(logged, tmp_path, capsys):
    con = bootstrap.connect(logged)
    out = tmp_path / "b"
    backup.backup(con, out)
    con.close()
    _resign(out, keys.load(keys.key_file(logged)))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["../host-secret.txt"] = "0" * 64
    manifest.pop("mac")
    manifest["mac"] = hmac.new(
        keys.load(keys.key_file(logged)), backup.canonical(manifest), hashlib.sha256
    ).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["restore", str(out), "--db", str(tmp_path / "n.duckdb")]) == 6
    assert "host-secret.txt" in capsys.readouterr().err


def test_the_key_lives_beside_the_database_and_restore_elsewhere_needs_it(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TRACKER_KEY", raising=False)
    here, there = tmp_path / "here", tmp_path / "there"
    con = bootstrap.connect(here / "t.duckdb")
    audit.record(con, "admin", "task_open", "task:1")
    key = here / "tracker.key"
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600  # created on first need, owner only
    out = tmp_path / "b"
    backup.backup(con, out)
    con.close()
    assert not any(p.name.endswith(".key") for p in out.iterdir())  # the key is never in the backup
    assert main(["restore", str(out), "--db", str(there / "t.duckdb")]) == 6
    assert "密钥" in capsys.readouterr().err
    assert main(["restore", str(out), "--db", str(there / "t.duckdb"), "--key", str(key)]) == 0
    assert "审计日志完整" in capsys.readouterr().out
    copied = there / "tracker.key"
    assert copied.read_bytes() == key.read_bytes() and stat.S_IMODE(copied.stat().st_mode) == 0o600
    assert main(["audit", "verify", "--db", str(there / "t.duckdb")]) == 0


def test_restore_sets_the_sequences_past_the_restored_rows(logged, tmp_path):
    con = bootstrap.connect(logged)
    out = tmp_path / "b"
    backup.backup(con, out)
    last = con.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    con.close()
    new = tmp_path / "n.duckdb"
    backup.restore(out, new)
    restored = bootstrap.connect(new)
    audit.record(restored, "admin", "task_open", "task:13")
    assert restored.execute("SELECT max(id) FROM audit_log").fetchone()[0] == last + 1
    assert audit.verify(restored).ok
    restored.close()


# --- finding 6: the chain's tail -------------------------------------------------------------------------


def _raw(path, *statements) -> None:
    raw = duckdb.connect(str(path))  # the file itself, past the tracker
    for sql in statements:
        raw.execute(sql)
    raw.close()


def test_tail_cut_with_the_head_deleted_is_a_break(logged, capsys):
    _raw(
        logged,
        "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log ORDER BY id DESC LIMIT 5)",
        "DELETE FROM audit_head",
    )
    assert main(["audit", "verify", "--db", str(logged)]) == 6
    err = capsys.readouterr().err
    assert "链头" in err and "7 条" in err


def test_dropped_head_is_a_break_not_a_crash(logged, capsys):
    _raw(logged, "DROP TABLE audit_head")
    assert main(["audit", "verify", "--db", str(logged)]) == 6
    assert "链头" in capsys.readouterr().err


def test_tail_cut_with_the_head_rewritten_in_sql_is_a_break(logged, capsys):
    """The head moved back to the 7th entry with plain SQL: last_id, last_hash, entries all fit the table, but
    the signature was made for the 12th."""
    _raw(
        logged,
        "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log ORDER BY id DESC LIMIT 5)",
        """UPDATE audit_head SET last_id = l.id, last_hash = l.row_hash, entries = 7
           FROM (SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1) l""",
    )
    assert main(["audit", "verify", "--db", str(logged)]) == 6
    assert "链头的签名不符" in capsys.readouterr().err


def test_a_missing_key_is_said_not_passed(logged, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TRACKER_KEY", str(tmp_path / "elsewhere.key"))
    assert main(["audit", "verify", "--db", str(logged)]) == 6
    assert "密钥文件" in capsys.readouterr().err
    assert not (tmp_path / "elsewhere.key").exists()  # verify never makes a key


def test_a_second_head_row_is_a_break(logged):
    _raw(logged, "INSERT INTO audit_head SELECT * FROM audit_head")
    con = bootstrap.connect(logged)
    check = audit.verify(con)
    con.close()
    assert not check.ok and "链头" in check.message


# --- finding 9: downloads behind the sign-in ------------------------------------------------------------


PDF = b"%PDF-1.4\n" + b"stream " * 200 + b"\n%%EOF\n"


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A database with an administrator, a reporter and one evidence file; the routes read it as the app's."""
    import datetime as dt

    from app import archive_route, webapp
    from tests.scenario import add
    from tracker.access import web_sessions
    from tracker.access.auth import SYSTEM
    from tracker.access.users import authenticate, create_user
    from tracker.office import evidence

    path = tmp_path / "site.duckdb"
    con = bootstrap.connect(path)
    create_user(con, SYSTEM, "王主任", "admin", "office-secret-22")
    create_user(con, SYSTEM, "城管李", "reporter", "reporter-secret-22", unit="城管执法局")
    measured = add(con, "10.3", "2025年", 82)
    city = authenticate(con, "城管李", "reporter-secret-22")[0]
    link = evidence.attach_file(
        con, PDF, "台账.pdf", "measurement", measured, city, now=dt.datetime(2026, 3, 2)
    )

    def cookie(name: str, password: str) -> str:
        actor = authenticate(con, name, password)[0]
        return web_sessions.exchange(con, web_sessions.start(con, actor)[1])[0]

    monkeypatch.setattr(webapp, "cursor", lambda: con.cursor())
    monkeypatch.setattr(
        archive_route, "_asked", type(archive_route._asked)(archive_route._asked.default_factory)
    )
    yield {
        "con": con,
        "admin": cookie("王主任", "office-secret-22"),
        "reporter": cookie("城管李", "reporter-secret-22"),
        "link": link,
    }
    con.close()


def _get(handler, path: str, query: str = "", token: str | None = None, cut_after: int | None = None):
    """Call a route as Starlette would: (status, headers, body, the response). `cut_after`: the client goes
    away after that many body messages (the send fails, as on a closed connection)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from starlette.requests import Request

    headers = [(b"cookie", f"tracker_session={token}".encode())] if token else []
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query.encode(),
        "headers": headers,
    }
    sent: list[dict] = []

    async def receive():
        await asyncio.sleep(3600)

    async def send(message):
        bodies = sum(m["type"] == "http.response.body" for m in sent)
        if message["type"] == "http.response.body" and cut_after is not None and bodies >= cut_after:
            raise OSError("connection closed by the client")
        sent.append(message)

    async def run():
        response = await handler(Request(scope, receive))
        with contextlib.suppress(OSError):
            await response(scope, receive, send)
        return response

    # In a thread of its own: after the browser tests, Playwright's event loop still runs in this one.
    with ThreadPoolExecutor(1) as pool:
        response = pool.submit(asyncio.run, run()).result()
    start = next((m for m in sent if m["type"] == "http.response.start"), {"status": None, "headers": []})
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body, response


def test_the_backup_is_served_to_the_administrator_only_and_restores(site, tmp_path):
    import io
    import zipfile

    from app import archive_route

    assert _get(archive_route.backup_download, "/api/backup")[0] == 403
    assert _get(archive_route.backup_download, "/api/backup", token=site["reporter"])[0] == 403
    status, headers, body, _ = _get(archive_route.backup_download, "/api/backup", token=site["admin"])
    assert status == 200 and headers[b"cache-control"] == b"no-store"
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        z.extractall(tmp_path / "unzipped")
    restored = backup.restore(tmp_path / "unzipped", tmp_path / "r.duckdb")
    assert restored.audit.ok and restored.counts["app_user"] == 2
    actions = site["con"].execute("SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 1").fetchall()
    assert actions == [("王主任", "backup")]


def test_an_evidence_file_needs_a_sign_in(site):
    from app import archive_route
    from tracker.access.auth import Actor
    from tracker.office import evidence

    query = f"link={site['link']}"
    assert _get(archive_route.evidence_download, "/api/evidence", query)[0] == 403
    status, headers, body, _ = _get(archive_route.evidence_download, "/api/evidence", query, site["reporter"])
    assert status == 200 and body == PDF and headers[b"x-content-type-options"] == b"nosniff"
    assert b"attachment" in headers[b"content-disposition"]
    assert _get(archive_route.evidence_download, "/api/evidence", "link=999", site["reporter"])[0] == 404
    assert _get(archive_route.evidence_download, "/api/evidence", "link=x", site["reporter"])[0] == 404
    evidence.remove(site["con"], site["link"], Actor("王主任", "admin"), "误传")
    assert _get(archive_route.evidence_download, "/api/evidence", query, site["reporter"])[0] == 404


def test_archive_downloads_are_audited_and_limited_per_session(site):
    from app import archive_route

    for _ in range(archive_route.LIMIT):
        assert _get(archive_route.download, "/api/archive", "item=10", site["reporter"])[0] == 200
    assert _get(archive_route.download, "/api/archive", "item=10", site["reporter"])[0] == 429
    assert _get(archive_route.download, "/api/archive", "item=10", site["admin"])[0] == 200  # its own count
    rows = (
        site["con"]
        .execute("SELECT actor, target FROM audit_log WHERE action = 'archive_download' ORDER BY id")
        .fetchall()
    )
    assert rows == [("城管李", "item:10")] * archive_route.LIMIT + [("王主任", "item:10")]


def test_the_window_lets_a_session_ask_again_later(site):
    from app import archive_route

    assert all(archive_route._allowed("s", now=100.0 + i) for i in range(archive_route.LIMIT))
    assert not archive_route._allowed("s", now=100.0 + archive_route.WINDOW_SECONDS - 1)
    assert archive_route._allowed("s", now=100.0 + archive_route.WINDOW_SECONDS + 0.5)


def test_a_cancelled_download_closes_its_file_at_once(site):
    from app import archive_route

    status, _, body, response = _get(archive_route.download, "/api/archive", "", site["admin"], cut_after=0)
    assert status == 200 and body == b""
    assert response.handle.closed
    status, _, body, response = _get(archive_route.download, "/api/archive", "", site["admin"])
    assert status == 200 and body[:2] == b"PK" and response.handle.closed
