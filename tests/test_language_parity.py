"""Both languages, complete (issue 13): every word of the catalogue in Chinese and English, and every page, run
under AppTest in each language, shows only its language.

In English no Chinese character may remain once the data values are taken out: what the catalogue and the
database hold (item titles, the plan's text, unit, area and metric names, period labels, file and account
names, what was recorded in the audit log, tasks and acceptances). The allow-list is built from those
sources, never from strings picked off the pages. In Chinese no raw column name or code (`happened_at`,
`task_close`) and no 「None」 cell may show.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import string

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, TODAY
from tracker import bootstrap
from tracker.access.auth import Actor
from tracker.catalogue import catalogue
from tracker.engine.evaluate import evaluate
from tracker.office import acceptance, tasks
from tracker.reports import national_form
from tracker.strings import ui

CAT = catalogue()
OFFICE = Actor("admin", "admin")
PAGES = [
    "pages/overview.py",
    "pages/item.py",
    "pages/item.py?item=30",  # a veto risk, with a trend and an incident count
    "pages/item.py?item=42",  # a comparison with the regional plan
    "pages/item.py?item=1",  # checklist answers the office verified
    "pages/unit.py",
    "pages/unit.py?unit=教育局",
    "pages/phases.py",
    "pages/upload.py",
    "pages/submissions.py",
    "pages/late.py",
    "pages/tasks.py",
    "pages/acceptance.py",
    "pages/reports.py",
    "pages/users.py",
    "pages/audit.py",
    "pages/password.py",
]
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# happened_at, task_close, before_json; not a file named for the office to edit (indicators/national_form.yaml)
SNAKE = re.compile(r"(?<![/\w])[a-z]+(?:_[a-z0-9]+)+\b(?![./\w])")
TEXT_FIELDS = {"label", "body", "help", "options", "placeholder", "delta", "delta_description", "caption"}


# ---------------------------------------------------------------- the catalogue


def test_every_key_has_both_languages():
    words = ui.catalogue()
    assert set(words["zh"]) == set(words["en"])
    empty = [(lang, key) for lang, table in words.items() for key, text in table.items() if not text.strip()]
    assert not empty


def test_both_languages_take_the_same_fields():
    fields = string.Formatter()
    words = ui.catalogue()

    def names(text: str) -> set[str]:
        return {f for _, f, _, _ in fields.parse(text) if f}

    differ = [key for key in words["zh"] if names(words["zh"][key]) != names(words["en"][key])]
    assert not differ


def test_english_words_hold_no_chinese():
    """Chinese in an English word is allowed only as the language switch's own name."""
    allowed = {"lang_label"}
    assert [k for k, text in ui.catalogue()["en"].items() if CJK.search(text) and k not in allowed] == []


def test_one_accessor():
    """The office's, the accounts' and the upload pages' words are reached through tracker.strings.ui.t."""
    from tracker.strings import auth, office

    assert not hasattr(auth, "a") and not hasattr(auth, "g") and not hasattr(office, "page_text")
    source = ui._language_source
    ui.use_language_source(lambda: "en")
    try:
        assert ui.t("page_late") == "Late reports"
        assert ui.t("login_button") == "Sign in"
        assert ui.t("upload.commit") == "Import"
        assert ui.t("action.task_close") == "task closed"
        assert ui.t("col.task_deadline") == "Deadline"
        ui.use_language_source(lambda: "zh")
        assert ui.t("action.task_close") == "销号"
    finally:
        ui.use_language_source(source)


# ---------------------------------------------------------------- every page in both languages


@pytest.fixture(scope="module")
def parity_db(demo_db, tmp_path_factory):
    """The demo campaign with a task, its update and an acceptance added: every table of the pages has rows."""
    from app import webapp

    path = tmp_path_factory.mktemp("parity") / "parity.duckdb"
    shutil.copy(demo_db, path)
    con = bootstrap.connect(path)
    ev = evaluate(con, TODAY)
    failing = ev.metrics[ev.metrics["status"] == "not_met"]["metric"].iloc[0]
    task = tasks.open_task(con, OFFICE, failing, "整改测试任务", TODAY + dt.timedelta(days=30))
    tasks.update_task(con, OFFICE, task, "in_progress", "已安排整改")
    table = acceptance.acceptance_table(con, TODAY, ev, CAT)
    ready = table[table["can_accept"]]
    if len(ready):
        acceptance.accept(con, int(ready["item"].iloc[0]), OFFICE, TODAY, "现场检查记录")
    values = _data_values(con)
    con.close()
    old = os.environ.get("TRACKER_DB")
    os.environ["TRACKER_DB"] = str(path)
    webapp._connection.clear()
    yield values
    webapp._connection.clear()
    if old is None:
        os.environ.pop("TRACKER_DB", None)
    else:
        os.environ["TRACKER_DB"] = old


