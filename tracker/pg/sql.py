"""Reading the tracker's SQL as the PostgreSQL adapter needs it: split a script into statements, name what a
statement touches (its words outside literals), tell which table it writes, and bind DuckDB's `?` / `$name`
parameters as psycopg's `%s` / `%(name)s`. A small scanner, not a parser: the tracker's SQL is its own."""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TARGET = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|MERGE\s+INTO|"
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:TEMP|TEMPORARY)\s+)?(?:TABLE|SEQUENCE|VIEW|MACRO|INDEX\s+\w+\s+ON)"
    r"(?:\s+IF\s+NOT\s+EXISTS)?|ALTER\s+(?:TABLE|SEQUENCE)|DROP\s+(?:TABLE|SEQUENCE|VIEW|MACRO)(?:\s+IF\s+EXISTS)?)"
    r"\s+(?:(?:main|temp|public)\.)?([A-Za-z_][A-Za-z0-9_]*)",
    re.IGNORECASE,
)
WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE"})
DDL = frozenset({"CREATE", "ALTER", "DROP"})


def _chunks(sql: str):
    """(text, is_code) pieces of `sql`: code, or a quoted literal / identifier / comment kept as it is."""
    i, n, start = 0, len(sql), 0
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            if i > start:
                yield sql[start:i], True
            j = i + 1
            while j < n:
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:  # a doubled quote inside the literal
                        j += 2
                        continue
                    break
                j += 1
            yield sql[i : j + 1], False
            i = start = j + 1
        elif sql.startswith("--", i):
            if i > start:
                yield sql[start:i], True
            j = sql.find("\n", i)
            j = n if j < 0 else j
            yield sql[i:j], False
            i = start = j
        else:
            i += 1
    if start < n:
        yield sql[start:], True


def split(sql: str) -> list[str]:
    """The statements of a script, comments dropped, empty ones left out."""
    statements, current = [], []
    for text, code in _chunks(sql):
        if not code:
            if not text.startswith("--"):
                current.append(text)
            continue
        parts = text.split(";")
        current.append(parts[0])
        for part in parts[1:]:
            statements.append("".join(current))
            current = [part]
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip()]


def words(sql: str) -> set[str]:
    """Every identifier-like word outside literals and comments, lower case."""
    return {w.lower() for text, code in _chunks(sql) if code for w in _WORD.findall(text)}


def verb(sql: str) -> str:
    """The statement's first keyword, upper case (WITH … INSERT counts as the INSERT)."""
    code = " ".join(text for text, is_code in _chunks(sql) if is_code)
    found = _WORD.findall(code)
    first = found[0].upper() if found else ""
    if first == "WITH":
        for word in found[1:]:
            if word.upper() in WRITES:
                return word.upper()
        return "SELECT"
    return first


def target(sql: str) -> str | None:
    """The table (or sequence) a writing or DDL statement writes, lower case; None for anything else."""
    code = "".join(text if is_code else " '' " for text, is_code in _chunks(sql))
    found = _TARGET.match(code)
    return found.group(1).lower() if found else None


def is_temp(sql: str) -> bool:
    """Whether a CREATE makes a temporary object (it lives in this process's replica only)."""
    return bool(re.match(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP|TEMPORARY)\b", sql, re.IGNORECASE))


def pyformat(sql: str) -> str:
    """DuckDB's `?` and `$name` parameters as psycopg's `%s` and `%(name)s`; every literal `%` doubled."""
    out = []
    for text, code in _chunks(sql):
        text = text.replace("%", "%%")
        if code:
            text = re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)", r"%(\1)s", text.replace("?", "%s"))
        out.append(text)
    return "".join(out)
