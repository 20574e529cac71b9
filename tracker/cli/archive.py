"""`python -m tracker archive export OUT.zip [--item N …]`: the review archive (导出档案), streamed to disk."""

from __future__ import annotations

from tracker.catalogue import catalogue
from tracker.cli.errors import UsageError
from tracker.cli.office import _out
from tracker.cli.opening import open_db
from tracker.office.evidence import size_text
from tracker.reports import archive


def cmd_export(args) -> int:
    out = _out(args.out, (".zip",), "档案压缩包的文件名应以 .zip 结尾")
    cat = catalogue()
    codes = {i.code for i in cat.items}
    unknown = [str(n) for n in args.item or () if n not in codes]
    if unknown:
        raise UsageError(f"没有第{'、'.join(unknown)}项（项目编号为 1–{max(codes)}）")
    con = open_db(args.db, write=False)
    done = archive.write_archive(con, out, args.item or None, cat)
    missing = len(set(args.item or codes)) - done.items  # what a 资料审核 looks for first
    print(
        f"已写入 {out}：{done.items} 个项目，{done.files} 个文件（{size_text(done.bytes_in)}），附 {archive.INDEX}"
        + (f"；{missing} 个项目缺材料（见目录）" if missing else "")
    )
    return 0


def add_commands(sub) -> None:
    group = sub.add_parser("archive", help="档案资料").add_subparsers(dest="archive_command", required=True)
    p = group.add_parser(
        "export", help="导出档案：每个项目一个文件夹，附 目录.xlsx（逐个文件写入，不占大量内存）"
    )
    p.add_argument("out", help="输出的 .zip 文件")
    p.add_argument("--item", type=int, action="append", help="只导出该项目（可重复）；默认全部项目")
    p.set_defaults(func=cmd_export)