def _data_values(con) -> list[str]:
    """What the catalogue and the database hold, longest first (a long value is taken out before its parts)."""
    from tracker.strings import office

    # The switch names each language in itself; the city and the office are the deployment's own names; the
    # briefing is a Chinese document, its title shown as it is issued.
    values: set[str] = set(CAT.categories.values()) | set(ui.LANGS.values()) | {ui.UI["en"]["lang_label"]}
    values |= {office.CITY, office.OFFICE_NAME, office.BRIEF["title"], office.DEMO_MARK}
    for item in CAT.items:
        values |= {item.title, item.text, *item.units_text, *item.units}
    for unit in CAT.units.values():
        values |= {unit.short, unit.name, unit.contact, *unit.aliases}
    for metric in CAT.metrics:
        values |= {
            metric.name,
            metric.unit,
            metric.source,
            ui.source_text(metric.source),  # as the item page shows it
            metric.against_name,
            *metric.areas,
            *metric.aliases,
        }
        values |= {metric.national_field or ""} | {v for v in metric.rule.values() if isinstance(v, str)}
    values |= set(national_form._spec().get("labels", {}).values())  # the national form's own field names
    for phase in CAT.phases:
        values |= {phase.name, phase.goal}
    queries = [
        "SELECT DISTINCT period_label FROM measurement",
        "SELECT DISTINCT area FROM measurement",
        "SELECT DISTINCT note FROM measurement",
        "SELECT DISTINCT evidence FROM measurement",
        "SELECT DISTINCT file_name FROM submission",
        "SELECT DISTINCT message FROM submission",
        "SELECT DISTINCT submitted_by FROM submission",
        "SELECT DISTINCT name FROM app_user",
        "SELECT DISTINCT actor FROM audit_log",
        "SELECT DISTINCT target FROM audit_log",
        "SELECT DISTINCT detail FROM audit_log",
        "SELECT DISTINCT before_json FROM audit_log",
        "SELECT DISTINCT after_json FROM audit_log",
        "SELECT DISTINCT description FROM task",
        "SELECT DISTINCT note FROM task_event",
        "SELECT DISTINCT evidence FROM acceptance",
        "SELECT DISTINCT withdrawn_reason FROM acceptance",
        "SELECT DISTINCT unnest(reasons) FROM refused_row",
        "SELECT DISTINCT note FROM verification",
        "SELECT DISTINCT file_name FROM evidence_link",
        "SELECT DISTINCT first_name FROM evidence_file",
    ]
    for sql in queries:
        try:
            values |= {str(r[0]) for r in con.execute(sql).fetchall() if r[0] is not None}
        except duckdb.Error:  # a table or column of another version: its values cannot show either
            continue
    return sorted((v for v in values if v and CJK.search(v)), key=len, reverse=True)


def _proto_texts(message, out: list[str]) -> None:
    for field, value in message.ListFields():
        if field.type == field.TYPE_MESSAGE:
            for sub in value if field.is_repeated else [value]:
                _proto_texts(sub, out)
        elif field.type == field.TYPE_STRING and field.name in TEXT_FIELDS:
            out.extend(value if field.is_repeated else [value])


def _chart_texts(spec: str) -> list[str]:
    """What a plotly chart writes on the page: axis and legend titles, trace names, annotations, tick labels."""
    figure = json.loads(spec)
    layout = figure.get("layout", {})
    out = [
        trace.get("name", "")
        for trace in figure.get("data", [])
        if trace.get("showlegend", True) is not False
    ]
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            title = axis.get("title", {})
            out.append(title.get("text", "") if isinstance(title, dict) else str(title))
    legend = layout.get("legend", {}).get("title", {})
    out.append(legend.get("text", "") if isinstance(legend, dict) else "")
    out += [a.get("text", "") for a in layout.get("annotations", [])]
    return [s for s in out if s]


def page_texts(at) -> tuple[list[str], list[pd.DataFrame]]:
    """Every visible text of the run (labels, bodies, options, help, tab and expander labels, chart titles)
    and the dataframes shown."""
    texts: list[str] = []
    frames: list[pd.DataFrame] = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if node.type == "arrow_data_frame":
            frames.append(node.value)
            continue
        if node.type == "plotly_chart":
            texts += _chart_texts(node.proto.spec)
            continue
        if proto is not None and hasattr(proto, "ListFields"):
            _proto_texts(proto, texts)
    return [t for t in texts if t], frames


