"""Words of the login, account and audit screens (Chinese first, English on the sidebar switch).

The words themselves are data: tracker/strings/words/auth.yaml."""

from __future__ import annotations

from tracker.strings.tables import words

_W = words("auth")

ROLE_LABEL = _W.both("ROLE_LABEL")
AUTH = _W.both("AUTH")
ACTION_LABEL = _W.both("ACTION_LABEL")
ACCOUNT = _W.both("ACCOUNT")
AUDIT_COLUMNS = _W.both("AUDIT_COLUMNS")
AUDIT_TARGET = _W.both("AUDIT_TARGET")
AUDIT_FIELD = _W.both("AUDIT_FIELD")
AUDIT_VALUE = _W.both("AUDIT_VALUE")
USER_COLUMNS = _W.both("USER_COLUMNS")
NAV = _W.both("NAV")
GUARD = _W.both("GUARD")
