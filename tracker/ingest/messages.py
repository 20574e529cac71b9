"""The words of a refusal or warning as SQL: message templates from tracker.strings.upload become concat() calls of
bound words and the SQL of their arguments; a list of (condition, message) becomes the row's VARCHAR[]."""

from __future__ import annotations

import re

from tracker.strings.upload import REFUSE


class Sql:
    """Collects bound parameters for message templates while a query is written."""

    def __init__(self) -> None:
        self.params: dict[str, object] = {}

    def bind(self, name: str, value: object) -> str:
        self.params[name] = value
        return f"${name}"

    def msg(self, table: dict, key: str, **args: str) -> str:
        """The message as a concat() of its bound words and the SQL of its arguments: half the cost of
        format() when every row of a million warns, and a NULL argument leaves a blank, not a NULL message
        that the list of reasons would drop."""
        pieces = re.split(r"\{(\w+)\}", table[key])  # words, name, words, name, …, words
        prefix = f"t_{'r' if table is REFUSE else 'w'}_{key}"
        parts = [
            args[piece] if i % 2 else self.bind(f"{prefix}_{i // 2}", piece)
            for i, piece in enumerate(pieces)
            if i % 2 or piece
        ]
        return f"concat({', '.join(parts)})"


def hits(checks: list[tuple[str, str]]) -> str:
    """The messages whose condition holds, as a VARCHAR[]. The list is built only for the rows where some
    condition holds: a 30-element list for every row cost ~1 s per million rows."""
    some = " OR ".join(f"({cond})" for cond, _ in checks)
    items = ",\n                ".join(f"CASE WHEN {cond} THEN {text} END" for cond, text in checks)
    return f"""CASE WHEN {some} THEN list_filter([
                {items}
            ], lambda x: x IS NOT NULL) ELSE []::VARCHAR[] END"""
