"""Every word the pages show, Chinese first, English on the sidebar switch, through one accessor.

`t(key, **kw)` is that accessor: it reads the language registered by the app (app.state: the sidebar's
choice, zh elsewhere) and formats the text. Its catalogue is the UI table (words/ui.yaml) merged with the page
words kept beside their subject (tracker.strings.office, .auth, .upload), and the small code tables
reached as "family.code" (t("status.met"), t("action.task_close"), t("col.deadline")). Data stays as
entered: item titles, the plan's text, unit and area names, period labels.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from collections.abc import Callable

from indicators import rules as rule_kinds
from indicators.figures import UNIT_EN, english_figure, english_period, unit_after_number
from tracker.strings import DEMO_BANNER, PERIOD_WORD, SCOPE_WORD, STATUS_COLOUR, STATUS_LABEL
from tracker.strings.formats import cn_date, fill
from tracker.strings.tables import words

LANGS = {"zh": "中文", "en": "English"}

_W = words("ui")  # the words themselves are data: tracker/strings/words/ui.yaml
UI: dict[str, dict[str, str]] = _W.both("UI")
PROGRESS_LABEL = _W.both("PROGRESS_LABEL")
# Why progress cannot be judged, per progress.py's reasons.
PROGRESS_NOTE = _W.both("PROGRESS_NOTE")
OUTCOME_WORD = _W.both("OUTCOME_WORD")
DEMO_BANNER_EN = words("common").en("DEMO_BANNER")


def _chinese() -> str:
    return "zh"


_language_source: Callable[[], str] = _chinese  # the app's session state decides (app.state); zh elsewhere


def use_language_source(source: Callable[[], str]) -> None:
    """Where lang() reads the language picked on the sidebar: the app registers its session state here."""
    global _language_source
    _language_source = source


def lang() -> str:
    """The language chosen on the sidebar (zh unless English was picked)."""
    value = _language_source()
    return value if value in LANGS else "zh"


def _families() -> dict[str, dict[str, dict[str, str]]]:
    """Code tables reached as t("family.code"), each {lang: {code: word}}."""
    from tracker.strings import auth, office, text, upload

    return {
        "field": text.FIELD,
        "status": STATUS_LABEL,
        "progress": PROGRESS_LABEL,
        "progress_note": PROGRESS_NOTE,
        "period": PERIOD_WORD,
        "scope": SCOPE_WORD,
        "outcome": OUTCOME_WORD,
        "role": auth.ROLE_LABEL,
        "account": auth.ACCOUNT,
        "action": auth.ACTION_LABEL,
        "audit_col": auth.AUDIT_COLUMNS,
        "audit_target": auth.AUDIT_TARGET,
        "audit_field": auth.AUDIT_FIELD,
        "audit_value": auth.AUDIT_VALUE,
        "user_col": auth.USER_COLUMNS,
        "col": {"zh": office.COLUMNS, "en": office.COLUMNS_EN},
        "task_status": {"zh": office.TASK_STATUS, "en": office.TASK_STATUS_EN},
        "report_state": {"zh": office.REPORT_STATE, "en": office.REPORT_STATE_EN},
        "accept_state": {
            "zh": {k: office.ACCEPT[k] for k in office.ACCEPT_STATE_EN},
            "en": office.ACCEPT_STATE_EN,
        },
        "upload": upload.PAGE,
        "upload_col": {"zh": upload.COLUMNS, "en": upload.COLUMNS_EN},
        "upload_outcome": {"zh": upload.OUTCOME_LABEL, "en": upload.OUTCOME_LABEL_EN},
    }


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every key in both languages: {lang: {key: text}}. A key defined twice with different words is a
    mistake in the tables, refused here."""
    from tracker.strings import act, auth, evidence, inspections, office
    from tracker.strings import text as text_words

    words: dict[str, dict[str, str]] = {language: {} for language in LANGS}

    def add(language: str, key: str, text: str) -> None:
        if words[language].get(key, text) != text:
            raise ValueError(f"word {key!r} ({language}) defined twice: {words[language][key]!r} / {text!r}")
        words[language][key] = text

    for table in (
        UI, office.PAGE, auth.AUTH, auth.GUARD, auth.NAV, act.ACT, evidence.EVIDENCE, inspections.PAGE, text_words.TEXT
    ):  # fmt: skip
        for language in LANGS:
            for key, text in table.get(language, {}).items():
                add(language, key, text)
    for family, table in _families().items():
        for language in LANGS:
            for code, text in table.get(language, {}).items():
                add(language, f"{family}.{code}", text)
    return words


