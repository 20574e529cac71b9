"""Normalise and validate the rows of `_ing_raw` as set-based SQL, joined to lookup tables from the catalogue.

Every distinct raw cell of the looked-up columns (period, value, numerator, denominator, metric, unit,
area) is cleaned and parsed once, in SQL, and joined back to the rows by its raw text; then one statement
computes every check and writes the one result table `_ing_result`:

    row_no, unit, metric, area, period_type, period_start, period_end, period_label,
    value, numerator, denominator, grade, note, evidence, reasons VARCHAR[], warnings VARCHAR[],
    dup_hash (used to find repeated rows, which an UPDATE then refuses)

A row with reasons is refused; a row without reasons goes in, with its warnings shown. The words come
from tracker.strings.upload, bound as parameters of SQL `concat()` calls; user input reaches SQL only
through the registered tables and bound parameters.

Refusal or warning (issue 10): the test is "would a wrong figure be judged if the clerk ignores it?".
- A fraction typed for a percentage (0.176 for 17.6%) is refused with the fix in the reason, for every percent
  metric: stored as 0.176% it would be judged (吸烟率 <20% would be 达标) and sent to the national form, and
  a metric without a threshold or history is no safer (issue 21). A cell that carries % itself (0.5%) is a
  real figure; a metric whose catalogue entry says why small percentages are plausible (`small_percent`)
  takes the bare figure with the `fraction` warning.
- A period that has not begun is refused (「2099」 is a slip, not a plan); one that has not ended is warned:
  its figure is kept, and counts once the period ends (the evaluation reads periods ended by its date).
  Incident counts are not warned: they count from the day their period starts.
- Numerator/denominator disagreeing with the typed rate is refused: one of the two figures is wrong and
  the tracker cannot know which; taking either would judge a figure nobody confirmed.
- A value that replaces an earlier one stays a warning: corrections are what re-sending is for, the old
  value is kept and audited.
- A value far from the metric's history stays a warning: a real change (after rectification, a new
  survey method) is exactly what the tracker must let in, and the figure as typed is the unit's own;
  refusing it would keep the old, now wrong, figure counting. The office sees the warning.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import duckdb
import pandas as pd

from indicators.figures import GRADES, figure_sql, number_sql
from indicators.rules import REGISTRY
from tracker.catalogue import OFFICE, Catalogue, normalise_name
from tracker.config import settings
from tracker.engine import counting
from tracker.engine.answers import answers_sql
from tracker.engine.catalogue_tables import use_catalogue
from tracker.files import RISKY_START
from tracker.ingest.reader import CELL_LIMITS, Sheet
from tracker.ingest.text import DEFAULT, Markers
from tracker.periods import WS, period_select
from tracker.strings import PERIOD_WORD
from tracker.strings.upload import REFUSE, WARN

NUMBER = r"^([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?)"
PER_100K = r"[ \t\x{3000}]*(1/|/|每)(10|十)万人?[ \t\x{3000}]*$"
# Words around a figure that qualify it: the figure is read, the words kept in the note (issue 11).
QUAL_BEFORE = "≥|≧|>=|>|≤|≦|<=|<|不低于|不少于|不高于|不超过|大于|小于|高于|低于|超过|达到|约"
QUAL_AFTER = "及以上|以上|及以下|以下|左右"
# 「有」「无」 are read as yes/no with a warning: for 「市场无非法交易」 「有」 may mean the opposite of 「是」.
YES_NO_WORDS = ("有", "无")
YES = ("是", "有", "Y", "YES", "TRUE", "T", "1", "√", "✓", "✔", "☑")
NO = ("否", "无", "N", "NO", "FALSE", "F", "0", "×", "✗", "✘", "☒", "X")
NO_AREA = ("全市", "全市范围", "市本级", "全市合计", "本级", "-", "--", "—", "——", "/", "无", "不适用")
PERIOD_ORDER = "['month', 'quarter', 'year']"  # shortest first
# The grade letters (indicators.figures.GRADES) in SQL: a letter's ordinal (A = 1), and the list an ordinal indexes.
GRADE_ORDINALS = " ".join(f"WHEN '{g}' THEN {i}" for i, g in enumerate(GRADES, start=1))
GRADE_LIST = "[" + ", ".join(f"'{g}'" for g in GRADES) + "]"
# Multiplier that turns numerator/denominator into the metric's unit of measure.
FRACTION_UNIT = {
    "%": 100.0,
    "‰": 1000.0,
    "1/10万": 100000.0,
    "人/千人": 1000.0,
    "张/千人": 1000.0,
    "人/万人": 10000.0,
}
# Suffixes accepted after a figure, besides the unit of measure itself.
SUFFIX_ALIASES = {
    "平方米": ("m2", "平米", "平方", "平方米/人", "m2/人", "平米/人", "平方/人", "平方米每人"),  # ㎡ reads m2
    "微克/立方米": ("μg/m3", "ug/m3", "微克/m3", "μg/立方米", "微克每立方米"),  # µ and ³ read μ and 3
    "小时": ("h", "时", "小时/天", "小时/日"),
    "天": ("日",),
    "起": ("次", "件"),
    "岁": ("周岁",),
    "分贝": ("db", "dB(A)", "db(a)"),
}


def today() -> dt.date:
    """The day an upload is checked against (which periods have begun, which have ended); tests fix it."""
    return dt.date.today()


WS_CHARS = "".join(
    chr(c)
    for c in (
        *range(0x09, 0x0E),
        *range(0x1C, 0x21),
        0x85,
        0xA0,
        0x1680,
        *range(0x2000, 0x200B),
        0x2028,
        0x2029,
        0x202F,
        0x205F,
        0x3000,
    )
)


# A cell our own refused-rows file made inert (tracker.files.csv_cell: 「'=…」「'-1」), sent again: the
# apostrophe is taken off, so the figure is read and judged afresh.
_INERT = "^''([" + "".join(c for c in RISKY_START if c != "-") + "-])"


def _clean(
    col: str, restore: bool = True, plain: bool = False, markers: Markers = DEFAULT, unquote: bool = False
) -> str:
    """A cell: placeholders back to , " ; — blank-line markers out — trimmed; '' → NULL.

    `plain`: the text holds no whitespace but spaces and row breaks, and no quoted cells, so a cell can
    only carry spaces at its ends and DuckDB's own trim() will do (the regex costs ~1 s per million rows)."""
    if restore:
        col = f"translate({col}, '{markers.chars}', ',\";')"
    if unquote:
        col = f"regexp_replace({col}, '{_INERT}', '\\1')"
    if plain:
        return f"nullif(trim({col}), '')"
    return f"nullif(regexp_replace({col}, '^{WS}+|{WS}+$', '', 'g'), '')"


