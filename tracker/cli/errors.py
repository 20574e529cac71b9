"""The command line's one error type: every expected failure is a CliError with a Chinese message and a
documented exit code (README, 「退出码」); `tracker.cli.main` prints it without a traceback."""

from __future__ import annotations


class CliError(Exception):
    """An expected failure: its message is shown as is (「错误：…」), its class fixes the exit code."""

    exit_code = 1


class NothingAccepted(CliError):
    """1 — the command ran, but the data was refused (an import with every row refused)."""

    exit_code = 1


class UsageError(CliError):
    """2 — bad arguments or input: a missing file, a wrong suffix, an unknown unit, an invalid catalogue."""

    exit_code = 2


class AccessDenied(CliError):
    """3 — the account named by --as-user may not do this, or does not exist."""

    exit_code = 3


class DatabaseBusy(CliError):
    """4 — another process holds the database file: an app that takes no command, or another command; or
    PostgreSQL went away while the command ran (a restart): nothing was done, try again."""

    exit_code = 4


class DatabaseUnusable(CliError):
    """5 — the path is not a usable database: a directory, not a DuckDB file, unreadable; an older schema for a
    read-only command."""

    exit_code = 5


class Refused(CliError):
    """6 — refused to protect the data: the demo into a database with real submissions, restore over a file."""

    exit_code = 6


INTERNAL_ERROR = 70  # an unexpected failure: a short message with an error id, the traceback in the log

EXIT_CODES = {
    0: "成功",
    1: NothingAccepted.__doc__,
    2: UsageError.__doc__,
    3: AccessDenied.__doc__,
    4: DatabaseBusy.__doc__,
    5: DatabaseUnusable.__doc__,
    6: Refused.__doc__,
    INTERNAL_ERROR: "unexpected error",
}
