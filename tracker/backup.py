"""Backup and restore of the whole tracker: measurements, the raw files, accounts, tasks, acceptance,
verification, the audit log and its chain.

Why not copy the file: a committed import can live only in the `.wal` beside the `.duckdb` until the next
checkpoint, so copying the `.duckdb` alone loses it. A backup reads through a connection, in one
transaction, so it sees exactly what was committed. A backup is a folder: one Parquet file per table and
`manifest.json` (row counts, the sha256 of every file, the schema version, the sequences, the audit chain's
head), the manifest signed with the installation's key (tracker.access.keys, never inside a backup).

Restore runs no SQL that comes from the backup: it checks the signature and every file, builds the schema
from the app's own migrations (up to the backup's version), loads the app's own tables — names from that
schema, each from `<table>.parquet` inside the folder — as data, and only then gives the file its name; it
never overwrites. A backup edited without the key (a file changed, added or removed, hashes recomputed) is
refused.

On PostgreSQL (issue 23) the data is one `pg_dump -Fc` file (tracker.pg.dump) beside the same signed manifest,
its counts read in the moment the dump sees; restore goes only into a new, empty database, after the signature,
the hashes and the dump's list of objects are checked, with pg_restore in one transaction. A backup of one store
is refused by the other's restore.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tracker import bootstrap, db, logs, migrations, pg
from tracker.access import audit, keys
from tracker.config import pg_url, shown_url
from tracker.pg import dump
from tracker.pg.connection import KEY_PLACE

MANIFEST = "manifest.json"
FORMAT = "tracker-backup/2"  # /1 was DuckDB's EXPORT DATABASE with its SQL files, unsigned
PG_FORMAT = "tracker-backup-postgresql/1"
_PLAIN = re.compile(r"[a-z_][a-z0-9_]*")  # the app's table names; anything else is not the app's


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why, in Chinese. `refused` marks the cases
    where going on would damage data (a file that exists, a backup that does not match its manifest)."""

    def __init__(self, message: str, refused: bool = False):
        super().__init__(message)
        self.refused = refused


