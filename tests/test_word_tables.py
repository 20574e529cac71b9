"""The word tables kept as data (issue 25): every table every module of tracker.strings exposes, and every
(language, key) of the one accessor's catalogue, read the same as when the tables were Python. The fixture was
written from the Python tables before they became YAML (`python -m tests.test_word_tables` writes it again)."""

from __future__ import annotations

import importlib
import json
import pathlib
import re

import pytest

from indicators.value_types import grade
from tracker.strings import tables, ui

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "word_tables.json"
MODULES = ["__init__", "act", "auth", "evidence", "inspections", "office", "text", "ui", "upload"]


def _plain(value):
    """A table as JSON keeps it, its tuples marked (a caller may rely on a tuple)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return {"__tuple__": [_plain(v) for v in value]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _tables() -> dict:
    tables = {}
    for name in MODULES:
        module = importlib.import_module(
            "tracker.strings" if name == "__init__" else f"tracker.strings.{name}"
        )
        for attr, value in vars(module).items():
            if attr.isupper() and isinstance(value, dict | tuple | list | str):
                tables[f"{name}.{attr}"] = _plain(value)
    tables["figures.GRADES"] = _plain(grade.GRADES)  # the grade letters' one definition, once strings' too
    return tables


def current() -> dict:
    ui.catalogue.cache_clear()
    return {"catalogue": ui.catalogue(), "tables": _tables()}


def _ordered(value):
    """Dicts as lists of pairs: the order of a table is part of what it says (menus, columns)."""
    if isinstance(value, dict):
        return [[k, _ordered(v)] for k, v in value.items()]
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


def _restricted(now, before):
    """`now` cut to the keys `before` has (recursively): words added since are not in the fixture."""
    if isinstance(now, dict) and isinstance(before, dict):
        return {k: _restricted(v, before[k]) for k, v in now.items() if k in before}
    return now


# Tables that moved or whose copies were deleted (issue 25), with the one table that now says the same words.
MOVED = {
    "__init__.PERIOD_LABEL": ("__init__.PERIOD_WORD", "zh"),
    "office.PERIOD_TYPE": ("__init__.PERIOD_WORD", "zh"),
    "upload.PERIOD_NAME": ("__init__.PERIOD_WORD", "zh"),
    "__init__.SCOPE_LABEL": ("__init__.SCOPE_WORD", "zh"),
    "__init__.GRADE_LETTERS": ("figures.GRADES", None),
}
# office.PAGE's English was written in another order; a table read by key, now in the Chinese order.
UNORDERED = {"office.PAGE"}


def test_every_word_reads_as_before():
    before = json.loads(FIXTURE.read_text(encoding="utf-8"))
    now = json.loads(json.dumps(current(), ensure_ascii=False))
    assert set(before["tables"]) - set(now["tables"]) <= set(MOVED)
    for name, table in before["tables"].items():
        if name in now["tables"]:
            same = now["tables"][name]
        else:
            moved, language = MOVED[name]
            same = now["tables"][moved] if language is None else now["tables"][moved][language]
        same = _restricted(same, table)
        if name in UNORDERED:
            assert same == table, name
        else:
            assert _ordered(same) == _ordered(table), name
    # Words added since (by later issues) are not in the fixture: every word it holds reads the same, in its order.
    for language in ("zh", "en"):
        same = {k: v for k, v in now["catalogue"][language].items() if k in before["catalogue"][language]}
        assert same == before["catalogue"][language]
    assert [k for k in now["catalogue"]["zh"] if k in before["catalogue"]["zh"]] == list(
        before["catalogue"]["zh"]
    )


def test_t_formats_every_key_as_before():
    before = json.loads(FIXTURE.read_text(encoding="utf-8"))["catalogue"]
    source = ui._language_source  # the app's (app.state), when a page test registered it: put back after
    for language in ("zh", "en"):
        ui.use_language_source(lambda language=language: language)
        try:
            for key, text in before[language].items():
                if "{" not in text:
                    assert ui.t(key) == text, (language, key)
        finally:
            ui.use_language_source(source)


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(current(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def test_every_word_file_loads_and_pairs_both_languages():
    for path in sorted(tables.WORDS.glob("*.yaml")):
        tables.load(path)  # refused at load when an entry lacks a language


@pytest.mark.parametrize(
    "text, refused",
    [
        ("T:\n  a: {zh: 达标}\n", "缺少语言 ['en']"),
        ("T:\n  a: {zh: 达标, en: ''}\n", "缺少语言 ['en']"),
        ("T:\n  a: {zh: 达标, en: Met, fr: Atteint}\n", "多余的键 ['fr']"),
        ("T:\n  a: {en: Met}\n", "缺少语言 ['zh']"),
        ("T:\n  a: {zh: 达标, en: {x: Met}}\n", "应为文字"),
    ],
)
def test_a_word_missing_a_language_is_refused_at_load(tmp_path, text, refused):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(refused)) as error:
        tables.load(path)
    assert "bad.yaml T.a" in str(error.value)


def test_every_scalar_is_a_word(tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text("T:\n  NO: 否\n  a: yes\n  b: 1.0\n", encoding="utf-8")
    assert tables.load(path).zh("T") == {"NO": "否", "a": "yes", "b": "1.0"}


def test_a_table_the_accessor_reads_has_no_chinese_only_word(tmp_path):
    path = tmp_path / "half.yaml"
    path.write_text("T:\n  a: {zh: 达标, en: Met}\n  b: 未达标\n", encoding="utf-8")
    words = tables.load(path)
    assert words.zh("T") == {"a": "达标", "b": "未达标"}
    assert words.en("T") == {"a": "Met"}
    with pytest.raises(ValueError, match="只有中文"):
        words.both("T")
