"""`python -m tracker user …`: accounts from the command line (beside the running app too: tracker/cli/remote.py)."""

from __future__ import annotations

import getpass
import json
import sys

from tracker.access.auth import SYSTEM
from tracker.access.users import AccountError, create_user, list_users, reset_password, set_disabled
from tracker.cli.errors import AccessDenied, UsageError
from tracker.cli.opening import open_db
from tracker.strings.ui import t


def _password(args) -> str:
    if args.password_stdin:
        try:
            return sys.stdin.readline().rstrip("\n")
        except UnicodeDecodeError:
            raise UsageError(
                "标准输入中的密码不是有效的 UTF-8 文本（可能是 GBK 等其他编码保存的文件）："
                "请以 UTF-8 保存或直接输入密码"
            ) from None
    return getpass.getpass("密码：")


def _password_for_app(args) -> tuple[bytes, list[str]]:
    """Sent to the running app, the command cannot ask there: the password is asked here, in the caller's
    terminal (or read from its stdin), and travels as the command's stdin with --password-stdin."""
    if args.password_stdin:
        stream = getattr(sys.stdin, "buffer", None)
        return (stream.readline() if stream else sys.stdin.readline().encode("utf-8")), []
    return (getpass.getpass("密码：") + "\n").encode("utf-8"), ["--password-stdin"]


def cmd_add(args) -> int:
    con = open_db(args.db)
    actor = create_user(con, SYSTEM, args.name, args.role, _password(args), unit=args.unit)
    print(f"已创建账号「{actor.name}」（{t(f'role.{actor.role}')}{'，' + actor.unit if actor.unit else ''}）")
    return 0


def cmd_list(args) -> int:
    users = list_users(open_db(args.db, write=False))
    if args.json:
        print(
            json.dumps(
                users.astype(object).where(users.notna(), None).to_dict("records"),
                ensure_ascii=False,
                default=str,
            )
        )
    else:
        print(_table(users).to_string(index=False) if len(users) else "还没有账号")
    return 0


def _table(users):
    """The accounts as a person reads them: roles and yes/no in words, times to the minute, blanks for none."""
    when = lambda column: users[column].map(lambda v: "" if v is None or v != v else f"{v:%Y-%m-%d %H:%M}")  # noqa: E731
    shown = users.assign(
        role=users["role"].map(lambda r: t(f"role.{r}")),
        unit=users["unit"].fillna(""),
        disabled=users["disabled"].map({True: "是", False: "否"}),
        must_change=users["must_change"].map({True: "是", False: "否"}),
        locked_until=when("locked_until"),
        created_at=when("created_at"),
    )
    return shown.rename(columns=lambda c: t(f"user_col.{c}"))


def cmd_disable(args) -> int:
    set_disabled(open_db(args.db), SYSTEM, args.name, not args.enable)
    print(f"账号「{args.name}」已{'启用' if args.enable else '停用'}")
    return 0


def cmd_reset(args) -> int:
    reset_password(open_db(args.db), SYSTEM, args.name, _password(args))
    print(f"账号「{args.name}」的密码已重置，下次登录时须修改")
    return 0


def _guard(func):
    def run(args) -> int:
        try:
            return func(args)
        except AccountError as exc:
            raise AccessDenied(str(exc)) from None

    return run


def add_commands(sub) -> None:
    user = sub.add_parser("user", help="账号管理").add_subparsers(dest="user_command", required=True)
    p = user.add_parser("add", help="新建账号")
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=["admin", "reporter", "leader"])
    p.add_argument("--unit", help="上报员绑定的单位")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读密码")
    p.set_defaults(func=_guard(cmd_add), stdin=_password_for_app)
    p = user.add_parser("list", help="列出账号")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guard(cmd_list))
    p = user.add_parser("disable", help="停用账号")
    p.add_argument("--name", required=True)
    p.add_argument("--enable", action="store_true", help="重新启用")
    p.set_defaults(func=_guard(cmd_disable))
    p = user.add_parser("reset", help="重置密码")
    p.add_argument("--name", required=True)
    p.add_argument("--password-stdin", action="store_true")
    p.set_defaults(func=_guard(cmd_reset), stdin=_password_for_app)
