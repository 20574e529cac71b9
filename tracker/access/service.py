"""A service's common set-up, written once (as dbt's decorators do a command's): the log line, the acting user
re-checked against the stored account, the permission, and one write transaction around the body.

    @service("open_task", "task_manage")
    def open_task(con, actor, metric, ...):
        ...  # `actor` is the re-checked one; the body's rows and its audit entry land together or not at all

The service keeps its signature: the decorator finds `con` and `actor` among the arguments by name. The body
writes its own audit entry (audit.record: the target, before and after are the service's own); inside the
decorator's transaction a raising body leaves no row and no entry. A refusal the service audits (`refused`) is
written after the set-up refused, outside the body's transaction, so it stays."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import duckdb

from tracker import db, logs
from tracker.access import audit
from tracker.access.auth import Actor, PermissionDenied, require

# What a permission hook returns: an action of tracker.access.auth.can, with the unit it is for; None when the
# service has no check to make here (the body then refuses with its own message, e.g. an unknown target).
Permission = str | tuple[str, str | None] | None
PermissionHook = Callable[[duckdb.DuckDBPyConnection, Actor, dict[str, Any]], Permission]
TargetHook = Callable[[duckdb.DuckDBPyConnection, dict[str, Any]], str | None]


def service(
    name: str,
    permission: str | PermissionHook | None = None,
    *,
    refused: tuple[str, TargetHook] | None = None,
    transaction: bool = True,
    password_change: bool = False,
):
    """Decorate a service function taking `con` and `actor` arguments.

    name: the action of the log line (tracker.logs.action).
    permission: an action for tracker.access.auth.require, or a hook (con, actor, arguments) → action or
        (action, unit) when the unit comes from a stored row (a task's owner); None: the body checks.
    refused: (audit action, hook (con, arguments) → target): a refused re-check or permission is audited so.
    transaction: False for a body that must keep what it wrote when it raises (a failed password check
        counts towards the lockout).
    password_change: the one service allowed while the account's password must still be changed."""

    def wrap(fn):
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def run(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = bound.arguments
            con, session = arguments["con"], arguments["actor"]
            with logs.action(getattr(session, "name", "system"), name):
                arguments["actor"] = _set_up(con, session, arguments, permission, refused, password_change)
                if not transaction:
                    return fn(*bound.args, **bound.kwargs)
                with db.transaction(con):
                    return fn(*bound.args, **bound.kwargs)

        return run

    return wrap


def _set_up(con, session: Actor, arguments: dict, permission, refused, password_change: bool) -> Actor:
    """The stored account behind `session`, allowed to act; a refusal audited when the service says so."""
    # Imported here: tracker.access.users decorates its own services with `service`.
    from tracker.access.users import current_actor, stored_account

    actor = session
    try:
        actor = stored_account(con, session).actor if password_change else current_actor(con, session)
        wanted = permission(con, actor, arguments) if callable(permission) else permission
        if wanted is not None:
            require(actor, *((wanted,) if isinstance(wanted, str) else wanted))
    except PermissionDenied as exc:
        if refused is not None:
            action, target = refused
            audit.record(con, actor.name, action, target(con, arguments), detail=str(exc))
        raise
    return actor
