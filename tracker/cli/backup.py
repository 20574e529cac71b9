"""`python -m tracker backup | restore | audit verify`."""

from __future__ import annotations

from tracker import backup
from tracker.access import audit
from tracker.cli import opening as cli_db
from tracker.cli.errors import Refused, UsageError


def _error(exc: backup.BackupError):
    return Refused(str(exc)) if exc.refused else UsageError(str(exc))


def cmd_backup(args) -> int:
    con = cli_db.open_db(args.db)  # it writes: the backup's own audit entry
    try:
        manifest = backup.backup(con, args.out, "cli")
    except backup.BackupError as exc:
        raise _error(exc) from None
    rows = manifest["tables"]
    print(
        f"已备份到 {args.out}：{rows.get('submission', 0)} 份报送（含原始文件）、{rows.get('measurement', 0)} 条测量值、"
        f"{rows.get('app_user', 0)} 个账号、{rows.get('task', 0)} 项整改任务、{rows.get('audit_log', 0)} 条审计日志"
    )
    return 0


def cmd_restore(args) -> int:
    if not args.db:
        raise UsageError(
            "请用 --db 指定恢复到的新数据库文件，或新建的空 PostgreSQL 数据库（恢复不覆盖已有数据库）"
        )
    try:
        done = backup.restore(args.folder, args.db, args.key)
    except backup.BackupError as exc:
        raise _error(exc) from None
    rows = done.counts
    print(
        f"已恢复到 {done.path}：{rows.get('submission', 0)} 份报送、{rows.get('measurement', 0)} 条测量值、"
        f"{rows.get('app_user', 0)} 个账号、{rows.get('audit_log', 0)} 条审计日志"
    )
    print(done.audit.message)
    return 0 if done.audit.ok else Refused.exit_code


def cmd_audit_verify(args) -> int:
    check = audit.verify(cli_db.open_db(args.db, write=False))
    if not check.ok:
        raise Refused(check.message)
    print(check.message)
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("backup", help="备份整个数据库（测量值、原始文件、账号、任务、审计日志）到新目录")
    p.add_argument("--out", required=True, help="新的备份目录")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser(
        "restore", help="从备份目录恢复到新的数据库文件或空的 PostgreSQL 数据库（--db，不覆盖已有数据库）"
    )
    p.add_argument("folder", help="备份目录（应用里下载的 zip 先解压）")
    p.add_argument(
        "--key",
        help="做这份备份的系统的密钥文件（默认：新数据库旁的 tracker.key，或 TRACKER_KEY）；恢复后复制到新数据库旁",
    )
    p.set_defaults(func=cmd_restore)
    group = sub.add_parser("audit", help="审计日志").add_subparsers(dest="audit_command", required=True)
    p = group.add_parser("verify", help="检查审计日志的哈希链是否完整，指出断点")
    p.set_defaults(func=cmd_audit_verify)
