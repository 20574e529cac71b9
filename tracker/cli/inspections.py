"""`python -m tracker findings import FILE [--round R] [--dry-run] [--json]` and
`python -m tracker findings list [--status open|overdue|closed] [--json]`: inspection findings from the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tracker.access.auth import PermissionDenied
from tracker.access.users import AccountError, get_actor
from tracker.cli.core import _date
from tracker.cli.errors import AccessDenied, UsageError
from tracker.cli.ingest import CLI_ACTOR, report_import
from tracker.cli.opening import open_db
from tracker.inspections import findings
from tracker.inspections.imports import import_findings
from tracker.inspections.sites import InspectionError
from tracker.strings.inspections import CLI, STATUS

LIST_STATUSES = ("open", "overdue", "closed")


def cmd_import(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(CLI["no_file"].format(path=path))
    con = open_db(args.db)
    try:
        actor = get_actor(con, args.as_user) if args.as_user else CLI_ACTOR
        result = import_findings(
            con, actor, path.name, path.read_bytes(), round_id=args.round, dry_run=args.dry_run
        )
    except (AccountError, PermissionDenied) as exc:
        raise AccessDenied(str(exc)) from None
    except InspectionError as exc:
        raise UsageError(str(exc)) from None
    return report_import(result, args.json)


def cmd_list(args) -> int:
    con = open_db(args.db, write=False)
    frame = findings.findings(con, args.as_of)
    if args.status == "open":
        frame = frame[frame["status"] != "closed"]
    elif args.status == "overdue":
        frame = frame[frame["overdue"]]
    elif args.status == "closed":
        frame = frame[frame["status"] == "closed"]
    if args.json:
        print(frame.to_json(orient="records", force_ascii=False, date_format="iso", indent=1))
        return 0
    if frame.empty:
        print(CLI["none"])
    for r in frame.itertuples(index=False):
        print(
            CLI["line"].format(
                id=r.id,
                status=STATUS[r.status],
                overdue=CLI["overdue"] if r.overdue else "",
                repeat=CLI["repeat"] if r.repeated else "",
                severity=r.severity,
                street=r.street or "—",
                site=r.site,
                type=r.site_type,
                item=r.item,
                check=r.check_code,
                description=r.description,
                unit=r.unit,
                deadline=r.deadline,
            )  # fmt: skip
        )
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("findings", help="检查与暗访发现的问题")
    nested = p.add_subparsers(dest="findings_command", required=True)
    q = nested.add_parser("import", help="导入检查组填写的问题表（.xlsx 或 .csv）")
    q.add_argument("file", help=".csv 或 .xlsx 文件")
    q.add_argument("--round", type=int, help="检查轮次编号；不填则按检查类型和日期归入轮次")
    q.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")
    q.add_argument("--json", action="store_true", help="以 JSON 输出结果（与 import 相同）")
    q.add_argument("--as-user", help="以该账号的身份导入")
    q.set_defaults(func=cmd_import)
    q = nested.add_parser("list", help="列出问题")
    q.add_argument("--status", choices=LIST_STATUSES, help="open 未销号 / overdue 逾期 / closed 已销号")
    q.add_argument("--as-of", type=_date, default=dt.date.today(), help="YYYY-MM-DD，默认今天")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)


__all__ = ["add_commands"]
