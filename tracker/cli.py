"""`python -m tracker …`: the command line. Each feature module adds its own subcommands."""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from tracker.catalogue import CatalogueError
from tracker.cli_errors import CliError

# Modules exposing add_commands(subparsers); each subcommand sets `func(args) -> int`.
COMMAND_MODULES = ("tracker.cli_core", "tracker.ingest.cli", "tracker.user_cli", "tracker.office_cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tracker", description="创卫指标达标监测")
    parser.add_argument("--db", help="数据库文件（默认 TRACKER_DB 或 data/tracker.duckdb）")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        import_module(name).add_commands(sub)
    _accept_db_after(sub)
    return parser


def _accept_db_after(sub) -> None:
    """`--db` also after the (sub)subcommand: `python -m tracker user list --db x.duckdb`."""
    for command in sub.choices.values():
        nested = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
        if nested:
            _accept_db_after(nested[0])
        else:
            command.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CatalogueError as exc:
        print(exc, file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.exit_code
