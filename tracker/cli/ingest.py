"""`python -m tracker import | template | submissions`."""

from __future__ import annotations

import json
from pathlib import Path

from tracker.access.auth import Actor, PermissionDenied
from tracker.access.users import AccountError, get_actor
from tracker.catalogue import catalogue
from tracker.cli.errors import AccessDenied, UsageError
from tracker.cli.opening import open_db
from tracker.config import settings
from tracker.ingest.submissions import list_submissions
from tracker.ingest.templates import template, template_metrics
from tracker.ingest.uploads import upload
from tracker.strings.upload import CLI, COLUMNS, FILE, OUTCOME_LABEL

CLI_ACTOR = Actor("cli", "admin")  # the command line acts as the office unless --as-user says otherwise


def cmd_import(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(CLI["no_file"].format(path=path))
    limit = settings().get("max_upload_mb", 25)
    size = path.stat().st_size
    if size > limit * 1024 * 1024:  # refused before it is read: a 2 GB file took 10.6 GB of memory
        raise UsageError(FILE["too_big"].format(size=size / 1024 / 1024, limit=limit))
    con = open_db(args.db)
    try:  # scripted uploads pass the same checks as the app's: --as-user names the account
        actor = get_actor(con, args.as_user) if args.as_user else CLI_ACTOR
        result = upload(
            con, actor, path.name, path.read_bytes(), unit=args.unit, dry_run=args.dry_run, sheet=args.sheet
        )
    except (AccountError, PermissionDenied) as exc:
        raise AccessDenied(str(exc)) from None
    return report_import(result, args.json)


def report_import(result, as_json: bool) -> int:
    """An import's result on stdout (JSON, or its message and each refused/warned row) and its exit code:
    0 rows taken (or a duplicate), 1 nothing taken, 2 the file failed. Shared by `import` and `findings import`."""
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    else:
        print(result.message)
        for row in result.refused_rows:
            for line in row.lines():
                print(f"  ✗ {line}")
        for row in result.warned_rows:
            for line in row.lines():
                print(f"  ! {line}")
        if result.warnings > len(result.warned_rows):
            print(
                f"  ! {CLI['warned_more'].format(n=result.warnings - len(result.warned_rows), id=result.submission)}"
            )
    if result.outcome == "failed":
        return 2
    return 0 if result.accepted or result.duplicate else 1


def cmd_template(args) -> int:
    unit = catalogue().resolve_unit(args.unit)
    if unit is None:
        raise UsageError(FILE["unknown_sender"].format(unit=args.unit))
    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise UsageError(CLI["template_suffix"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(template(unit, out.suffix))
    print(CLI["template_written"].format(path=out, n=len(template_metrics(unit))))
    return 0


def cmd_submissions(args) -> int:
    unit = catalogue().resolve_unit(args.unit) if args.unit else None
    if args.unit and unit is None:  # an unknown unit lists nothing rather than every unit
        raise UsageError(FILE["unknown_sender"].format(unit=args.unit))
    con = open_db(args.db, write=False)
    frame = list_submissions(con, unit)
    if args.json:
        records = frame.astype({"submitted_at": str, "is_demo": bool, "file_dropped": bool}).to_dict(
            "records"
        )
        print(json.dumps(records, ensure_ascii=False, indent=1, default=str))
        return 0
    if frame.empty:
        print(CLI["submissions_none"])
        return 0
    for s in frame.itertuples(index=False):
        print(
            f"#{s.id:<5} {s.submitted_at:%Y-%m-%d %H:%M}  {s.unit or '（按行）'}  {s.file_name}  "
            f"{OUTCOME_LABEL.get(s.outcome, s.outcome)}  {COLUMNS['accepted']} {s.accepted} / "
            f"{COLUMNS['refused']} {s.refused} / {COLUMNS['warned']} {s.warned}  {s.message or ''}"
            + (f"  （{CLI['file_dropped']}）" if s.file_dropped else "")
        )
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("import", help="导入部门上报的 CSV / Excel 文件")
    p.add_argument("file", help=".csv 或 .xlsx 文件")
    p.add_argument("--unit", help="报送单位（任意别名）；不填则按文件中每行的“单位”列")
    p.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    p.add_argument("--sheet", help="Excel 工作表名（默认第一个）")
    p.add_argument("--as-user", help="以该账号的身份导入（与网页上传同样的权限检查）")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("template", help="生成某单位的填报模板（.xlsx 或 .csv）")
    p.add_argument("--unit", required=True, help="单位（任意别名）")
    p.add_argument("--out", required=True, help="输出文件，后缀 .xlsx 或 .csv")
    p.set_defaults(func=cmd_template)
    p = sub.add_parser("submissions", help="列出报送记录")
    p.add_argument("--unit", help="只看某单位")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_submissions)


__all__ = ["add_commands"]
