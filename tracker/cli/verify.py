"""`python -m tracker verify`: the office confirms a unit's 「是」 on a checklist metric (核实)."""

from __future__ import annotations

from tracker.access.auth import SYSTEM, PermissionDenied
from tracker.access.users import AccountError, get_actor
from tracker.cli.errors import AccessDenied, NothingAccepted, UsageError
from tracker.cli.opening import open_db
from tracker.office.verification import VerificationError, verify


def cmd_verify(args) -> int:
    """0: verified, or already verified (it says so); 1: nothing to confirm (no answer, 「否」, another unit's);
    2: what was asked names no answer (unknown metric, not a yes/no metric, bad period, no note); 3: the account
    may not verify, or does not exist."""
    con = open_db(args.db)
    try:  # --as-user passes the same permission checks as the app; without it the office acts
        actor = get_actor(con, args.as_user) if args.as_user else SYSTEM
        result = verify(con, args.metric, args.period, actor, args.note, unit=args.unit, area=args.area)
    except (AccountError, PermissionDenied) as exc:
        raise AccessDenied(str(exc)) from None
    except VerificationError as exc:
        raise (UsageError if exc.bad_input else NothingAccepted)(str(exc)) from None
    print(result.message)
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("verify", help="创卫办核实单位报送的核查项（是/否）答复")
    p.add_argument("--metric", required=True, help="指标编号或名称，如 2.2")
    p.add_argument("--period", required=True, help="期间，如 2025、2025年第四季度、2025-06")
    p.add_argument("--unit", help="答复单位（可选，须与当前答复的单位一致）")
    p.add_argument("--area", help="区域（按街道乡镇报送的指标）")
    p.add_argument("--note", required=True, help="核实依据：现场检查记录、材料名称或文号")
    p.add_argument("--as-user", help="以该账号的身份核实（与网页同样的权限检查）")
    p.set_defaults(func=cmd_verify)
