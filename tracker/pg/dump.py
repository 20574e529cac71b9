"""PostgreSQL's own programs for tracker.backup (issue 23): pg_dump of one moment of the database (custom format)
and pg_restore into a new, empty database; what a dump holds is checked before pg_restore reads it.

The programs are the server's own version (Debian keeps each under /usr/lib/postgresql/<major>/bin): an older
pg_dump refuses a newer server, and a dump is restored by the same version that wrote it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tracker.config import shown_url
from tracker.pg.replica import libpq_url

DUMP = "database.dump"  # the pg_dump -Fc file inside a backup folder
BIN = "/usr/lib/postgresql/{major}/bin"
# What a tracker database's dump holds (pg_restore --list); anything else — a function, a trigger, an
# extension, a rule — is not the app's and is refused before pg_restore runs it.
_ENTRIES = frozenset(
    {
        "TABLE",
        "TABLE DATA",
        "SEQUENCE",
        "SEQUENCE SET",
        "SEQUENCE OWNED BY",
        "DEFAULT",
        "CONSTRAINT",
        "FK CONSTRAINT",
        "INDEX",
        "SCHEMA",
        "COMMENT",
        "ACL",
    }
)
# "id; catalog oid KIND schema name owner": the kind (one or two words) up to the schema, which is the app's
_ENTRY = re.compile(r"^\d+;\s*\d+\s+\d+\s+(.+?)\s+(?:-|public)\s")


class DumpError(Exception):
    """pg_dump or pg_restore cannot run, or a database is not what a restore needs; the message says why, in
    Chinese. `refused` marks the cases where going on would damage data."""

    def __init__(self, message: str, refused: bool = False):
        super().__init__(message)
        self.refused = refused


def connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(libpq_url(url), autocommit=True)
    except psycopg.Error:
        raise DumpError(
            f"无法连接 PostgreSQL 数据库 {shown_url(url)}：请检查地址、数据库是否存在（恢复前先用 createdb 建一个空库）"
            "以及访问权限"
        ) from None


def major(con: psycopg.Connection) -> int:
    return int(con.execute("SHOW server_version_num").fetchone()[0]) // 10000


def program(name: str, version: int) -> str:
    """The server's own version of `name`, else the one on PATH."""
    own = Path(BIN.format(major=version)) / name
    if own.is_file() and os.access(own, os.X_OK):
        return str(own)
    found = shutil.which(name)
    if found is None:
        raise DumpError(
            f"找不到 {name}（PostgreSQL {version} 的客户端程序）：请安装 postgresql-client-{version} 后重试"
        )
    return found


def _target(url: str) -> tuple[str, dict]:
    """The connection string for a program's --dbname, and its environment: the password goes in PGPASSWORD,
    never on a command line another user's `ps` shows."""
    params = conninfo_to_dict(libpq_url(url))
    env = dict(os.environ)
    password = params.pop("password", None)
    if password is not None:
        env["PGPASSWORD"] = password
    return f"--dbname={make_conninfo(**params)}", env


def _run(argv: list[str], what: str, env: dict | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise DumpError(f"{what}失败：{lines[-1] if lines else f'退出码 {done.returncode}'}")


@contextmanager
def moment(url: str):
    """A read-only transaction on one moment of the database `url`, and that moment's id for pg_dump: the
    manifest's counts and the dump see the same rows."""
    con = connect(url)
    try:
        con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = con.execute("SELECT pg_export_snapshot()").fetchone()[0]
        yield con, snapshot
        con.execute("ROLLBACK")
    finally:
        con.close()


def dump(url: str, snapshot: str, version: int, out: Path) -> None:
    """pg_dump -Fc of the database `url` as the exported `snapshot` sees it, into the file `out`."""
    argv = [program("pg_dump", version), "--format=custom", f"--snapshot={snapshot}", f"--file={out}"]
    dbname, env = _target(url)
    try:
        _run([*argv, dbname], "pg_dump ", env)
    except DumpError:
        out.unlink(missing_ok=True)  # half a dump: the folder stays fit for another try
        raise


def tables(con: psycopg.Connection) -> list[str]:
    """The tables of the database, in every schema but PostgreSQL's own."""
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
        ).fetchall()
    ]


def count(con: psycopg.Connection, table: str) -> int | None:
    """The rows of `table` (a plain name); None when the database has no such table."""
    try:
        return con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    except psycopg.errors.UndefinedTable:
        return None


def check_entries(path: Path, version: int) -> None:
    """The dump holds only what a tracker database holds (tables, their data, sequences, keys, indexes)."""
    done = subprocess.run(
        [program("pg_restore", version), "--list", str(path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise DumpError("备份中的数据库文件不是 pg_dump 的自定义格式，不予恢复", refused=True)
    for line in done.stdout.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        match = _ENTRY.match(line)
        if match is None or match.group(1) not in _ENTRIES:
            raise DumpError(
                f"备份的数据库文件含有本系统不会写入的对象（{line.strip()}），不予恢复", refused=True
            )


def restore(url: str, path: Path, version: int) -> None:
    """pg_restore of the dump `path` into the database `url`, in one transaction: all of it or nothing."""
    argv = [program("pg_restore", version), "--single-transaction", "--exit-on-error", "--no-owner"]
    dbname, env = _target(url)
    _run([*argv, "--no-privileges", dbname, str(path)], "pg_restore ", env)