@dataclass(frozen=True)
class Restored:
    path: Path | str  # the file, or the PostgreSQL URL without its password
    counts: dict[str, int]
    audit: audit.ChainCheck


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT temporary ORDER BY 1"
        ).fetchall()
    ]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(con: duckdb.DuckDBPyConnection, out: str | os.PathLike, actor: str | None = None) -> dict:
    """Write a backup of the database `con` holds into the new folder `out`; returns the manifest. With an
    actor, the backup is first recorded in the audit log (so the backup holds its own entry)."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} 已存在且不是空目录；请给一个新的备份目录")
    with logs.action(actor or "-", "backup", str(out)):
        if actor:
            audit.record(con, actor, "backup", str(out), detail="备份数据库")
        out.mkdir(parents=True, exist_ok=True)
        on_pg = isinstance(con, pg.Connection)
        counts, head, version, sequences = (_export_pg if on_pg else _export)(con, out)
        manifest = {
            "format": PG_FORMAT if on_pg else FORMAT,
            "created_at": dt.datetime.now().isoformat(timespec="seconds"),
            "schema_version": version,
            "tables": counts,
            "sequences": sequences,
            "audit_head": None
            if head is None
            else {"last_id": head[0], "last_hash": head[1], "entries": head[2], "mac": head[3]},
            "files": {p.name: _sha256(p) for p in sorted(out.iterdir()) if p.is_file()},
        }
        manifest["mac"] = keys.sign(keys.of(con, create=True), canonical(manifest))
        (out / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    return manifest


def _export(con: duckdb.DuckDBPyConnection, out: Path) -> tuple[dict, tuple | None, int, dict]:
    """One Parquet file per table into `out`; the counts, the audit head, the schema version and the sequences,
    all in the one transaction the files are written in."""
    cur = con.cursor()
    try:
        with db.transaction(cur):  # no commit between the counts and the export
            counts = {
                t: cur.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                for t in _tables(cur)
                if _PLAIN.fullmatch(t)
            }
            facts = _facts(
                cur,
                "SELECT sequence_name, coalesce(last_value, 0) FROM duckdb_sequences() "
                "WHERE database_name = current_database() AND NOT temporary ORDER BY 1",
            )
            for t in counts:
                target = _sql_path(out / f"{t}.parquet")
                cur.execute(f"COPY \"{t}\" TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
    finally:
        cur.close()
    return counts, *facts


def _export_pg(con: pg.Connection, out: Path) -> tuple[dict, tuple | None, int, dict]:
    """pg_dump of the database into `out`; the counts, the audit head, the schema version and the sequences read
    in the moment the dump sees."""
    try:
        with dump.moment(con.store.url) as (raw, snapshot):
            counts = {t: dump.count(raw, t) for t in dump.tables(raw) if _PLAIN.fullmatch(t)}
            facts = _facts(
                raw,
                "SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1",
            )
            dump.dump(con.store.url, snapshot, dump.major(raw), out / dump.DUMP)
    except dump.DumpError as exc:
        raise BackupError(str(exc), exc.refused) from None
    return counts, *facts


def _facts(cur, sequences_sql: str) -> tuple[tuple | None, int, dict]:
    """The audit head, the schema version and the sequences' values, read in the backup's own moment (the SQL
    of the sequences is the store's own catalogue)."""
    head = cur.execute("SELECT last_id, last_hash, entries, mac FROM audit_head").fetchone()
    version = cur.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    return head, version, dict(cur.execute(sequences_sql).fetchall())


def backup_zip_file(con: duckdb.DuckDBPyConnection, actor: str | None = None) -> Path:
    """The backup folder as one zip in a new temporary file (the app's 「备份」 download, which removes it);
    unzip it and restore the folder."""
    fd, name = tempfile.mkstemp(prefix="tracker-backup-", suffix=".zip")
    os.close(fd)
    try:
        with tempfile.TemporaryDirectory(prefix="tracker-backup-") as tmp:
            folder = Path(tmp) / "backup"
            backup(con, folder, actor)
            with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as z:
                for path in sorted(folder.iterdir()):
                    z.write(path, path.name)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def backup_zip(con: duckdb.DuckDBPyConnection, actor: str | None = None) -> bytes:
    """The backup zip as bytes (the download button, when the app's own route is not mounted)."""
    path = backup_zip_file(con, actor)
    try:
        return path.read_bytes()
    finally:
        path.unlink()


def canonical(manifest: dict) -> bytes:
    """The bytes the manifest's signature covers: everything in it but the signature itself."""
    body = {k: v for k, v in manifest.items() if k != "mac"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{folder} 不是备份目录（没有可读的 {MANIFEST}）") from None
    if not isinstance(manifest, dict) or manifest.get("format") not in (
        FORMAT,
        PG_FORMAT,
        "tracker-backup/1",
    ):
        raise BackupError(f"{folder / MANIFEST} 不是本系统的备份清单")
    return manifest


def authenticate(manifest: dict, key_file: Path | None) -> None:
    """The manifest carries the signature of the key in `key_file`, else the backup is refused."""
    try:
        key = keys.load(key_file)
    except keys.KeyMissing as exc:
        raise BackupError(
            f"{exc}：无法核对备份的签名，不予恢复；请用 --key 指定做这份备份的系统的密钥文件（{keys.KEY_NAME}）",
            refused=True,
        ) from None
    if manifest.get("format") not in (FORMAT, PG_FORMAT) or not keys.signs(
        key, canonical(manifest), manifest.get("mac")
    ):
        raise BackupError(
            "备份清单的签名不符，不予恢复：备份被改动过，或不是用这个密钥做的备份（旧版本做的备份没有签名）",
            refused=True,
        )


def check(folder: Path, manifest: dict) -> None:
    """Every file the manifest lists is there with its hash, inside the folder; nothing else was slipped in."""
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise BackupError("备份清单没有文件列表，不予恢复", refused=True)
    for name in files:
        if not isinstance(name, str) or name in ("", ".", "..") or "/" in name or "\\" in name:
            raise BackupError(f"备份清单列出了备份目录以外的文件 {name}，不予恢复", refused=True)
    unlisted = sorted(p.name for p in folder.iterdir() if p.name != MANIFEST and p.name not in files)
    if unlisted:
        raise BackupError(f"备份目录里有清单以外的文件：{'、'.join(unlisted)}，不予恢复", refused=True)
    for name, digest in files.items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"备份不完整：缺少 {name}", refused=True)
        if _sha256(path) != digest:
            raise BackupError(f"备份文件 {name} 与清单不符（已损坏或被改动），不予恢复", refused=True)


def _load(con: duckdb.DuckDBPyConnection, folder: Path, manifest: dict) -> dict[str, int]:
    """Fill the app's own tables from their Parquet files, as data; set the sequences past the rows."""
    counts = {}
    for table in _tables(con):
        if table == "schema_version":  # the migrations just wrote it
            continue
        name = f"{table}.parquet"
        if name not in manifest["files"] or table not in manifest["tables"]:
            raise BackupError(f"备份缺少表 {table}（{name}），不予恢复", refused=True)
        try:
            con.execute(f'DELETE FROM "{table}"')  # a migration's own first rows
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM read_parquet(?)', [str(folder / name)])
        except duckdb.Error:
            raise BackupError(f"备份中的 {name} 与表 {table} 的结构不符，不予恢复", refused=True) from None
        counts[table] = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    wanted = manifest.get("sequences") or {}
    for (sequence,) in con.execute(
        "SELECT sequence_name FROM duckdb_sequences() WHERE database_name = current_database()"
    ).fetchall():
        value = wanted.get(sequence)
        if isinstance(value, int) and value > 0:
            # DuckDB cannot restart a sequence a column's default names: draw it up to the saved value.
            con.execute("SELECT count(nextval(?)) FROM range(?)", [sequence, value]).fetchall()
    return counts


def restore(
    folder: str | os.PathLike, target: str | os.PathLike, key: str | os.PathLike | None = None
) -> Restored:
    """Restore the backup in `folder` into the new database file `target` (never over an existing one), or into
    the new, empty PostgreSQL database a postgresql:// `target` names, checked with the key file `key` (default:
    the target's own, tracker.access.keys.key_file)."""
    url = pg_url(target)
    folder = _folder(folder)
    manifest = read_manifest(folder)
    if url is not None:
        return _restore_pg(folder, manifest, url, key)
    if manifest.get("format") == PG_FORMAT:
        raise BackupError(
            "这是 PostgreSQL 数据库的备份，只能恢复到新的空 PostgreSQL 数据库（--db postgresql://…）",
            refused=True,
        )
    target = Path(target)
    if target.exists() or Path(f"{target}.wal").exists():
        raise BackupError(f"{target} 已存在；恢复只写入新文件，不覆盖已有数据库", refused=True)
    key_file = Path(key) if key else keys.key_file(target)
    version = _checked(folder, manifest, key_file)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.restoring")
    with logs.action("-", "restore", str(target)):
        try:
            con = duckdb.connect(str(tmp))
            try:
                # the schema is the app's own, at the backup's version, with its migrations' Python steps
                bootstrap.migrate(con, upto=version)
                counts = _load(con, folder, manifest)
            finally:
                con.close()
            wrong = [t for t in counts if counts[t] != manifest["tables"][t]]
            if wrong:
                raise BackupError(f"恢复后的行数与备份清单不符：{'、'.join(wrong)}", refused=True)
            os.replace(tmp, target)
        finally:
            for leftover in (tmp, Path(f"{tmp}.wal")):
                if leftover.exists():
                    leftover.unlink()
    return Restored(target, counts, _verified(target, key, key_file))


def _folder(folder: str | os.PathLike) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(f"{folder} 不是目录；请给出备份目录（应用里下载的 zip 先解压）")
    return folder


def _checked(folder: Path, manifest: dict, key_file: Path | None) -> int:
    """The backup is signed with the key, whole, and of a schema this system knows; returns its version."""
    authenticate(manifest, key_file)
    check(folder, manifest)
    version = manifest.get("schema_version")
    if version not in [v for v, _ in migrations.MIGRATIONS]:
        raise BackupError(
            f"备份的数据库版本 {version} 不是本系统认识的版本（请用较新的系统恢复）", refused=True
        )
    return version


def _verified(target: str | Path, key, key_file: Path | None) -> audit.ChainCheck:
    """The restored database opened (an older backup migrated) and its audit chain walked, with the backup's key
    copied to the target's place first: the restored head is signed with it."""
    own = keys.key_file(KEY_PLACE if pg_url(target) else target)
    if key and own is not None and own != key_file:
        keys.copy_to(key_file, own)
    con = bootstrap.connect(target)
    try:
        return audit.verify(con)
    finally:
        con.close()


def _restore_pg(folder: Path, manifest: dict, url: str, key) -> Restored:
    """Restore a PostgreSQL backup into the new, empty database `url`: pg_restore in one transaction, after the
    signature, the files and the dump's list of objects are checked."""
    if manifest.get("format") != PG_FORMAT:
        raise BackupError(
            "这是 DuckDB 数据库文件的备份，不能恢复到 PostgreSQL；请用 --db 指向一个新的 .duckdb 文件",
            refused=True,
        )
    key_file = Path(key) if key else keys.key_file(KEY_PLACE)
    _checked(folder, manifest, key_file)  # pg_restore's own schema is the backup's; connect migrates past it
    try:
        with dump.connect(url) as raw:
            existing = dump.tables(raw)
            if existing:
                raise BackupError(
                    f"数据库 {shown_url(url)} 已有数据表（{'、'.join(existing[:5])}…）；恢复只写入新的空数据库，"
                    "不覆盖已有数据库",
                    refused=True,
                )
            server = dump.major(raw)
            dumped = folder / dump.DUMP
            if dumped.name not in manifest["files"]:
                raise BackupError(f"备份缺少数据库文件 {dump.DUMP}，不予恢复", refused=True)
            dump.check_entries(dumped, server)
            with logs.action("-", "restore", shown_url(url)):
                dump.restore(url, dumped, server)
            counts = {t: dump.count(raw, t) for t in manifest["tables"] if _PLAIN.fullmatch(t)}
    except dump.DumpError as exc:
        raise BackupError(str(exc), exc.refused) from None
    wrong = [t for t in counts if counts[t] != manifest["tables"][t]]
    if wrong:
        raise BackupError(
            f"恢复后的行数与备份清单不符：{'、'.join(wrong)}；请删除该数据库后重试", refused=True
        )
    return Restored(shown_url(url), counts, _verified(url, key, key_file))
