"""`python -m tracker report | national-form | late | tasks`: the creation office's documents and boards."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from tracker.access.auth import SYSTEM
from tracker.cli.core import _date, bounded_int
from tracker.cli.errors import UsageError
from tracker.cli.opening import open_db
from tracker.office import completeness, tasks
from tracker.reports import briefing, ledger_export, national_form
from tracker.strings.formats import cn_date, pct
from tracker.strings.office import CLI, TASK_STATUS


def _out(path: str, allowed: tuple[str, ...], message: str) -> Path:
    out = Path(path)
    if out.suffix.lower() not in allowed:
        raise UsageError(message)
    if out.is_dir():
        raise UsageError(f"{out} 是一个目录，请给出文件名")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"无法创建输出目录 {out.parent}：{exc.strerror}") from None
    return out


def cmd_report(args) -> int:
    out = _out(args.out, (".docx", ".xlsx"), CLI["report_suffix"])
    con = open_db(args.db, write=False)
    data, b = briefing.write(
        con, args.as_of, out.suffix.lower(), charts=not args.no_charts, known_then=args.known_then
    )
    out.write_bytes(data)
    s = b.summary
    print(CLI["written"].format(path=out))
    print(
        CLI["report_summary"].format(
            date=cn_date(b.as_of),
            met=s["met"],
            total=s["items"],
            pct=pct(s["readiness"]),
            veto="、".join(f"第{i}项" for i in s["veto_risks"]) or "无",
            late="、".join(b.late_units) or "无",
            overdue=len(b.overdue),
        )
    )
    if b.chart_note:
        print(b.chart_note, file=sys.stderr)
    return 0


def cmd_national_form(args) -> int:
    out = _out(args.out, (".json", ".xlsx"), CLI["national_suffix"])
    con = open_db(args.db, write=False)
    filled = national_form.fill(con, args.year, args.form, as_of=args.as_of)
    if out.suffix.lower() == ".json":
        out.write_text(filled.to_json() + "\n", encoding="utf-8")
    else:
        out.write_bytes(national_form.to_xlsx(filled))
    print(CLI["written"].format(path=out))
    if filled.missing:
        print(CLI["national_missing"].format(n=len(filled.missing)))
        for m in filled.missing:
            print(f"  {m['key']:<40} {m['label']}：{m['why']}")
    else:
        print(CLI["national_complete"])
    return 0


def cmd_late(args) -> int:
    con = open_db(args.db, write=False)
    since = completeness.default_since(args.as_of)
    board = completeness.late_board(con, args.as_of, since)
    if args.json:
        records = [
            {
                "unit": r.unit,
                "due": int(r.due),
                "on_time": int(r.on_time),
                "late": int(r.late),
                "missing": int(r.missing),
                "on_time_rate": r.on_time_rate,
                "owed": list(r.owed),
                "sent_late": list(r.late_list),
            }
            for r in board.itertuples(index=False)
        ]
        print(json.dumps({"as_of": args.as_of.isoformat(), "since": since.isoformat(), "late_units": records},
                         ensure_ascii=False, indent=1))  # fmt: skip
        return 0
    if board.empty:
        print(CLI["late_none"].format(date=args.as_of))
        return 0
    print(CLI["late_header"].format(date=args.as_of, since=since))
    for r in board.itertuples(index=False):
        print(
            CLI["late_line"].format(
                unit=r.unit, due=r.due, late=r.late, missing=r.missing, rate=pct(r.on_time_rate)
            )
        )
        for what in r.owed:
            print(CLI["late_owed"].format(what=what))
    return 0


def cmd_tasks(args) -> int:
    out = _out(args.out, ledger_export.SUFFIXES, CLI["ledger_suffix"]) if args.out else None
    con = open_db(args.db, write=args.open_auto)  # the ledger alone reads; --open-auto writes
    if args.open_auto:
        ids = tasks.open_auto_tasks(con, args.as_of, SYSTEM, days=args.days)
        print(CLI["tasks_opened"].format(n=len(ids)))
    if out is not None:
        out.write_bytes(ledger_export.write(con, args.as_of, out.suffix.lower()))
        print(CLI["written"].format(path=out))
        return 0
    frame = tasks.ledger(con, args.as_of)
    if args.json:
        print(frame.to_json(orient="records", force_ascii=False, date_format="iso", indent=1))
        return 0
    if frame.empty:
        print(CLI["tasks_none"])
    for r in frame.itertuples(index=False):
        print(
            CLI["task_line"].format(
                id=r.id,
                status=TASK_STATUS[r.status],
                overdue=CLI["overdue_mark"].format(days=int(r.days_overdue)) if r.overdue else "",
                owner=r.owner_unit,
                metric=r.metric,
                deadline=r.deadline,
                description=r.description,
            )
        )
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("report", help="生成工作进展通报（.docx 或 .xlsx）")
    p.add_argument("--as-of", type=_date, default=dt.date.today(), help="YYYY-MM-DD，默认今天")
    p.add_argument("--out", required=True, help="输出文件，后缀 .docx 或 .xlsx")
    p.add_argument("--no-charts", action="store_true", help="Word 通报不插入图表")
    p.add_argument("--known-then", action="store_true", help="按当时已知：只计截至日当天已录入的数据")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("national-form", help="填写国家卫生城市（县）评估表（.json 或 .xlsx）")
    p.add_argument("--year", type=bounded_int(2000, 2100), required=True, help="统计年度，如 2023")
    p.add_argument(
        "--form", choices=national_form.FORMS, default="city", help="city 卫生城市 / county 卫生县"
    )
    p.add_argument("--out", required=True, help="输出文件，后缀 .json 或 .xlsx")
    p.add_argument("--as-of", type=_date, default=dt.date.today(), help="附带的达标判定截至日，默认今天")
    p.set_defaults(func=cmd_national_form)
    p = sub.add_parser("late", help="迟报单位")
    p.add_argument("--as-of", type=_date, default=dt.date.today(), help="YYYY-MM-DD，默认今天")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_late)
    p = sub.add_parser("tasks", help="整改台账（--open-auto 为新的未达标指标自动立项）")
    p.add_argument("--as-of", type=_date, default=dt.date.today(), help="YYYY-MM-DD，默认今天")
    p.add_argument("--open-auto", action="store_true", help="按该日评估为新的未达标指标自动立项")
    p.add_argument(
        "--days",
        type=bounded_int(1, 3650),
        default=tasks.DEFAULT_DAYS,
        help="自动立项的整改期限（天，1–3650）",
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", help="把整改台账写成可打印的文件，后缀 .xlsx 或 .docx")
    p.set_defaults(func=cmd_tasks)