def t(key: str, /, **kw) -> str:
    """The text for `key` in the current language, formatted with kw (Chinese where English is missing:
    tests/test_language_parity.py keeps that from happening)."""
    words = catalogue()
    language = lang()
    text = words[language].get(key) or words["zh"][key]
    if kw and language == "en":
        kw = {name: english_data(value) for name, value in kw.items()}
    return fill(text, **kw) if kw else text


_UNIT_WORDS_EN = {"级": "grade", "是/否": "yes/no", **{u: w.strip() for u, w in UNIT_EN.items()}}


def english_data(value):
    """A value the data writes in Chinese, as the English screen says it when it is all of a field or a cell: a
    period label (2025年 → 2025), a figure (2.6人/万人 → 2.6 per 10,000 people, C级 → grade C, 是 → yes), a unit of
    measure (小时 → h). Anything else (a name, a note) is data and stays as written."""
    if not isinstance(value, str) or not value:
        return value
    if value in _UNIT_WORDS_EN:
        return _UNIT_WORDS_EN[value]
    shown = english_period(value)
    if shown != value:
        return shown
    op, space, rest = value.partition(" ")  # a target: 「≥ 3人/万人」
    if space and op in ("≥", "≤", ">", "<", "=", ">=", "<=", "=="):
        return f"{op} {english_figure(rest)}"
    return english_figure(value)


def source_text(source: str) -> str:
    """A metric's source note as a clerk reads it: the national form's JSON keys and the catalogue's file names,
    which the note keeps for whoever maintains the catalogue, left out."""
    text = re.sub(r"（[^（）]*[a-z]{5,}[^（）]*）", "", source or "")
    return re.sub(r"[；，]?[^；，]*\b\w+\.ya?ml\b", "", text)


def has(key: str) -> bool:
    return key in catalogue()["zh"]


def status_label(status: str) -> str:
    return t(f"status.{status}")


def progress_label(category: str) -> str:
    return t(f"progress.{category}")


def progress_note(key: str, **kw) -> str:
    return t(f"progress_note.{key}", **kw) if key else ""


def kind_label(kind: str) -> str:
    """A rule kind's name, as its module defines it (one label per kind)."""
    return rule_kinds.REGISTRY[kind].label[lang()]


def period_word(period: str) -> str:
    return t(f"period.{period}")


def scope_word(scope: str) -> str:
    return t(f"scope.{scope}")


def outcome_word(outcome: str) -> str:
    return t(f"outcome.{outcome}") if has(f"outcome.{outcome}") else outcome


def code_word(family: str, code: str) -> str:
    """A code (an audit action, a role) in words; a code the tables do not know yet is shown as stored."""
    return t(f"{family}.{code}") if has(f"{family}.{code}") else str(code)


def reasons_text(reasons: list[str], shown: int = 2) -> str:
    """The first reasons of an item's failures, and how many more."""
    separator = t("reason_separator")
    head = separator.join(reasons[:shown])
    rest = len(reasons) - shown
    return head + (separator + t("more_reasons", n=rest) if rest > 0 else "")


