"""No developer words in front of clerks (issue 24, findings 5, 6, 9): every page each role may open, in Chinese
and in English, read as the person sees it (the grids' cells included), shows no 「None」, 「nan」, 「NaT」, no JSON
object, no YAML path and no code field name (`value_replaced`, `mainstreetcleaningtime`); in English no Chinese
is left except data — what the catalogue names (items, units, areas, metrics, phases) and what people typed
(account, file and site names, notes) — read from the catalogue and the app's database, never from the pages."""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from tests.browser.conftest import (
    ADMIN_PASSWORD,
    LEADER,
    REPORTER,
    app_database,
    resumed_page,
    wait_for_app_run,
)
from tracker.catalogue import catalogue
from tracker.inspections.site_types import load_site_types
from tracker.reports import national_form
from tracker.strings import office, ui

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
ITEMS = ["/item?item=1", "/item?item=30", "/item?item=45"]
PAGES = {
    "admin": ["/overview", *ITEMS, "/unit?unit=教育局", "/phases", "/upload", "/submissions", "/late", "/tasks",
              "/inspections", "/acceptance", "/reports", "/users", "/audit", "/password"],
    "reporter": ["/unit", *ITEMS, "/overview", "/phases", "/upload", "/submissions", "/tasks", "/inspections",
                 "/password"],
    "leader": ["/overview", *ITEMS, "/unit?unit=教育局", "/phases", "/submissions", "/late", "/tasks",
               "/inspections", "/acceptance", "/reports", "/password"],
}  # fmt: skip
# A grid cell or a line that is only a missing value, as pandas and Streamlit write one.
MISSING = re.compile(r"(?m)^\s*(None|nan|NaN|NaT|<NA>)\s*$|\b(None|NaT)\b")
JSON_OBJECT = re.compile(r"\{\s*\"")
YAML_PATH = re.compile(r"[\w/]+\.ya?ml\b")
# value_replaced, finding:16's kind, before_json; a national form field (its keys are long lowercase words).
SNAKE = re.compile(r"(?<![/\w.@-])[a-z]+(?:_[a-z0-9]+)+(?![\w./@-])")


def _national_fields() -> set[str]:
    return {m.national_field for m in catalogue().metrics if m.national_field}


@pytest.fixture(scope="module")
def data_words(app_server, tmp_path_factory):
    """The Chinese that is data: the catalogue's names and what people typed, from a copy of the app's database."""
    cat = catalogue()
    words: set[str] = set(cat.categories.values()) | set(ui.LANGS.values()) | {ui.UI["en"]["lang_label"]}
    words |= {office.CITY, office.OFFICE_NAME, office.BRIEF["title"], office.DEMO_MARK}
    for item in cat.items:
        words |= {item.title, item.text, *item.units_text, *item.units}
    for unit in cat.units.values():
        words |= {unit.short, unit.name, unit.contact, *unit.aliases}
    for metric in cat.metrics:
        words |= {
            metric.name,
            ui.source_text(metric.source),
            metric.against_name,
            *metric.areas,
            *metric.aliases,
        }
        words |= {v for v in metric.rule.values() if isinstance(v, str)}
    for phase in cat.phases:
        words |= {phase.name, phase.goal}
    for site_type in load_site_types().values():  # the city's own checks, named in Chinese only
        words |= {c for check in site_type.checks for c in (check.code, check.name)}
    words |= set(national_form.setting_labels().values())  # the national form's own field names
    con = app_database(app_server, tmp_path_factory.mktemp("words"))
    typed = [  # what a person typed or a file carried: names, notes, descriptions
        "SELECT name FROM app_user",
        "SELECT file_name FROM submission",
        "SELECT submitted_by FROM submission",
        "SELECT note FROM measurement",
        "SELECT evidence FROM measurement",
        "SELECT description FROM task",
        "SELECT close_reason FROM task",
        "SELECT note FROM task_event",
        "SELECT evidence FROM acceptance",
        "SELECT withdrawn_reason FROM acceptance",
        "SELECT note FROM verification",
        "SELECT name FROM site",
        "SELECT address FROM site",
        "SELECT name FROM inspection_round",
        "SELECT team FROM inspection_round",
        "SELECT description FROM finding",
        "SELECT note FROM finding_event",
        "SELECT first_name FROM evidence_file",
        "SELECT file_name FROM evidence_link",
        "SELECT note FROM evidence_link",
        "SELECT doc_number FROM reminder",
        "SELECT number FROM briefing_issue",
        "SELECT issue_no FROM briefing_issue",
        "SELECT file_name FROM briefing_issue",
        "SELECT file_name FROM reminder",
        "SELECT detail FROM audit_log",  # the audit log's record as written
    ]
    for sql in typed:
        try:
            words |= {str(r[0]) for r in con.execute(sql).fetchall() if r[0] is not None}
        except duckdb.Error:  # a table of another version
            continue
    for (cells,) in con.execute("SELECT cells FROM refused_row").fetchall():  # a refused row's cells, as sent
        kept = json.loads(cells)
        words |= {str(v) for v in (kept.values() if isinstance(kept, dict) else kept) if v is not None}
        words |= set(kept) if isinstance(kept, dict) else set()  # the file's own column headings
    names = {r[0] for r in con.execute("SELECT name FROM app_user").fetchall()}  # cg_rep: a name, not a code
    con.close()
    words = (
        sorted((w for w in words if w and CJK.search(w)), key=len, reverse=True)
        + sorted(names, key=len)[::-1]
    )
    return re.compile("|".join(re.escape(w) for w in words))