def run(page: str, lang: str, actor: Actor | None = OFFICE, query: dict | None = None) -> AppTest:
    """The page in `lang` on the session's first run, whose tree also holds the frame (sidebar, banner); the
    overview and the login page are where the session lands."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    if actor is not None:
        at.session_state["actor"] = actor
    at.session_state["as_of"] = TODAY
    at.session_state["lang"] = lang
    if page not in ("pages/login.py", "pages/overview.py"):  # straight to the page: no landing page's run
        for key, value in (query or {}).items():
            at.query_params[key] = value
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _shown_frame_texts(frame: pd.DataFrame) -> list[str]:
    cells = [str(v) for column in frame.columns for v in frame[column] if isinstance(v, str)]
    return [str(c) for c in frame.columns] + cells


@pytest.fixture(scope="module")
def data_pattern(parity_db):
    values = parity_db
    return re.compile("|".join(re.escape(v) for v in values))


def _run(page: str, lang: str) -> AppTest:
    path, _, query = page.partition("?")
    params = dict(part.split("=") for part in query.split("&")) if query else None
    return run(path, lang, actor=None if path == "pages/login.py" else OFFICE, query=params)


@pytest.mark.parametrize("page", PAGES + ["pages/login.py"])
def test_english_pages_show_no_chinese_outside_data(parity_db, data_pattern, page):
    at = _run(page, "en")
    texts, frames = page_texts(at)
    for frame in frames:
        texts += _shown_frame_texts(frame)
    left = sorted({text for text in texts if CJK.search(data_pattern.sub("", text))})
    assert left == [], f"{page}: Chinese outside data values: {left[:15]}"


@pytest.mark.parametrize("page", PAGES + ["pages/login.py"])
def test_chinese_pages_show_no_raw_names_codes_or_none(parity_db, page):
    at = _run(page, "zh")
    texts, frames = page_texts(at)
    raw = [text for text in texts if SNAKE.search(text) and not text.startswith(("`", "python"))]
    for frame in frames:
        raw += [str(c) for c in frame.columns if SNAKE.search(str(c)) or re.fullmatch(r"[A-Za-z_]+", str(c))]
        for column in frame.columns:
            values = frame[column]
            # Stored JSON (the audit log's before/after) keeps its field names: it is the record as written.
            raw += [v for v in values if isinstance(v, str) and SNAKE.fullmatch(v.strip())]
            if values.isna().any():
                raw.append(f"None in column {column}")
    assert raw == [], f"{page}: raw names, codes or empty cells: {raw[:15]}"


def test_english_counts_agree_in_number():
    """「1 veto risks, 1 units late」 was the English 通报 summary: a count written before a noun takes its number."""
    from tracker.strings.upload import english

    source = ui._language_source
    ui.use_language_source(lambda: "en")
    try:
        assert ui.t("rep_ready", met=40, total=45, veto=1, late=1, overdue=1) == (
            "In short: 40/45 items met, 1 veto risk, 1 unit late, 1 task overdue."
        )
        assert ui.t("rep_ready", met=40, total=45, veto=2, late=0, overdue=3) == (
            "In short: 40/45 items met, 2 veto risks, 0 units late, 3 tasks overdue."
        )
        assert ui.t("upload.shown_first", n=1) == "First 1 row shown"
    finally:
        ui.use_language_source(source)
    # A stored Chinese summary read in English: the numbers come back as text.
    assert (
        english("已导入 1 行（其中 0 行有提醒），拒绝 2 行。")
        == "1 row imported (0 of them with warnings), 2 refused."
    )


def test_no_english_count_is_written_before_a_plural_by_hand():
    """A count field straight before a plural noun must say 「{n:row|rows}」; the fields left are limits and
    settings that are never 1 (a password's length, the days allowed after a year, the catalogue's 45 items)."""
    never_one = {
        "n": {
            "account.name_too_long",
            "account.password_too_long",
            "account.password_too_short",
            "account.password_too_simple",
            "cell_cut",
            "text_too_long",
        },
        "total": {"readiness_text", "rep_ready"},
        "year": {"late_caption", "unit_ranking_caption"},
        "quarter": {"unit_ranking_caption"},
        "month": {"unit_ranking_caption"},
    }
    count = re.compile(r"\{(\w+)\} (?:[a-z-]+ )?(?!is\b|was\b|has\b|looks\b|differs\b|needs\b)[a-z]+s\b")
    verbs = {"unit", "kind", "measured", "counting", "ratio"}  # 「{unit} answered」: not a count
    by_hand = [
        (key, found.group(0))
        for key, text in ui.catalogue()["en"].items()
        for found in count.finditer(text)
        if found.group(1) not in verbs and key not in never_one.get(found.group(1), set())
    ]
    assert by_hand == []