def badge(status: str) -> str:
    """A status as a coloured label (HTML), the same colour everywhere."""
    return (
        f'<span style="background:{STATUS_COLOUR[status]};color:white;padding:0.1em 0.55em;'
        f'border-radius:0.6em;font-size:0.9em;white-space:nowrap">{html.escape(status_label(status))}</span>'
    )


def wrap(text: str, width: int) -> str:
    """A chart label broken into lines of at most `width` characters (plotly's <br>)."""
    return "<br>".join(text[i : i + width] for i in range(0, len(text), width))


def date_text(value: dt.date | None) -> str:
    if value is None:
        return "—"
    return cn_date(value) if lang() == "zh" else value.isoformat()


def demo_banner() -> str:
    return DEMO_BANNER if lang() == "zh" else DEMO_BANNER_EN


def reason_column() -> str:
    """The evaluation's reason column in the sidebar's language."""
    return "reason_en" if lang() == "en" else "reason"


def reasons_column() -> str:
    """views.item_table's list of reasons in the sidebar's language."""
    return "reasons_en" if lang() == "en" else "reasons"


def fmt_rate(value: float | None, unit: str) -> str:
    """An annual change with its unit: +0.90 个百分点/年, −0.05人/万人/年."""
    if value is None or value != value:
        return "—"
    if unit == "%":
        word = "个百分点/年" if lang() == "zh" else " pp/yr"
    else:
        word = f"{unit}/年" if lang() == "zh" else f"{UNIT_EN.get(unit_after_number(unit), ' ' + unit)}/yr"
    return f"{value:+.2f}{word}".replace("-", "−")


def fmt_growth(value: float | None) -> str:
    """A compound annual growth rate in the desired direction: +0.4%/年."""
    if value is None or value != value:
        return "—"
    return f"{value * 100:+.1f}%" + ("/年" if lang() == "zh" else "/yr")


# The word tables' own shorthands, here so that the tables never import this module (issue 25).
def act(key: str, **kw) -> str:
    """A word of the act-where-you-look features (tracker.strings.act) in the sidebar's language."""
    return t(key, **kw)


def ti(key: str, **kw) -> str:
    """The inspections page's text (tracker.strings.inspections) for `key` in the chosen language."""
    return t(key, **kw)


def status_text(status: str) -> str:
    """A finding's status in the chosen language."""
    from tracker.strings.inspections import STATUS, STATUS_EN

    return (STATUS_EN if lang() == "en" else STATUS)[status]


def upload_text(message: str) -> str:
    """A stored upload message (Chinese, as the unit was shown it) in the page's language."""
    from tracker.strings.upload import english

    return english(message) if lang() == "en" else message


def severity_word(level: str) -> str:
    """A finding's severity (stored in Chinese: 一般) in the page's language."""
    from tracker.strings.inspections import SEVERITY_EN

    return SEVERITY_EN.get(level, level) if lang() == "en" else level


def kind_word(kind: str) -> str:
    """An inspection round's kind (stored in Chinese: 模拟检查) in the page's language."""
    from tracker.strings.inspections import KIND_EN

    return KIND_EN.get(kind, kind) if lang() == "en" else kind


def type_word(name: str) -> str:
    """A site type (indicators/site_types.yaml names it in Chinese) in the page's language; a type the table does
    not know yet as the file names it."""
    from tracker.strings.inspections import SITE_TYPE_EN

    return SITE_TYPE_EN.get(name, name) if lang() == "en" else name


def item_word(item: object) -> str:
    """「第35项」 / 「Item 35」."""
    return f"Item {item}" if lang() == "en" else f"第{item}项"


def data_word(value):
    """A period label or figure (2025年, C级) in the page's language (english_data on the English screen)."""
    return english_data(value) if lang() == "en" else value


def owed_text(text: str) -> str:
    """「学校…比率（29.1） 2025年」 (a figure owed: name, code, period) with its period in the page's language."""
    head, space, period = text.rpartition(" ")
    return f"{head} {data_word(period)}" if space else data_word(text)