def _visible_text(page) -> str:
    """What the person sees: the main area and the sidebar, and every grid cell (the grids draw on a canvas; their
    cells are read from the accessible table the grid keeps beside it, for the rows it has drawn)."""
    # Material icons are ligatures (「folder_zip」 drawn as a picture): hidden, their names are not read.
    page.evaluate(
        """() => { for (const e of document.querySelectorAll('[data-testid=stMain] *, [data-testid=stSidebar] *'))
                     if (getComputedStyle(e).fontFamily.includes('Material')) e.style.display = 'none'; }"""
    )
    text = page.inner_text("[data-testid=stMain]") + "\n" + page.inner_text("[data-testid=stSidebar]")
    cells = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=stDataFrame] table td,'
                 + ' [data-testid=stDataFrame] table th, [data-testid=stTable] td')]
               .map(e => e.textContent)"""
    )
    return text + "\n" + "\n".join(cells)


def _problems(text: str, lang: str, data) -> list[str]:
    out = []
    fields = _national_fields()
    for line in {data.sub("", line).strip() for line in text.splitlines() if line.strip()}:
        if MISSING.search(line):
            out.append(f"missing value: {line}")
        if JSON_OBJECT.search(line):
            out.append(f"JSON: {line}")
        if YAML_PATH.search(line):
            out.append(f"YAML path: {line}")
        if SNAKE.search(line) or any(re.search(rf"\b{re.escape(f)}\b", line) for f in fields):
            out.append(f"code name: {line}")
        if lang == "en" and CJK.search(line):
            out.append(f"Chinese: {line}")
    return sorted(out)


def _account(role: str) -> tuple[str, str]:
    return {"admin": ("admin", ADMIN_PASSWORD), "reporter": REPORTER[:2], "leader": LEADER[:2]}[role]


def _language(page, lang: str) -> None:
    word = {"zh": "中文", "en": "English"}[lang]
    page.get_by_test_id("stSidebar").get_by_text(word, exact=True).click()
    wait_for_app_run(page)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", ["admin", "reporter", "leader"])
def test_no_developer_words(browser, app_server, sign_ins, data_words, role, lang):
    from tests.browser.conftest import navigate

    name, password = _account(role)
    context, page = resumed_page(browser, app_server, sign_ins, name, password)
    try:
        _language(page, lang)
        found: dict[str, list[str]] = {}
        for path in PAGES[role]:
            navigate(page, path)
            problems = _problems(_visible_text(page), lang, data_words)
            if problems:
                found[path] = problems[:12]
        assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
    finally:
        context.close()