def _key(col: str) -> str:
    return f"lower(regexp_replace({col}, '{WS}+', '', 'g'))"


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


# ---------------------------------------------------------------- lookup tables


def _lookup_frames(cat: Catalogue) -> dict[str, pd.DataFrame]:
    metric_keys: dict[str, str] = {}
    for m in cat.metrics:
        metric_keys.setdefault(normalise_name(m.code).lower(), m.code)
    for m in cat.metrics:
        metric_keys.setdefault(normalise_name(m.name).lower(), m.code)
    for m in cat.metrics:
        if m.national_field:
            metric_keys.setdefault(normalise_name(m.national_field).lower(), m.code)
        metric_keys.setdefault(normalise_name(m.code + m.name).lower(), m.code)
        for alias in m.aliases:  # the catalogue refuses an alias naming two metrics
            metric_keys.setdefault(normalise_name(alias).lower(), m.code)
            metric_keys.setdefault(normalise_name(m.code + alias).lower(), m.code)
    unit_keys: dict[str, str] = {}
    for u in cat.units.values():
        for alias in (u.short, u.name, *u.aliases):
            unit_keys.setdefault(normalise_name(alias).lower(), u.short)
    areas = set(cat.areas())
    area_keys = {k: v for k, v in unit_keys.items() if v in areas}
    suffixes = []
    for m in cat.metrics:
        uom = normalise_name(m.unit)
        allowed = {uom, *SUFFIX_ALIASES.get(uom, ())} if m.value_type in ("number", "count") else set()
        if m.value_type == "grade":
            allowed = {"级"}
        suffixes += [(m.code, s.lower()) for s in allowed if s]
    info = pd.DataFrame(
        [
            (
                m.code,
                f"{m.code} {m.name}",
                m.period,
                PERIOD_WORD["zh"][m.period],
                m.scope,
                m.value_type,
                m.unit,
                m.unit == "%",
                m.unit == "‰",
                FRACTION_UNIT.get(m.unit),
                m.reporter,
                REGISTRY[m.kind].events,
                bool(m.small_percent),
            )
            for m in cat.metrics
        ],
        columns=[
            "code",
            "label",
            "period",
            "period_name",
            "scope",
            "value_type",
            "uom",
            "is_percent",
            "is_permille",
            "fraction_mult",
            "reporter",
            "events",
            "small_ok",
        ],
    )
    return {
        "_lk_metric": pd.DataFrame(list(metric_keys.items()), columns=["key", "code"]),
        "_lk_metric_info": info,
        "_lk_unit": pd.DataFrame(list(unit_keys.items()), columns=["key", "short"]),
        "_lk_area": pd.DataFrame(list(area_keys.items()), columns=["key", "short"]),
        "_lk_no_area": pd.DataFrame({"key": [normalise_name(w).lower() for w in NO_AREA]}),
        "_lk_may": pd.DataFrame(
            [(u, m.code) for m in cat.metrics for u in cat.item(m.item).units], columns=["unit", "metric"]
        ).drop_duplicates(),
        "_lk_metric_area": pd.DataFrame(
            [(m.code, a) for m in cat.metrics for a in m.areas], columns=["metric", "area"]
        ).drop_duplicates(),
        "_lk_suffix": pd.DataFrame(suffixes, columns=["metric", "suffix"]).drop_duplicates(),
    }


