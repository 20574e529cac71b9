"""Backup and restore of the whole tracker: measurements, the raw files, accounts, tasks, acceptance,
verification, the audit log and its chain — with DuckDB's EXPORT DATABASE / IMPORT DATABASE.

Why not copy the file: a committed import can live only in the `.wal` beside the `.duckdb` until the next
checkpoint, so copying the `.duckdb` alone loses it. EXPORT reads through a connection, in one transaction,
so it sees exactly what was committed. A backup is a folder: `schema.sql`, `load.sql`, one Parquet file per
table, and `manifest.json` (row counts, the sha256 of every file, the schema version and the audit chain's
head). Restore checks the manifest, imports into a new file beside the target, checks the counts and the
audit chain, and only then gives the file its name — it never overwrites.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tracker import db, logs
from tracker.access import audit

MANIFEST = "manifest.json"
FORMAT = "tracker-backup/1"


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why, in Chinese. `refused` marks the cases
    where going on would damage data (a file that exists, a backup that does not match its manifest)."""

    def __init__(self, message: str, refused: bool = False):
        super().__init__(message)
        self.refused = refused


@dataclass(frozen=True)
class Restored:
    path: Path
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
        cur = con.cursor()
        try:
            with db.WRITE_LOCK:  # no commit between the counts and the export
                cur.execute("BEGIN TRANSACTION")
                try:
                    counts = {
                        t: cur.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _tables(cur)
                    }
                    head = cur.execute("SELECT last_id, last_hash, entries FROM audit_head").fetchone()
                    version = cur.execute("SELECT max(version) FROM schema_version").fetchone()[0]
                    cur.execute(f"EXPORT DATABASE '{_sql_path(out)}' (FORMAT parquet, COMPRESSION zstd)")
                    cur.execute("COMMIT")
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
        finally:
            cur.close()
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now().isoformat(timespec="seconds"),
            "schema_version": version,
            "tables": counts,
            "audit_head": None
            if head is None
            else {"last_id": head[0], "last_hash": head[1], "entries": head[2]},
            "files": {p.name: _sha256(p) for p in sorted(out.iterdir()) if p.is_file()},
        }
        (out / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    return manifest


def backup_zip(con: duckdb.DuckDBPyConnection, actor: str | None = None) -> bytes:
    """The backup folder as one zip (the app's 「备份」 download); unzip it and restore the folder."""
    with tempfile.TemporaryDirectory(prefix="tracker-backup-") as tmp:
        folder = Path(tmp) / "backup"
        backup(con, folder, actor)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(folder.iterdir()):
                z.write(path, path.name)
        return buffer.getvalue()


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{folder} 不是备份目录（没有可读的 {MANIFEST}）") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder / MANIFEST} 不是本系统的备份清单")
    return manifest


def check(folder: Path, manifest: dict) -> None:
    """Every file the manifest lists is there with its hash; nothing else was slipped in."""
    for name, digest in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"备份不完整：缺少 {name}", refused=True)
        if _sha256(path) != digest:
            raise BackupError(f"备份文件 {name} 与清单不符（已损坏或被改动），不予恢复", refused=True)


def restore(folder: str | os.PathLike, target: str | os.PathLike) -> Restored:
    """Restore the backup in `folder` into the new database file `target` (never over an existing one)."""
    folder, target = Path(folder), Path(target)
    if not folder.is_dir():
        raise BackupError(f"{folder} 不是目录；请给出备份目录（应用里下载的 zip 先解压）")
    manifest = read_manifest(folder)
    if target.exists() or Path(f"{target}.wal").exists():
        raise BackupError(f"{target} 已存在；恢复只写入新文件，不覆盖已有数据库", refused=True)
    check(folder, manifest)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.restoring")
    with logs.action("-", "restore", str(target)):
        try:
            con = duckdb.connect(str(tmp))
            try:
                con.execute(f"IMPORT DATABASE '{_sql_path(folder)}'")
                counts = {
                    t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in manifest["tables"]
                }
            finally:
                con.close()
            if counts != manifest["tables"]:
                wrong = [t for t in counts if counts[t] != manifest["tables"][t]]
                raise BackupError(f"恢复后的行数与备份清单不符：{'、'.join(wrong)}", refused=True)
            os.replace(tmp, target)
        finally:
            for leftover in (tmp, Path(f"{tmp}.wal")):
                if leftover.exists():
                    leftover.unlink()
    con = db.connect(target)  # an older backup is migrated here
    try:
        chain = audit.verify(con)
    finally:
        con.close()
    return Restored(target, counts, chain)
