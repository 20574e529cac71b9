"""Who may do what. Enforced in the service functions (ingest, tasks, acceptance, users), not only by
hiding pages: every service takes the acting user, and `require` is checked before it changes anything
(tracker.access.service)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.catalogue import OFFICE
from tracker.strings.ui import t

ROLES = ("admin", "reporter", "leader")


class PermissionDenied(Exception):
    """The acting user may not do this; the message says why, in Chinese."""


@dataclass(frozen=True)
class Actor:
    name: str
    role: str  # admin (创卫办) | reporter (bound to one unit) | leader (reads only)
    unit: str | None = None
    # A digest of the account's password hash when the actor came from a sign-in: a password change or reset
    # elsewhere makes it stale, and tracker.access.users.current_actor then refuses the session. None for actors made
    # in code (the command line, services, tests), which have no session to end. Not part of equality.
    stamp: str | None = field(default=None, compare=False, repr=False)

    @property
    def acts_for(self) -> str | None:
        """The unit this user reports for: the office for administrators, their own unit for reporters."""
        return OFFICE if self.role == "admin" else self.unit if self.role == "reporter" else None


# The command line and tests act as the office unless told otherwise (`--as-user NAME`).
SYSTEM = Actor("system", "admin")


def can(actor: Actor, action: str, unit: str | None = None) -> bool:
    """Actions: read, upload, task_update (for a unit), task_manage, accept, verify, manage_users."""
    if action == "read":
        return True
    if actor.role == "admin":
        return True
    if actor.role == "reporter" and action in ("upload", "task_update"):
        return unit is not None and unit == actor.unit
    return False


def require(actor: Actor, action: str, unit: str | None = None) -> None:
    if can(actor, action, unit):
        return
    if actor.role == "leader":
        raise PermissionDenied(t("account.denied_leader"))
    if actor.role == "reporter" and action in ("upload", "task_update"):
        raise PermissionDenied(
            t("account.denied_unit", name=actor.name, unit=actor.unit, other=unit or t("account.other_unit"))
        )
    raise PermissionDenied(t("account.denied_office"))
