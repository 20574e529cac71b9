"""Core subcommands: init, demo, catalogue, evaluate."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os

from tracker import db
from tracker.catalogue import catalogue
from tracker.cli.errors import Refused
from tracker.cli.opening import open_db
from tracker.config import db_path
from tracker.engine.evaluate import evaluate, to_json
from tracker.reports.national_form import is_demo
from tracker.strings import STATUS_LABEL, VETO
from tracker.strings.inspections import CLI

FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def _date(text: str) -> dt.date:
    """An argparse type: a calendar date, refused in Chinese when it is not one."""
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"「{text}」不是日期，应写成 YYYY-MM-DD，如 2023-12-31") from None
    if not FIRST_DATE <= date <= LAST_DATE:  # the campaign's dates; 9999-12-31 would overflow a deadline sum
        raise argparse.ArgumentTypeError(f"{date} 超出范围，应在 {FIRST_DATE} 到 {LAST_DATE} 之间")
    return date


def bounded_int(low: int, high: int):
    """An argparse type: a whole number within [low, high] (no OverflowError deep in a date sum)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"「{text}」不是整数") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} 超出范围，应在 {low} 到 {high} 之间")
        return value

    return parse


def _moment(text: str) -> dt.datetime:
    """A date means the end of that day; a date and time means that moment."""
    if len(text.strip()) <= 10:
        return dt.datetime.combine(dt.date.fromisoformat(text.strip()), dt.time.max)
    return dt.datetime.fromisoformat(text.strip())


def cmd_init(args) -> int:
    con = open_db(args.db)
    print(f"数据库已就绪：{db.db_path(args.db)}（结构版本 {db.schema_version(con)}）")
    return 0


def cmd_demo(args) -> int:
    """The demo goes to data/demo.duckdb unless --db / TRACKER_DB name another file — never to the real
    default file, never beside real submissions."""
    from tracker.config import DEMO_DB, is_real_default
    from tracker.demo import DemoRefused, clear_demo, load_demo

    path = db_path(args.db) if (args.db or os.environ.get("TRACKER_DB")) else DEMO_DB
    if is_real_default(path) and not args.clear:
        raise Refused(f"{path} 是正式数据库，演示数据不载入其中；演示数据默认放在 {DEMO_DB}")
    con = open_db(path)
    try:
        if args.clear:
            counts = clear_demo(con)
            print(
                f"已删除演示数据：{counts['submission']} 份报送、{counts['measurement']} 条测量值（{path}）"
            )
            return 0
        n = load_demo(con, replace=args.replace, actor="cli")
    except DemoRefused as exc:
        raise Refused(str(exc)) from None
    print(
        f"已载入演示数据：{n} 条测量值（{path}）"
        if n
        else f"数据库已有数据，未载入演示数据（用 --replace 重新载入演示数据）：{path}"
    )
    return 0


def catalogue_json() -> dict:
    cat = catalogue()
    return {
        "categories": [{"code": c, "name": n} for c, n in cat.categories.items()],
        "items": [
            {
                "code": i.code,
                "category": i.category,
                "title": i.title,
                "text": i.text,
                "units_text": list(i.units_text),
                "units": list(i.units),
                "metrics": [
                    {
                        "code": m.code,
                        "name": m.name,
                        "unit": m.unit,
                        "period": m.period,
                        "scope": m.scope,
                        "reporter": m.reporter,
                        "rule": m.rule,
                        "national_field": m.national_field,
                        "areas": list(m.areas),
                        "source": m.source,
                    }
                    for m in i.metrics
                ],
            }
            for i in cat.items
        ],
    }


def cmd_catalogue(args) -> int:
    data = catalogue_json()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    for item in data["items"]:
        print(f"{item['code']:>2}. {item['title']}  [{'、'.join(item['units_text'])}]")
        for m in item["metrics"]:
            print(f"     {m['code']:<6} {m['name']}  {m['rule']}")
    return 0


def cmd_evaluate(args) -> int:
    con = open_db(args.db, write=False)
    ev = evaluate(con, args.as_of, known_at=args.known_at)
    if args.json:
        data = to_json(ev)
        data["demo"] = is_demo(con)  # other tools must know generated figures from real ones
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    s = ev.summary
    labels = STATUS_LABEL["zh"]
    print(
        ("" if ev.known_at is None else f"按 {ev.known_at:%Y-%m-%d %H:%M} 时已知的数据，")
        + f"截至 {ev.as_of}：达标 {s['met']}/{s['items']} 项（{s['readiness']:.1%}），"
        f"未达标 {s['not_met']}，数据过期 {s['stale']}，无数据 {s['no_data']}，待核实 {s['pending']}"
    )
    cat = catalogue()
    items = ev.items.sort_values(["veto_risk", "item"], ascending=[False, True])
    metrics = ev.metrics.set_index("metric")
    visits = ev.inspection_vetoes
    for row in items.itertuples(index=False):
        item = cat.item(row.item)
        flag = f" 【{VETO}】" if row.veto_risk else ""
        print(f"{item.code:>2}. {item.title:<14} {labels[row.status]}{flag}")
        for f in visits[visits["item"] == row.item].itertuples(index=False) if len(visits) else ():
            print("      " + CLI["veto_visit"].format(finding=f.finding, site=f.site, street=f.street or "—",
                                                    description=f.description, unit=f.unit))  # fmt: skip
        for m in item.metrics:
            if metrics.loc[m.code, "status"] != "met":
                print(
                    f"      {m.code:<6} {labels[metrics.loc[m.code, 'status']]:<4} {metrics.loc[m.code, 'reason']}"
                )
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("init", help="创建或升级数据库")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("demo", help="载入演示数据（默认 data/demo.duckdb；有真实报送的数据库拒绝载入）")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--replace", action="store_true", help="删除已有演示数据后重新载入（真实数据不受影响）")
    how.add_argument("--clear", action="store_true", help="只删除演示数据（记入审计日志）")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("catalogue", help="列出指标目录")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_catalogue)
    p = sub.add_parser("evaluate", help="评估截至某日的达标情况")
    p.add_argument("--as-of", type=_date, default=dt.date.today(), help="YYYY-MM-DD，默认今天")
    p.add_argument(
        "--known-at",
        type=_moment,
        default=None,
        help="只用此时刻前录入的数据（YYYY-MM-DD 即当天结束，或 YYYY-MM-DDTHH:MM），默认用现在已知的全部数据",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)