def create_lookups(con: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    for name, frame in _lookup_frames(cat).items():
        con.register("_ing_frame", frame)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _ing_frame")
        finally:
            con.unregister("_ing_frame")


# ---------------------------------------------------------------- the checks


# The file's metrics and periods: what the value that counts is looked up for (see `prev`).
PREV_SCOPE = (
    "m.metric IN (SELECT found FROM _ing_match WHERE what = 'metric' AND found IS NOT NULL) "
    "AND m.period_start IN (SELECT period_start FROM _ing_period)"
)

# Columns of the per-text tables (_ing_match, _ing_period, _ing_number) and their types.
_LOOKED_UP = {
    "txt": "VARCHAR",
    "found": "VARCHAR",
    "no_area": "BOOLEAN",
    "period_type": "VARCHAR",
    "period_start": "DATE",
    "period_end": "DATE",
    "period_label": "VARCHAR",
    "num": "DOUBLE",
    "suffix": "VARCHAR",
    "yn": "INTEGER",
    "grade_ord": "INTEGER",
    "hint": "VARCHAR",
    "qualifier": "VARCHAR",
    "yn_word": "VARCHAR",
}
SUGGEST_TEXTS = 500  # distinct unknown metric texts that get the closest names (difflib, per text)


def _metric_names(cat: Catalogue) -> dict[str, str]:
    """Every name a metric goes by (name, aliases), folded as the lookups fold them → its label."""
    names: dict[str, str] = {}
    for m in cat.metrics:
        for name in (m.name, *m.aliases):
            names.setdefault(normalise_name(name).lower(), f"{m.code} {m.name}")
    return names


def _suggest(con: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    """Fill _ing_match.hint for unknown metric texts: the closest metric labels, once per distinct text."""
    import difflib

    unknown = [
        t
        for (t,) in con.execute(
            f"""SELECT DISTINCT txt FROM _ing_match WHERE what = 'metric' AND found IS NULL AND txt IS NOT NULL
                ORDER BY txt LIMIT {SUGGEST_TEXTS}"""
        ).fetchall()
    ]
    if not unknown:
        return
    names = _metric_names(cat)
    hints = []
    for text in unknown:
        key = normalise_name(text).lower()
        close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
        labels = list(dict.fromkeys(names[c] for c in close))
        if labels:
            hints.append((text, "、".join(labels)))
    if not hints:
        return
    con.register("_ing_hints", pd.DataFrame(hints, columns=["txt", "hint"], dtype="object"))
    try:
        con.execute(
            """UPDATE _ing_match SET hint = h.hint FROM _ing_hints h
               WHERE _ing_match.what = 'metric' AND _ing_match.txt = h.txt"""
        )
    finally:
        con.unregister("_ing_hints")


def _hits(checks: list[tuple[str, str]]) -> str:
    """The messages whose condition holds, as a VARCHAR[]. The list is built only for the rows where some
    condition holds: a 30-element list for every row cost ~1 s per million rows."""
    some = " OR ".join(f"({cond})" for cond, _ in checks)
    items = ",\n                ".join(f"CASE WHEN {cond} THEN {text} END" for cond, text in checks)
    return f"""CASE WHEN {some} THEN list_filter([
                {items}
            ], lambda x: x IS NOT NULL) ELSE []::VARCHAR[] END"""


def validate(con: duckdb.DuckDBPyConnection, sheet: Sheet, cat: Catalogue, sender: str | None) -> None:
    """Build `_ing_result` from `_ing_raw` (see the module's notes). `sender`: the canonical unit the file
    was sent for, or None when each row's 单位 column names its unit."""
    create_lookups(con, cat)
    sql = Sql()
    rows = f"_ing_raw w WHERE w.row_no > {int(sheet.header_row)}"

    def raw(name: str) -> str:
        i = sheet.columns.get(name)
        return "CAST(NULL AS VARCHAR)" if i is None else f"w.c{i}"

    def clean(col: str) -> str:
        return _clean(col, sheet.placeholders, sheet.plain, sheet.markers, sheet.apostrophe)

    # Distinct raw cells of the looked-up columns, cleaned and parsed once each and keyed by the raw text:
    # the rows then need no cleaning of their own, only a join (cleaning every cell cost ~1.5 s per million).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_period AS
        WITH texts AS (SELECT raw, {clean("raw")} AS txt FROM (SELECT DISTINCT {raw("period")} AS raw FROM {rows})),
        parsed AS ({period_select("texts", "txt", sql.bind)})
        SELECT t.raw, p.* FROM texts t JOIN parsed p USING (txt)""",
        sql.params,
    )
    sql.params.clear()
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_match AS
        WITH raws AS (
            SELECT DISTINCT 'metric' AS what, {raw("metric")} AS raw FROM {rows}
            UNION ALL SELECT DISTINCT 'unit', {raw("unit")} FROM {rows}
            UNION ALL SELECT DISTINCT 'area', {raw("area")} FROM {rows}),
        texts AS (SELECT what, raw, {clean("raw")} AS txt FROM raws),
        keyed AS (SELECT what, raw, txt, {_key("txt")} AS k FROM texts WHERE txt IS NOT NULL)
        SELECT what, raw, txt,
               CASE what WHEN 'metric' THEN m.code
                         WHEN 'unit' THEN u.short ELSE a.short END AS found,
               what = 'area' AND na.key IS NOT NULL AS no_area, CAST(NULL AS VARCHAR) AS hint
        FROM keyed
        LEFT JOIN _lk_metric m ON what = 'metric' AND m.key = keyed.k
        LEFT JOIN _lk_unit u ON what = 'unit' AND u.key = keyed.k
        LEFT JOIN _lk_area a ON what = 'area' AND a.key = keyed.k
        LEFT JOIN _lk_no_area na ON what = 'area' AND na.key = keyed.k"""
    )
    _suggest(con, cat)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_number AS
        WITH raws AS (
            SELECT DISTINCT {raw("value")} AS raw FROM {rows}
            UNION SELECT DISTINCT {raw("numerator")} FROM {rows}
            UNION SELECT DISTINCT {raw("denominator")} FROM {rows}),
        texts AS (SELECT * FROM (SELECT raw, {clean("raw")} AS txt FROM raws) WHERE txt IS NOT NULL),
        -- "per 100 000" written after the figure (18.5/10万, 18.5 1/10万, 18.5每10万): taken off before the
        -- spaces go, so that 「18.5 1/10万」 does not read as 18.51.
        per AS (
            SELECT raw, txt, regexp_matches(txt, '{PER_100K}') AS per_100k,
                   regexp_replace(txt, '{PER_100K}', '') AS t FROM texts),
        squeezed AS (
            SELECT raw, txt, per_100k, replace(regexp_replace(t, '{WS}+', '', 'g'), ',', '') AS s0 FROM per),
        -- A qualifier before or after the figure (≥90%, 不低于90%, 16小时以上): read without it, kept in the
        -- note and warned (_qualified).
        qualified AS (
            SELECT *, regexp_extract(s0, '^({QUAL_BEFORE})', 1) AS q1, regexp_extract(s0, '({QUAL_AFTER})$', 1) AS q2
            FROM squeezed),
        stripped AS (
            SELECT raw, txt, per_100k, nullif(concat(q1, q2), '') AS qualifier,
                   CASE WHEN q1 = '' AND q2 = '' THEN s0
                        ELSE substr(s0, length(q1) + 1, length(s0) - length(q1) - length(q2)) END AS s
            FROM qualified),
        split AS (SELECT raw, txt, s, per_100k, qualifier, regexp_extract(s, '{NUMBER}', 1) AS n FROM stripped)
        SELECT raw, txt,
               TRY_CAST(nullif(n, '') AS DOUBLE) AS num,
               CASE WHEN per_100k AND substr(s, length(n) + 1) = '' THEN '1/10万'
                    ELSE lower(substr(s, length(n) + 1)) END AS suffix,
               CASE WHEN TRY_CAST(nullif(n, '') AS DOUBLE) IS NOT NULL THEN qualifier END AS qualifier,
               CASE WHEN upper(s) IN {YES} THEN 1 WHEN upper(s) IN {NO} THEN 0 END AS yn,
               CASE WHEN s IN {YES_NO_WORDS} THEN s END AS yn_word,
               CASE upper(regexp_extract(s, '^([A-Za-z])级?$', 1))
                    {GRADE_ORDINALS} END AS grade_ord
        FROM split"""
    )

    # One row per input row that is not blank: canonical fields and every blocking reason.
    joins: list[str] = []

    def look(alias: str, table: str, name: str, what: str = "") -> Callable[[str], str]:
        """The dictionary row of field `name`'s raw cell, as alias.column. When the file has no such column,
        typed NULLs instead of a join: the optimiser then drops every check that needs it (a file without
        分子/分母 skips the fraction checks)."""
        i = sheet.columns.get(name)
        if i is None:
            return lambda col: f"CAST(NULL AS {_LOOKED_UP[col]})"
        on = f"{alias}.what = '{what}' AND " if what else ""
        joins.append(f"LEFT JOIN {table} {alias} ON {on}{alias}.raw = w.c{i}")
        return lambda col: f"{alias}.{col}"

    if sheet.spans:  # records whose quoted cells span lines (tracker.ingest.reader._line_spans)
        joins.append("LEFT JOIN _ing_lines ln ON ln.row_no = w.row_no")
    rowlike = "ln.rowlike" if sheet.spans else "CAST(NULL AS VARCHAR)"
    first_line = "ln.first_line" if sheet.spans else "CAST(NULL AS INTEGER)"
    last_line = "ln.last_line" if sheet.spans else "CAST(NULL AS INTEGER)"
    # A delimiter inside a name or period cell can only come from quoting: a stray `"` opened a cell that
    # took in the fields after it. Such a row is refused naming the cell, never skipped as blank.
    stray_checks = []
    if sheet.quoted:
        delim_ref = sql.bind("delim", sheet.delim)
        for name in ("unit", "metric", "area", "period"):
            i = sheet.columns.get(name)
            if i is not None:
                col = sql.bind(f"stray_col_{name}", sheet.headers[i])
                stray_checks.append(f"CASE WHEN contains(w.c{i}, {delim_ref}) THEN {col} END")
    stray = f"coalesce({', '.join(stray_checks)})" if stray_checks else "CAST(NULL AS VARCHAR)"
    # Cells over their length limit (reader.CELL_LIMITS), checked on the raw cell: strlen (bytes, O(1)) first,
    # the character count only for the few that may be over.
    long_cols, long_checks = [], []
    for name, limit in CELL_LIMITS.items():
        i = sheet.columns.get(name)
        if i is None:
            continue
        long_cols.append(f"w.c{i} AS raw_{name}")
        cond = f"strlen(r.raw_{name}) > {int(limit)} AND length(r.raw_{name}) > {int(limit)}"
        text = sql.msg(
            REFUSE,
            "too_long",
            column=sql.bind(f"long_col_{name}", sheet.headers[i]),
            n=f"length(r.raw_{name})",
            limit=str(int(limit)),
        )
        long_checks.append((cond, text))
    mu = look("mu", "_ing_match", "unit", "unit")
    mm = look("mm", "_ing_match", "metric", "metric")
    ma = look("ma", "_ing_match", "area", "area")
    p = look("p", "_ing_period", "period")
    vn = look("vn", "_ing_number", "value")
    nn = look("nn", "_ing_number", "numerator")
    dn = look("dn", "_ing_number", "denominator")
    msg = sql.msg
    sender_ref = sql.bind("sender", sender)
    office_ref = sql.bind("office", OFFICE)
    today_ref = f"CAST({sql.bind('today', today())} AS DATE)"
    vt = "i.value_type"
    val_num = "r.value_num"
    suffix_ok = (
        "(r.suffix = '' OR (i.is_percent AND r.suffix = '%') OR (i.is_permille AND r.suffix = '‰')"
        " OR sx.metric IS NOT NULL)"
    )
    rate = "r.numerator_num / r.denominator_num * i.fraction_mult"
    has_fraction = "(r.numerator_t IS NOT NULL OR r.denominator_t IS NOT NULL)"
    both_fraction = "(r.numerator_t IS NOT NULL AND r.denominator_t IS NOT NULL)"
    fraction_ok = f"({both_fraction} AND r.numerator_num >= 0 AND r.denominator_num > 0 AND i.fraction_mult IS NOT NULL)"
    number_value = f"CASE WHEN {fraction_ok} THEN {rate} ELSE {val_num} END"
    shown = f"coalesce(r.value_t, {figure_sql(rate, 'i.uom')})"
    reasons = [
        *long_checks,
        (
            "r.rowlike IS NOT NULL",
            msg(REFUSE, "swallowed", column="r.rowlike", first="r.first_line", last="r.last_line"),
        ),
        ("r.stray IS NOT NULL", msg(REFUSE, "stray_quote", column="r.stray")),
        ("r.metric_t IS NULL", msg(REFUSE, "no_metric")),
        (
            "r.metric_t IS NOT NULL AND r.metric_found IS NULL AND r.metric_hint IS NULL",
            msg(REFUSE, "unknown_metric", metric="r.metric_t"),
        ),
        (
            "r.metric_t IS NOT NULL AND r.metric_found IS NULL AND r.metric_hint IS NOT NULL",
            msg(REFUSE, "unknown_metric_hint", metric="r.metric_t", names="r.metric_hint"),
        ),
        (f"r.unit_t IS NULL AND {sender_ref} IS NULL", msg(REFUSE, "no_unit")),
        ("r.unit_t IS NOT NULL AND r.unit_found IS NULL", msg(REFUSE, "unknown_unit", unit="r.unit_t")),
        (
            f"""r.unit_found IS NOT NULL AND {sender_ref} IS NOT NULL AND {sender_ref} <> {office_ref}
                AND r.unit_found <> {sender_ref}""",
            msg(REFUSE, "other_unit", sender=sender_ref, unit="r.unit_found"),
        ),
        (
            f"""i.code IS NOT NULL AND r.unit IS NOT NULL AND r.unit <> {office_ref}
                AND coalesce({sender_ref}, '') <> {office_ref} AND may.unit IS NULL""",
            msg(REFUSE, "not_responsible", unit="r.unit", metric="i.label"),
        ),
        (
            "r.area_t IS NOT NULL AND NOT r.no_area AND r.area_found IS NULL",
            msg(REFUSE, "unknown_area", area="r.area_t"),
        ),
        (
            "i.scope = 'city' AND r.area_found IS NOT NULL",
            msg(REFUSE, "area_on_city", metric="i.label", area="r.area_t"),
        ),
        ("i.scope = 'area' AND (r.area_t IS NULL OR r.no_area)", msg(REFUSE, "no_area", metric="i.label")),
        (
            "i.scope = 'area' AND r.area_found IS NOT NULL AND listed.metric IS NULL",
            msg(REFUSE, "area_not_listed", area="r.area_t", metric="i.label"),
        ),
        ("r.period_t IS NULL", msg(REFUSE, "no_period")),
        (
            "r.period_t IS NOT NULL AND r.period_type IS NULL",
            msg(REFUSE, "bad_period", period="r.period_t"),
        ),
        (
            # Events kinds (incidents) take a count for any period up to their own: 「2026年10月」 for a year metric.
            f"""i.code IS NOT NULL AND r.period_type IS NOT NULL AND r.period_type <> i.period
                AND NOT (i.events AND list_position({PERIOD_ORDER}, r.period_type)
                                      <= list_position({PERIOD_ORDER}, i.period))""",
            msg(REFUSE, "wrong_period", metric="i.label", expected="i.period_name", period="r.period_t"),
        ),
        (
            f"r.period_start > {today_ref}",
            msg(REFUSE, "not_begun", period="r.period_t", today=f"strftime({today_ref}, '%Y-%m-%d')"),
        ),
        # values
        (f"i.code IS NOT NULL AND r.value_t IS NULL AND NOT {has_fraction}", msg(REFUSE, "no_value")),
        (
            f"{vt} = 'yesno' AND r.value_t IS NOT NULL AND r.yn IS NULL",
            msg(REFUSE, "bad_yesno", value="r.value_t"),
        ),
        (
            f"{vt} = 'grade' AND r.value_t IS NOT NULL AND r.grade_ord IS NULL",
            msg(REFUSE, "bad_grade", value="r.value_t"),
        ),
        (
            f"""{vt} IN ('number', 'count') AND r.value_t IS NOT NULL AND NOT {fraction_ok}
                AND {val_num} IS NULL""",
            msg(REFUSE, "bad_value", value="r.value_t"),
        ),
        (
            f"""{vt} IN ('number', 'count') AND r.value_t IS NOT NULL AND {val_num} IS NOT NULL
                AND NOT {suffix_ok}""",
            msg(REFUSE, "wrong_suffix", value="r.value_t", typed="r.suffix", unit="i.uom"),
        ),
        (
            f"{vt} IN ('yesno', 'grade') AND {has_fraction} AND r.value_t IS NULL",
            msg(REFUSE, "fraction_type", metric="i.label"),
        ),
        (
            f"{vt} IN ('number', 'count') AND {has_fraction} AND i.fraction_mult IS NULL AND r.value_t IS NULL",
            msg(REFUSE, "fraction_type", metric="i.label"),
        ),
        (
            f"i.code IS NOT NULL AND {has_fraction} AND NOT {both_fraction} AND r.value_t IS NULL",
            msg(REFUSE, "half_fraction"),
        ),
        (
            "r.numerator_t IS NOT NULL AND r.numerator_num IS NULL",
            msg(REFUSE, "bad_numerator", value="r.numerator_t"),
        ),
        (
            "r.denominator_t IS NOT NULL AND r.denominator_num IS NULL",
            msg(REFUSE, "bad_denominator", value="r.denominator_t"),
        ),
        (
            "r.denominator_num IS NOT NULL AND r.denominator_num <= 0",
            msg(REFUSE, "zero_denominator", value="r.denominator_t"),
        ),
        (
            "r.numerator_num IS NOT NULL AND r.numerator_num < 0",
            msg(REFUSE, "negative_fraction", value="r.numerator_t"),
        ),
        (f"i.is_percent AND ({number_value}) NOT BETWEEN 0 AND 100", msg(REFUSE, "pct_range", value=shown)),
        (
            f"i.is_permille AND ({number_value}) NOT BETWEEN 0 AND 1000",
            msg(REFUSE, "permille_range", value=shown),
        ),
        (
            f"{vt} IN ('number', 'count') AND NOT i.is_percent AND NOT i.is_permille AND ({number_value}) < 0",
            msg(REFUSE, "negative", value=shown),
        ),
        (
            f"{vt} = 'count' AND ({number_value}) >= 0 AND ({number_value}) <> floor({number_value})",
            msg(REFUSE, "count_integer", value=shown),
        ),
        (
            f"""i.is_percent AND NOT {fraction_ok} AND r.suffix = '' AND {val_num} > 0 AND {val_num} <= 1
                AND NOT i.small_ok""",
            msg(REFUSE, "fraction", value="r.value_t", pct=number_sql(f"{val_num} * 100")),
        ),
        (
            f"""{vt} IN ('number', 'count') AND {fraction_ok} AND {val_num} IS NOT NULL
                AND abs({val_num} - {rate}) > greatest(0.05, abs({rate}) * 0.001)""",
            msg(REFUSE, "mismatch", value="r.value_t", rate=number_sql(rate)),
        ),
    ]
    # Warnings, for rows that go in.
    k = settings().get("outlier_spread", 4)
    # Whether this row's unit is one whose figure counts by default: the one definition (tracker.engine.counting)
    # — the reporter, the office, an area's own unit, and for incidents every listed unit.
    counts = f"coalesce({counting.DEFAULT_UNITS.replace('m.', 'c.')}, false)"  # NULL (no area) is not a match
    warnings = [
        # A figure from a listed unit other than the reporter is kept beside the reporter's, never instead of it.
        (
            f"c.reporter IS NOT NULL AND NOT {counts}",
            msg(WARN, "beside_reporter", unit="c.unit", reporter="c.reporter"),
        ),
        # An incident from such a unit counts at once: the worst report wins (hiding one is worse than two).
        (
            f"c.events AND c.reporter IS NOT NULL AND c.unit <> c.reporter AND c.unit <> {office_ref}",
            msg(WARN, "incident_counted", unit="c.unit", reporter="c.reporter"),
        ),
        (
            f"""prev.value IS NOT NULL AND c.value IS NOT NULL AND abs(prev.value - c.value) > 1e-9
                AND {counts}""",
            msg(
                WARN,
                "replaces",
                old="prev.shown",
                when="strftime(prev.recorded_at, '%Y-%m-%d')",
                unit="prev.unit",
            ),
        ),
        (
            f"""c.value_type = 'number' AND st.n >= 3
                AND abs(c.value - st.med) > {sql.bind("spread_k", float(k))} * greatest(st.iqr, abs(st.med) * 0.02, 1e-6)""",
            msg(WARN, "outlier", value=figure_sql("c.value", "c.uom"), median=figure_sql("st.med", "c.uom")),
        ),
        (
            f"c.period_end > {today_ref} AND NOT c.events",
            msg(WARN, "not_ended", period="c.period_label", end="strftime(c.period_end, '%Y-%m-%d')"),
        ),
        (
            "c.value_type = 'yesno' AND c.yn_word IS NOT NULL",
            msg(
                WARN,
                "yes_no_word",
                value="c.yn_word",
                read="CASE WHEN c.value >= 0.5 THEN '是' ELSE '否' END",
            ),
        ),
        (
            "c.is_percent AND NOT c.from_fraction AND c.suffix = '' AND c.value > 0 AND c.value <= 1",
            msg(WARN, "fraction", value="c.value_t", pct=number_sql("c.value * 100")),
        ),
        # A verified checklist answer (prev.verified_by: the office's check still holding for it, see prev), when
        # this row's unit is one whose figure counts: a different answer needs a new check, the same keeps it.
        (
            f"""prev.verified_by IS NOT NULL AND c.value_type = 'yesno' AND abs(prev.value - c.value) > 1e-9
                AND (c.unit = prev.reporter OR c.unit = {office_ref} OR c.unit IS NOT DISTINCT FROM c.area)""",
            msg(
                WARN,
                "reverify",
                old="prev.shown",
                when="strftime(prev.verified_at, '%Y-%m-%d')",
                by="prev.verified_by",
                new="CASE WHEN c.value >= 0.5 THEN '是' ELSE '否' END",
            ),
        ),
        (
            f"""prev.verified_by IS NOT NULL AND c.value_type = 'yesno' AND abs(prev.value - c.value) <= 1e-9
                AND (c.unit = prev.reporter OR c.unit = {office_ref} OR c.unit IS NOT DISTINCT FROM c.area)""",
            msg(
                WARN,
                "keeps_verified",
                old="prev.shown",
                when="strftime(prev.verified_at, '%Y-%m-%d')",
                by="prev.verified_by",
            ),
        ),
    ]
    # The office's check holding for each earlier checklist answer, for the file's yes/no metrics only (a file
    # without any skips the lookup: it reads the whole measurement table for the answers that count).
    file_checklist = (
        "(SELECT code AS metric FROM _lk_metric_info WHERE value_type = 'yesno' "
        "AND code IN (SELECT found FROM _ing_match WHERE what = 'metric'))"
    )
    checks = (
        "SELECT NULL::BIGINT AS id, NULL::VARCHAR AS verified_by, NULL::TIMESTAMP AS verified_at WHERE false"
    )
    use_catalogue(con, cat)  # the value that counts (prev) reads the catalogue's reporters
    sql.bind("known", counting.FAR_FUTURE)
    if con.execute(f"SELECT count(*) FROM {file_checklist}").fetchone()[0]:
        sql.bind("v_known", counting.FAR_FUTURE)
        checks = answers_sql(file_checklist)
    # The history's spread per metric of the file, for the fraction check and the outlier warning.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _ing_stats AS
        SELECT metric, median(value) AS med,
               quantile_cont(value, 0.75) - quantile_cont(value, 0.25) AS iqr, count(*) AS n
        FROM measurement SEMI JOIN (SELECT DISTINCT found AS metric FROM _ing_match WHERE what = 'metric')
             USING (metric)
        WHERE value IS NOT NULL GROUP BY metric"""
    )
    # One statement, one table of a million rows: the history the warnings compare with is narrowed by
    # the file's metrics and periods from the small tables above, not by the rows.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_result AS
        WITH cells AS (
            SELECT w.row_no,
                {mu("txt")} AS unit_t, {mu("found")} AS unit_found,
                CASE WHEN {mu("txt")} IS NULL THEN CAST({sender_ref} AS VARCHAR) ELSE {mu("found")} END AS unit,
                {mm("txt")} AS metric_t, {mm("found")} AS metric_found, {mm("hint")} AS metric_hint,
                {ma("txt")} AS area_t, {ma("found")} AS area_found, {ma("no_area")} AS no_area,
                {p("txt")} AS period_t, {p("period_type")} AS period_type, {p("period_start")} AS period_start,
                {p("period_end")} AS period_end, {p("period_label")} AS period_label,
                {vn("txt")} AS value_t, {vn("num")} AS value_num, {vn("suffix")} AS suffix,
                {vn("qualifier")} AS qualifier,
                {vn("yn")} AS yn, {vn("yn_word")} AS yn_word, {vn("grade_ord")} AS grade_ord,
                {nn("txt")} AS numerator_t, {nn("num")} AS numerator_num,
                {dn("txt")} AS denominator_t, {dn("num")} AS denominator_num,
                {clean(raw("note"))} AS note_t, {clean(raw("evidence"))} AS evidence_t,
                {rowlike} AS rowlike, {first_line} AS first_line, {last_line} AS last_line, {stray} AS stray
                {"".join(", " + c for c in long_cols)}
            FROM _ing_raw w
            {" ".join(joins)}
            WHERE w.row_no > {int(sheet.header_row)}),
        checked AS (
            SELECT r.row_no,
                r.unit,
                i.code AS metric, i.value_type, i.is_percent, i.reporter, i.uom, i.events, r.yn_word,
                r.area_found AS area, (r.area_t IS NULL OR r.no_area OR r.area_found IS NOT NULL) AS area_ok,
                r.period_type, r.period_start, r.period_end, r.period_label,
                CASE {vt} WHEN 'yesno' THEN CAST(r.yn AS DOUBLE)
                          WHEN 'grade' THEN CAST(r.grade_ord AS DOUBLE)
                          ELSE {number_value} END AS value,
                r.numerator_num AS numerator, r.denominator_num AS denominator,
                CASE WHEN {vt} = 'grade' THEN {GRADE_LIST}[r.grade_ord] END AS grade,
                r.note_t AS note, r.evidence_t AS evidence,
                CASE WHEN {vt} IN ('number', 'count') AND NOT {fraction_ok} THEN r.qualifier END AS qualifier,
                r.value_t, {fraction_ok} AS from_fraction, {val_num} AS typed_number, r.suffix, {rate} AS rate,
                {_hits(reasons)} AS reasons
            FROM cells r
            LEFT JOIN _lk_metric_info i ON i.code = r.metric_found
            -- The office may send any unit's rows: for its files the optimiser drops this lookup.
            LEFT JOIN _lk_may may ON may.unit = r.unit AND may.metric = i.code
                                 AND {sender_ref} IS DISTINCT FROM {office_ref}
            LEFT JOIN _lk_metric_area listed ON listed.metric = i.code AND listed.area = r.area_found
            LEFT JOIN _lk_suffix sx ON sx.metric = i.code AND sx.suffix = r.suffix
            -- A row with no figure, note or evidence is blank (or a template row left unfilled): skipped.
            WHERE r.value_t IS NOT NULL OR r.numerator_t IS NOT NULL OR r.denominator_t IS NOT NULL
               OR r.note_t IS NOT NULL OR r.evidence_t IS NOT NULL OR r.rowlike IS NOT NULL
               OR r.stray IS NOT NULL),
        file_metrics AS (SELECT DISTINCT found AS metric FROM _ing_match WHERE what = 'metric'),
        stats AS (SELECT * FROM _ing_stats),
        prev AS (   -- the value that counts now for each metric/area/period of the file (tracker.engine.counting)
            SELECT e.metric, coalesce(e.area, '') AS area_k, e.period_start, e.value, e.unit, e.recorded_at,
                   {figure_sql("e.value", "i.uom", "i.value_type")} AS shown,
                   i.reporter, chk.verified_by, chk.verified_at
            FROM ({counting.values_sql(PREV_SCOPE)}) e
            JOIN _lk_metric_info i ON i.code = e.metric
            LEFT JOIN ({checks}) chk ON chk.id = e.id)
        SELECT c.row_no, c.unit, c.metric, c.area, c.period_type, c.period_start, c.period_end, c.period_label,
               c.value, c.numerator, c.denominator, c.grade, c.note, c.evidence, c.reasons, c.qualifier,
               CASE WHEN c.qualifier IS NOT NULL THEN c.value_t END AS qualified_t,
               CASE WHEN len(c.reasons) > 0 THEN []::VARCHAR[] ELSE {_hits(warnings)} END AS warnings,
               CASE WHEN c.metric IS NOT NULL AND c.unit IS NOT NULL AND c.period_start IS NOT NULL AND c.area_ok
                    THEN hash(c.metric, c.unit, coalesce(c.area, ''), c.period_start) END AS dup_hash
        FROM checked c
        LEFT JOIN stats st ON st.metric = c.metric
        LEFT JOIN prev ON prev.metric = c.metric AND prev.area_k = coalesce(c.area, '')
                      AND prev.period_start = c.period_start""",
        sql.params,
    )
    sql.params.clear()
    _qualified(con, sql)
    _refuse_duplicates(con, sql)


def _qualified(con: duckdb.DuckDBPyConnection, sql: Sql) -> None:
    """A figure typed with a qualifier (≥90%, 16小时以上) goes in as the figure, warned, the text as typed
    added to the note. An UPDATE of the few such rows, not a warning for every row to test."""
    con.execute(
        f"""UPDATE _ing_result
        SET warnings = list_append(warnings, {sql.msg(WARN, "qualifier", value="qualified_t", word="qualifier", num=number_sql("value"))}),
            note = concat_ws('；', note, {sql.msg(WARN, "qualifier_note", value="qualified_t")})
        WHERE qualifier IS NOT NULL AND len(reasons) = 0""",
        sql.params,
    )
    sql.params.clear()


def _refuse_duplicates(con: duckdb.DuckDBPyConnection, sql: Sql) -> None:
    """The same metric/unit/area/period twice in the file: each such row is refused, naming the others.
    Repeated keys are found by their hash first (a collision only adds a candidate, grouped exactly after),
    so only the few candidate rows are listed and updated."""
    key = "metric, unit, area_k, period_start"
    con.execute(
        f"""UPDATE _ing_result
        SET reasons = list_append(_ing_result.reasons, {sql.msg(REFUSE, "duplicate", rows="d.others")}),
            warnings = []::VARCHAR[]
        FROM (
            WITH candidates AS (
                SELECT row_no, metric, unit, coalesce(area, '') AS area_k, period_start FROM _ing_result
                WHERE dup_hash IN (
                    SELECT dup_hash FROM _ing_result WHERE dup_hash IS NOT NULL GROUP BY dup_hash HAVING count(*) > 1
                )),
            dups AS (
                SELECT {key}, list(row_no ORDER BY row_no) AS rows
                FROM candidates GROUP BY ALL HAVING count(*) > 1)
            -- The first five others by number, then how many in all: every repeat of a key listing every other
            -- one is quadratic (370,000 rows with 1,850 repeats each grew past 22 GB).
            SELECT k.row_no,
                   array_to_string(list_slice(list_filter(list_slice(d.rows, 1, 6), lambda x: x <> k.row_no), 1, 5), '、')
                   || CASE WHEN len(d.rows) - 1 > 5 THEN concat('等', len(d.rows) - 1) ELSE '' END AS others
            FROM candidates k JOIN dups d USING ({key})) d
        WHERE _ing_result.row_no = d.row_no""",
        sql.params,
    )


def release_cells(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the file's raw cells once the result and the refused rows' cells are made: a million rows of text
    cells hold ~300 MB that the commit's inserts would otherwise sit on top of (the 1 GiB peak target)."""
    con.execute("DROP VIEW IF EXISTS _ing_raw")
    con.execute("DROP TABLE IF EXISTS _ing_cells")


def drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    release_cells(con)
    for name in (
        "_ing_period",
        "_ing_match",
        "_ing_number",
        "_ing_result",
        "_ing_refused",
        "_ing_stats",
        "_ing_lines",
        *_LOOKUP_NAMES,
    ):
        con.execute(f"DROP TABLE IF EXISTS {name}")


_LOOKUP_NAMES = (
    "_lk_metric",
    "_lk_metric_info",
    "_lk_unit",
    "_lk_area",
    "_lk_no_area",
    "_lk_may",
    "_lk_metric_area",
    "_lk_suffix",
)
