"""The audit log as a clerk reads it: actions in words, targets as 「问题 16」, and what changed as 「字段：旧 → 新」.

The log itself keeps its record as written (JSON before / after, `finding:16`); only its showing is put into
words here, in the page's language. A field with no word of its own is left out of the summary rather than shown
by its code name (ids, hashes and timestamps of the row's own bookkeeping)."""

from __future__ import annotations

import json

import pandas as pd

from tracker.strings.ui import code_word, has, kind_word, severity_word, t, type_word

SHOWN = 6  # fields listed for a created row: enough to recognise it, not the whole record
# Fields whose value is a word the office's tables hold in Chinese (a finding's severity, a round's kind, a site's
# type): shown in the page's language, as on the inspections page.
FIELD_WORDS = {"severity": severity_word, "kind": kind_word, "type": type_word}


def target_text(target: object) -> str:
    """`finding:16` → 「问题 16」; a target of no known kind (an account, a file name) as stored."""
    if not isinstance(target, str) or not target:
        return ""
    kind, sep, rest = target.partition(":")
    if sep and has(f"audit_target.{kind}"):
        return t(f"audit_target.{kind}", id=rest)
    return target


def _value(value: object, field: str = "") -> str:
    if field in FIELD_WORDS and isinstance(value, str):
        return FIELD_WORDS[field](value)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return t("audit_value.true") if value else t("audit_value.false")
    if isinstance(value, list):
        return "、".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "…"
    text = str(value)
    return t(f"audit_value.{text}") if has(f"audit_value.{text}") else text


def _load(raw: object) -> dict:
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def changes_text(before_json: object, after_json: object) -> str:
    """What changed, field by field in words: 「状态：待复查 → 已销号；销号原因：— → 复查合格」; for a row
    created (or removed) its main fields 「名称：…；类型：…」."""
    before, after = _load(before_json), _load(after_json)
    named = lambda keys: [k for k in keys if has(f"audit_field.{k}")]  # noqa: E731
    if before and after:
        keys = named(k for k in {**before, **after} if before.get(k) != after.get(k))
        parts = [
            f"{t(f'audit_field.{k}')}：{_value(before.get(k), k)} → {_value(after.get(k), k)}" for k in keys
        ]
    else:
        row = after or before
        parts = [f"{t(f'audit_field.{k}')}：{_value(row[k], k)}" for k in named(row)[:SHOWN]]
    return t("audit_separator").join(parts)


def readable(log: pd.DataFrame) -> pd.DataFrame:
    """The log's rows in words, columns named in the page's language (the page and its CSV export)."""
    shown = pd.DataFrame(
        {
            "id": log["id"],
            "happened_at": pd.to_datetime(log["happened_at"]).dt.floor("s"),  # stored to the microsecond
            "actor": log["actor"],
            "action": log["action"].map(lambda v: code_word("action", v)),
            "target": log["target"].map(target_text),
            "changes": [
                changes_text(b, a) for b, a in zip(log["before_json"], log["after_json"], strict=True)
            ],
            "detail": log["detail"],
        }
    )
    return shown.rename(columns=lambda c: t(f"audit_col.{c}"))
