"""The one loader of the word tables (tracker/strings/words/*.yaml), which keep every word as data.

A file holds named tables (and a few single texts). An entry `key: {zh: …, en: …}` is a word in both languages,
side by side; a plain text or list is Chinese whatever the screen's language (the official documents and the
service messages, written in the office's language). A file is refused at load when an entry lacks a language,
has an empty side or a language the tracker does not speak; a table the accessor (tracker.strings.ui.t) reads
is read with Words.both, which refuses a Chinese-only entry (tests/test_language_parity.py checks the result).
"""

from __future__ import annotations

import functools
import pathlib
from typing import Any

import yaml
from yaml import nodes

LANGUAGES = ("zh", "en")
WORDS = pathlib.Path(__file__).parent / "words"
_TAG = {nodes.ScalarNode: "tag:yaml.org,2002:str", nodes.SequenceNode: "tag:yaml.org,2002:seq"}


class _Plain(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when the wheel has it
    """Every scalar a text: a word table holds nothing else, so no YAML 1.1 guessing (`NO: 否` keeps the key
    「NO」, `yes` stays a word), and the tables, read at every start, load about twice as fast."""

    def resolve(self, kind, value, implicit):
        return _TAG.get(kind, "tag:yaml.org,2002:map")


def _plain(node: nodes.Node) -> Any:
    if isinstance(node, nodes.ScalarNode):
        return node.value
    if isinstance(node, nodes.SequenceNode):
        return [_plain(item) for item in node.value]
    return {key.value: _plain(value) for key, value in node.value}


def _is_pair(value: Any) -> bool:
    """An entry in both languages (_check made sure that a dict naming a language names them all)."""
    return isinstance(value, dict) and "zh" in value


def _check(name: str, where: str, value: Any) -> None:
    if isinstance(value, dict) and any(language in value for language in LANGUAGES):
        missing = [language for language in LANGUAGES if not value.get(language)]
        extra = sorted(set(value) - set(LANGUAGES))
        if missing or extra:
            said = [f"缺少语言 {missing}"] * bool(missing) + [f"多余的键 {extra}"] * bool(extra)
            raise ValueError(f"words/{name}.yaml {where}: {'，'.join(said)}")
        for language in LANGUAGES:
            if isinstance(value[language], dict):
                raise ValueError(f"words/{name}.yaml {where}.{language}: 应为文字或文字列表")
        return
    if isinstance(value, dict):
        for key, entry in value.items():
            _check(name, f"{where}.{key}" if where else key, entry)
    elif isinstance(value, list):
        for i, entry in enumerate(value):
            _check(name, f"{where}[{i}]", entry)


@functools.cache
def words(name: str) -> Words:
    """The tables of words/<name>.yaml, checked."""
    return load(WORDS / f"{name}.yaml")


def load(path: pathlib.Path) -> Words:
    """The tables of one word file, refused (ValueError naming file and key) when an entry lacks a language."""
    with open(path, encoding="utf-8") as f:
        node = yaml.compose(f, Loader=_Plain)
    raw = _plain(node) if node is not None else {}
    _check(path.stem, "", raw)
    return Words(raw)


def _side(value: Any, language: str) -> Any:
    """One language of a table, entry or text: Chinese-only entries stand for themselves in zh and are left
    out of en (an English table lists only the words it has)."""
    if _is_pair(value):
        return value[language]
    if isinstance(value, dict):
        return {
            key: _side(entry, language)
            for key, entry in value.items()
            if language == "zh" or isinstance(entry, dict)
        }
    if language != "zh":
        raise ValueError(f"words: 「{value}」只有中文")
    return value


class Words:
    """The tables of one file, read a language at a time."""

    def __init__(self, raw: dict[str, Any]):
        self._raw = raw

    def zh(self, table: str) -> Any:
        return _side(self._raw[table], "zh")

    def en(self, table: str) -> Any:
        return _side(self._raw[table], "en")

    def both(self, table: str) -> dict[str, dict[str, str]]:
        """A table every entry of which is in both languages, as {lang: {key: text}}."""
        value = self._raw[table]
        half = [key for key, entry in value.items() if not _is_pair(entry)]
        if half:
            raise ValueError(f"words: {table} 的 {half} 只有中文")
        return {language: _side(value, language) for language in LANGUAGES}
