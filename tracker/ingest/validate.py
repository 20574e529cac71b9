"""Normalise and validate the rows of `_ing_raw` as set-based SQL, joined to lookup tables from the catalogue.

Every distinct text (period, value, metric, unit, area) is parsed once, in SQL, and joined back to the
rows; every check is a column of the one result table `_ing_result`:

    row_no, unit, metric, area, period_type, period_start, period_end, period_label,
    value, numerator, denominator, grade, note, evidence, reasons VARCHAR[], warnings VARCHAR[]

A row with reasons is refused; a row without reasons goes in, with its warnings shown. The words come
from tracker.strings.upload, bound as parameters of SQL `format()` calls; user input reaches SQL only
through the registered tables and bound parameters.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

import duckdb
import pandas as pd

from tracker.catalogue import OFFICE, Catalogue, normalise_name
from tracker.config import settings
from tracker.ingest.reader import Sheet
from tracker.ingest.text import BLANK, COMMA, QUOTE, SEMI
from tracker.strings.upload import PERIOD_NAME, REFUSE, WARN

# Whitespace as Python's str.split() sees it (periods.parse removes it the same way).
WS = (
    r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)
NUMBER = r"^([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?)"
YES = ("是", "有", "Y", "YES", "TRUE", "T", "1", "√", "✓", "✔", "☑")
NO = ("否", "无", "N", "NO", "FALSE", "F", "0", "×", "✗", "✘", "☒", "X")
NO_AREA = ("全市", "全市范围", "市本级", "全市合计", "本级", "-", "--", "—", "——", "/", "无", "不适用")
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
    "平方米": ("m2", "平米", "平方"),
    "小时": ("h", "时", "小时/天", "小时/日"),
    "天": ("日",),
    "起": ("次", "件"),
    "岁": ("周岁",),
    "分贝": ("db", "dB(A)", "db(a)"),
}


@lru_cache(maxsize=1)
def unicode_digits() -> tuple[str, str]:
    """Every decimal digit Python's re `\\d` and int() accept, and its ASCII twin (for SQL translate)."""
    src, dst = [], []
    for cp in range(0x80, sys.maxunicode + 1):
        ch = chr(cp)
        if unicodedata.category(ch) == "Nd":
            src.append(ch)
            dst.append(str(unicodedata.decimal(ch)))
    return "".join(src), "".join(dst)


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


def _clean(col: str, restore: bool = True, plain: bool = False) -> str:
    """A cell: placeholders back to , " ; — blank-line markers out — trimmed; '' → NULL.

    `plain`: the text holds no whitespace but spaces and row breaks, and no quoted cells, so a cell can
    only carry spaces at its ends and DuckDB's own trim() will do (the regex costs ~1 s per million rows)."""
    if restore:
        col = f"translate({col}, '{COMMA}{QUOTE}{SEMI}{BLANK}', ',\";')"
    if plain:
        return f"nullif(trim({col}), '')"
    return f"nullif(regexp_replace({col}, '^{WS}+|{WS}+$', '', 'g'), '')"


def _key(col: str) -> str:
    return f"lower(regexp_replace({col}, '{WS}+', '', 'g'))"


def _fmt(col: str) -> str:
    """A number as people read it: 90, 98.5."""
    return f"regexp_replace(CAST(CAST(round({col}, 4) AS DOUBLE) AS VARCHAR), '\\.0$', '')"


class Sql:
    """Collects bound parameters for message templates while a query is written."""

    def __init__(self) -> None:
        self.params: dict[str, object] = {}

    def bind(self, name: str, value: object) -> str:
        self.params[name] = value
        return f"${name}"

    def msg(self, table: dict, key: str, **args: str) -> str:
        template = table[key]
        names = re.findall(r"\{(\w+)\}", template)
        positional = re.sub(r"\{(\w+)\}", "{}", template)
        ref = self.bind(f"t_{'r' if table is REFUSE else 'w'}_{key}", positional)
        return f"format({ref}{''.join(', ' + args[n] for n in names)})"


# ---------------------------------------------------------------- periods (agrees with tracker.periods.parse)


def period_select(source: str, col: str, sql: Sql) -> str:
    """SELECT text, period_type, period_start, period_end, period_label for each distinct text of `col`.

    The same steps as tracker.periods.parse, on text already NFKC-normalised: other scripts' digits to
    ASCII, strip, drop a trailing time of day, drop all whitespace, then the five patterns in order."""
    src, dst = unicode_digits()
    d_src, d_dst = sql.bind("digits_src", src), sql.bind("digits_dst", dst)
    return f"""
    WITH t0 AS (SELECT DISTINCT {col} AS txt FROM {source} WHERE {col} IS NOT NULL),
    t1 AS (
        SELECT txt, CASE WHEN regexp_matches(txt, '[^\\x00-\\x7f]') THEN translate(txt, {d_src}, {d_dst})
                         ELSE txt END AS s0
        FROM t0),
    t2 AS (
        SELECT txt, regexp_replace(
                 regexp_replace(regexp_replace(s0, '^{WS}+|{WS}+$', '', 'g'),
                                '{WS}+[0-9]{{1,2}}:[0-9]{{2}}(:[0-9]{{2}})?$', ''),
                 '{WS}+', '', 'g') AS s
        FROM t1),
    t3 AS (
        SELECT txt,
            CASE WHEN regexp_matches(s, '^[0-9]{{4}}(年度?)?$') THEN 'year'
                 WHEN regexp_matches(s, '^[0-9]{{4}}[-/.]?[Qq][1-4]$') THEN 'quarter'
                 WHEN regexp_matches(s, '^[0-9]{{4}}年?第?[一二三四1-4]季度?$') THEN 'quarter'
                 WHEN regexp_matches(s, '^[0-9]{{4}}[-/.][0-9]{{1,2}}([-/.][0-9]{{1,2}})?$') THEN 'month'
                 WHEN regexp_matches(s, '^[0-9]{{4}}年[0-9]{{1,2}}月(份)?$') THEN 'month'
            END AS kind,
            TRY_CAST(substr(s, 1, 4) AS INTEGER) AS y,
            CASE WHEN regexp_matches(s, '^[0-9]{{4}}[-/.]?[Qq][1-4]$') THEN CAST(right(s, 1) AS INTEGER)
                 ELSE CASE regexp_extract(s, '^[0-9]{{4}}年?第?([一二三四1-4])季度?$', 1)
                      WHEN '一' THEN 1 WHEN '二' THEN 2 WHEN '三' THEN 3 WHEN '四' THEN 4
                      WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '3' THEN 3 WHEN '4' THEN 4 END
            END AS q,
            TRY_CAST(coalesce(nullif(regexp_extract(s, '^[0-9]{{4}}[-/.]([0-9]{{1,2}})([-/.][0-9]{{1,2}})?$', 1), ''),
                              nullif(regexp_extract(s, '^[0-9]{{4}}年([0-9]{{1,2}})月(份)?$', 1), ''))
                     AS INTEGER) AS mo
        FROM t2),
    t4 AS (
        SELECT txt,
            CASE WHEN kind IS NULL OR y NOT BETWEEN 1900 AND 2100 THEN NULL
                 WHEN kind = 'month' AND mo NOT BETWEEN 1 AND 12 THEN NULL
                 ELSE kind END AS period_type,
            y, q, mo
        FROM t3),
    t5 AS (
        SELECT txt, period_type,
            CASE period_type WHEN 'year' THEN make_date(y, 1, 1)
                             WHEN 'quarter' THEN make_date(y, 3 * (q - 1) + 1, 1)
                             WHEN 'month' THEN make_date(y, mo, 1) END AS period_start
        FROM t4)
    SELECT txt, period_type, period_start,
        CAST(CASE period_type WHEN 'year' THEN period_start + INTERVAL 1 YEAR
                              WHEN 'quarter' THEN period_start + INTERVAL 3 MONTH
                              WHEN 'month' THEN period_start + INTERVAL 1 MONTH END - INTERVAL 1 DAY AS DATE)
            AS period_end,
        CASE period_type
            WHEN 'year' THEN format('{{}}年', year(period_start))
            WHEN 'quarter' THEN format('{{}}年第{{}}季度', year(period_start),
                                       ['一', '二', '三', '四'][quarter(period_start)])
            WHEN 'month' THEN format('{{}}年{{}}月', year(period_start), month(period_start)) END
            AS period_label
    FROM t5
    """


def parse_periods_sql(con: duckdb.DuckDBPyConnection, texts: list[str]) -> list[tuple]:
    """(type, start, end, label) or None for each text, parsed by the SQL above (for tests and callers)."""
    sql = Sql()
    frame = pd.DataFrame({"i": range(len(texts)), "p": pd.Series(texts, dtype="object")})
    con.register("_ing_ptest", frame)
    try:
        rows = con.execute(
            f"""WITH parsed AS ({period_select("_ing_ptest", "p", sql)})
                SELECT t.i, p.period_type, p.period_start, p.period_end, p.period_label
                FROM _ing_ptest t LEFT JOIN parsed p ON p.txt = t.p ORDER BY t.i""",
            sql.params,
        ).fetchall()
    finally:
        con.unregister("_ing_ptest")
    return [None if r[1] is None else tuple(r[1:]) for r in rows]


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
                PERIOD_NAME[m.period],
                m.scope,
                m.value_type,
                m.unit,
                m.unit == "%",
                m.unit == "‰",
                FRACTION_UNIT.get(m.unit),
                m.reporter,
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
        ),
        "_lk_suffix": pd.DataFrame(suffixes, columns=["metric", "suffix"]),
    }


def create_lookups(con: duckdb.DuckDBPyConnection, cat: Catalogue) -> None:
    for name, frame in _lookup_frames(cat).items():
        con.register("_ing_frame", frame)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _ing_frame")
        finally:
            con.unregister("_ing_frame")


# ---------------------------------------------------------------- the checks


def validate(con: duckdb.DuckDBPyConnection, sheet: Sheet, cat: Catalogue, sender: str | None) -> None:
    """Build `_ing_result` from `_ing_raw` (see the module's notes). `sender`: the canonical unit the file
    was sent for, or None when each row's 单位 column names its unit."""
    create_lookups(con, cat)
    sql = Sql()

    def cell(name: str) -> str:
        i = sheet.columns.get(name)
        return "CAST(NULL AS VARCHAR)" if i is None else _clean(f"c{i}", sheet.placeholders, sheet.plain)

    fields = ("unit", "metric", "area", "period", "value", "numerator", "denominator", "note", "evidence")
    # A row with no figure, note or evidence is blank (or a template row left unfilled): skipped.
    filled = ("value", "numerator", "denominator", "note", "evidence")
    mapped = [f"c{sheet.columns[f]}" for f in filled if f in sheet.columns]
    not_blank = (
        " OR ".join(f"{_clean(c, sheet.placeholders, sheet.plain)} IS NOT NULL" for c in mapped) or "false"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_rows AS
            SELECT row_no, {", ".join(f"{cell(f)} AS {f}_t" for f in fields)}
            FROM _ing_raw WHERE row_no > {int(sheet.header_row)} AND ({not_blank})"""
    )

    # Distinct texts, parsed once each.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _ing_period AS {period_select('_ing_rows', 'period_t', sql)}",
        sql.params,
    )
    sql.params.clear()
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_match AS
        WITH texts AS (
            SELECT DISTINCT 'metric' AS what, metric_t AS txt FROM _ing_rows WHERE metric_t IS NOT NULL
            UNION ALL SELECT DISTINCT 'unit', unit_t FROM _ing_rows WHERE unit_t IS NOT NULL
            UNION ALL SELECT DISTINCT 'area', area_t FROM _ing_rows WHERE area_t IS NOT NULL),
        keyed AS (SELECT what, txt, {_key("txt")} AS k FROM texts)
        SELECT what, txt,
               CASE what WHEN 'metric' THEN m.code
                         WHEN 'unit' THEN u.short ELSE a.short END AS found,
               what = 'area' AND na.key IS NOT NULL AS no_area
        FROM keyed
        LEFT JOIN _lk_metric m ON what = 'metric' AND m.key = keyed.k
        LEFT JOIN _lk_unit u ON what = 'unit' AND u.key = keyed.k
        LEFT JOIN _lk_area a ON what = 'area' AND a.key = keyed.k
        LEFT JOIN _lk_no_area na ON what = 'area' AND na.key = keyed.k"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_number AS
        WITH texts AS (
            SELECT DISTINCT value_t AS txt FROM _ing_rows WHERE value_t IS NOT NULL
            UNION SELECT DISTINCT numerator_t FROM _ing_rows WHERE numerator_t IS NOT NULL
            UNION SELECT DISTINCT denominator_t FROM _ing_rows WHERE denominator_t IS NOT NULL),
        squeezed AS (
            SELECT txt, replace(regexp_replace(txt, '{WS}+', '', 'g'), ',', '') AS s FROM texts),
        split AS (SELECT txt, s, regexp_extract(s, '{NUMBER}', 1) AS n FROM squeezed)
        SELECT txt,
               TRY_CAST(nullif(n, '') AS DOUBLE) AS num,
               lower(substr(s, length(n) + 1)) AS suffix,
               CASE WHEN upper(s) IN {YES} THEN 1 WHEN upper(s) IN {NO} THEN 0 END AS yn,
               CASE upper(regexp_extract(s, '^([A-Za-z])级?$', 1))
                    WHEN 'A' THEN 1 WHEN 'B' THEN 2 WHEN 'C' THEN 3 WHEN 'D' THEN 4 END AS grade_ord
        FROM split"""
    )

    # One row per input row: canonical fields and every blocking reason.
    msg = sql.msg
    sender_ref = sql.bind("sender", sender)
    office_ref = sql.bind("office", OFFICE)
    vt = "i.value_type"
    val_num = "vn.num"
    suffix_ok = (
        "(vn.suffix = '' OR (i.is_percent AND vn.suffix = '%') OR (i.is_permille AND vn.suffix = '‰')"
        " OR EXISTS (SELECT 1 FROM _lk_suffix s WHERE s.metric = i.code AND s.suffix = vn.suffix))"
    )
    rate = "nn.num / dn.num * i.fraction_mult"
    has_fraction = "(r.numerator_t IS NOT NULL OR r.denominator_t IS NOT NULL)"
    both_fraction = "(r.numerator_t IS NOT NULL AND r.denominator_t IS NOT NULL)"
    fraction_ok = f"({both_fraction} AND nn.num >= 0 AND dn.num > 0 AND i.fraction_mult IS NOT NULL)"
    number_value = f"CASE WHEN {fraction_ok} THEN {rate} ELSE {val_num} END"
    shown = f"coalesce(r.value_t, {_fmt(rate)} || CASE WHEN i.is_percent THEN '%' ELSE '' END)"
    reasons = [
        f"CASE WHEN r.metric_t IS NULL THEN {msg(REFUSE, 'no_metric')} END",
        f"CASE WHEN r.metric_t IS NOT NULL AND mm.found IS NULL THEN {msg(REFUSE, 'unknown_metric', metric='r.metric_t')} END",
        f"CASE WHEN r.unit_t IS NULL AND {sender_ref} IS NULL THEN {msg(REFUSE, 'no_unit')} END",
        f"CASE WHEN r.unit_t IS NOT NULL AND r.unit_found IS NULL THEN {msg(REFUSE, 'unknown_unit', unit='r.unit_t')} END",
        f"""CASE WHEN r.unit_found IS NOT NULL AND {sender_ref} IS NOT NULL AND {sender_ref} <> {office_ref}
                  AND r.unit_found <> {sender_ref} THEN {msg(REFUSE, "other_unit", sender=sender_ref, unit="r.unit_found")} END""",
        f"""CASE WHEN i.code IS NOT NULL AND r.unit IS NOT NULL AND r.unit <> {office_ref}
                  AND coalesce({sender_ref}, '') <> {office_ref}
                  AND NOT EXISTS (SELECT 1 FROM _lk_may y WHERE y.unit = r.unit AND y.metric = i.code)
             THEN {msg(REFUSE, "not_responsible", unit="r.unit", metric="i.label")} END""",
        f"""CASE WHEN r.area_t IS NOT NULL AND NOT ma.no_area AND ma.found IS NULL
             THEN {msg(REFUSE, "unknown_area", area="r.area_t")} END""",
        f"CASE WHEN i.scope = 'city' AND ma.found IS NOT NULL THEN {msg(REFUSE, 'area_on_city', metric='i.label', area='r.area_t')} END",
        f"CASE WHEN i.scope = 'area' AND (r.area_t IS NULL OR ma.no_area) THEN {msg(REFUSE, 'no_area', metric='i.label')} END",
        f"""CASE WHEN i.scope = 'area' AND ma.found IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM _lk_metric_area x WHERE x.metric = i.code AND x.area = ma.found)
             THEN {msg(REFUSE, "area_not_listed", area="r.area_t", metric="i.label")} END""",
        f"CASE WHEN r.period_t IS NULL THEN {msg(REFUSE, 'no_period')} END",
        f"CASE WHEN r.period_t IS NOT NULL AND p.period_type IS NULL THEN {msg(REFUSE, 'bad_period', period='r.period_t')} END",
        f"""CASE WHEN i.code IS NOT NULL AND p.period_type IS NOT NULL AND p.period_type <> i.period
             THEN {msg(REFUSE, "wrong_period", metric="i.label", expected="i.period_name", period="r.period_t")} END""",
        # values
        f"CASE WHEN i.code IS NOT NULL AND r.value_t IS NULL AND NOT {has_fraction} THEN {msg(REFUSE, 'no_value')} END",
        f"CASE WHEN {vt} = 'yesno' AND r.value_t IS NOT NULL AND vn.yn IS NULL THEN {msg(REFUSE, 'bad_yesno', value='r.value_t')} END",
        f"CASE WHEN {vt} = 'grade' AND r.value_t IS NOT NULL AND vn.grade_ord IS NULL THEN {msg(REFUSE, 'bad_grade', value='r.value_t')} END",
        f"""CASE WHEN {vt} IN ('number', 'count') AND r.value_t IS NOT NULL AND NOT {fraction_ok}
                  AND {val_num} IS NULL THEN {msg(REFUSE, "bad_value", value="r.value_t")} END""",
        f"""CASE WHEN {vt} IN ('number', 'count') AND r.value_t IS NOT NULL AND {val_num} IS NOT NULL
                  AND NOT {suffix_ok} THEN {msg(REFUSE, "wrong_suffix", value="r.value_t", unit="i.uom")} END""",
        f"""CASE WHEN {vt} IN ('yesno', 'grade') AND {has_fraction} AND r.value_t IS NULL
             THEN {msg(REFUSE, "fraction_type", metric="i.label")} END""",
        f"""CASE WHEN {vt} IN ('number', 'count') AND {has_fraction} AND i.fraction_mult IS NULL
                  AND r.value_t IS NULL THEN {msg(REFUSE, "fraction_type", metric="i.label")} END""",
        f"CASE WHEN i.code IS NOT NULL AND {has_fraction} AND NOT {both_fraction} AND r.value_t IS NULL THEN {msg(REFUSE, 'half_fraction')} END",
        f"CASE WHEN r.numerator_t IS NOT NULL AND nn.num IS NULL THEN {msg(REFUSE, 'bad_numerator', value='r.numerator_t')} END",
        f"CASE WHEN r.denominator_t IS NOT NULL AND dn.num IS NULL THEN {msg(REFUSE, 'bad_denominator', value='r.denominator_t')} END",
        f"CASE WHEN dn.num IS NOT NULL AND dn.num <= 0 THEN {msg(REFUSE, 'zero_denominator', value='r.denominator_t')} END",
        f"CASE WHEN nn.num IS NOT NULL AND nn.num < 0 THEN {msg(REFUSE, 'negative_fraction', value='r.numerator_t')} END",
        f"""CASE WHEN i.is_percent AND ({number_value}) NOT BETWEEN 0 AND 100
             THEN {msg(REFUSE, "pct_range", value=shown)} END""",
        f"""CASE WHEN i.is_permille AND ({number_value}) NOT BETWEEN 0 AND 1000
             THEN {msg(REFUSE, "permille_range", value=shown)} END""",
        f"""CASE WHEN {vt} IN ('number', 'count') AND NOT i.is_percent AND NOT i.is_permille AND ({number_value}) < 0
             THEN {msg(REFUSE, "negative", value=shown)} END""",
        f"""CASE WHEN {vt} = 'count' AND ({number_value}) >= 0 AND ({number_value}) <> floor({number_value})
             THEN {msg(REFUSE, "count_integer", value=shown)} END""",
    ]
    reasons_sql = ",\n            ".join(reasons)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_checked AS
        SELECT r.row_no,
            r.unit,
            i.code AS metric, i.label AS metric_label, i.value_type, i.is_percent, i.uom,
            ma.found AS area, (r.area_t IS NULL OR ma.no_area OR ma.found IS NOT NULL) AS area_ok,
            p.period_type, p.period_start, p.period_end, p.period_label,
            CASE {vt} WHEN 'yesno' THEN CAST(vn.yn AS DOUBLE)
                      WHEN 'grade' THEN CAST(vn.grade_ord AS DOUBLE)
                      ELSE {number_value} END AS value,
            nn.num AS numerator, dn.num AS denominator,
            CASE WHEN {vt} = 'grade' THEN ['A', 'B', 'C', 'D'][vn.grade_ord] END AS grade,
            r.note_t AS note, r.evidence_t AS evidence,
            r.value_t, {fraction_ok} AS from_fraction, {val_num} AS typed_number, vn.suffix,
            {_fmt(rate)} AS rate_text,
            list_filter([
            {reasons_sql}
            ], lambda x: x IS NOT NULL) AS reasons
        FROM (SELECT r.*, mu.found AS unit_found,
                     CASE WHEN r.unit_t IS NULL THEN CAST({sender_ref} AS VARCHAR) ELSE mu.found END AS unit
              FROM _ing_rows r LEFT JOIN _ing_match mu ON mu.what = 'unit' AND mu.txt = r.unit_t) r
        LEFT JOIN _ing_match mm ON mm.what = 'metric' AND mm.txt = r.metric_t
        LEFT JOIN _ing_match ma ON ma.what = 'area' AND ma.txt = r.area_t
        LEFT JOIN _lk_metric_info i ON i.code = mm.found
        LEFT JOIN _ing_period p ON p.txt = r.period_t
        LEFT JOIN _ing_number vn ON vn.txt = r.value_t
        LEFT JOIN _ing_number nn ON nn.txt = r.numerator_t
        LEFT JOIN _ing_number dn ON dn.txt = r.denominator_t""",
        sql.params,
    )
    sql.params.clear()

    # The same metric/unit/area/period twice in the file; then warnings for rows that go in.
    k = settings().get("outlier_spread", 4)
    warnings = [
        f"""CASE WHEN prev.value IS NOT NULL AND c.value IS NOT NULL AND abs(prev.value - c.value) > 1e-9
             THEN {sql.msg(WARN, "replaces", old="prev.shown", when="strftime(prev.recorded_at, '%Y-%m-%d')", unit="prev.unit")} END""",
        f"""CASE WHEN c.value_type = 'number' AND st.n >= 3
                  AND abs(c.value - st.med) > {sql.bind("spread_k", float(k))} * greatest(st.iqr, abs(st.med) * 0.02, 1e-6)
             THEN {sql.msg(WARN, "outlier", value=_fmt("c.value"), median=_fmt("st.med"))} END""",
        f"""CASE WHEN c.is_percent AND NOT c.from_fraction AND c.suffix = '' AND c.value > 0 AND c.value <= 1
             THEN {sql.msg(WARN, "fraction", value="c.value_t", pct=_fmt("c.value * 100"))} END""",
        f"""CASE WHEN c.from_fraction AND c.typed_number IS NOT NULL
                  AND abs(c.typed_number - c.value) > greatest(0.05, abs(c.value) * 0.001)
             THEN {sql.msg(WARN, "mismatch", value="c.value_t", rate="c.rate_text")} END""",
    ]
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ing_result AS
        WITH keyed AS (
            SELECT row_no, metric, unit, coalesce(area, '') AS area_k, period_start FROM _ing_checked
            WHERE metric IS NOT NULL AND unit IS NOT NULL AND period_start IS NOT NULL AND area_ok),
        dups AS (
            SELECT metric, unit, area_k, period_start, list(row_no ORDER BY row_no) AS rows
            FROM keyed GROUP BY ALL HAVING count(*) > 1),
        dup_rows AS (
            SELECT k.row_no, array_to_string(list_filter(d.rows, lambda x: x <> k.row_no), '、') AS others
            FROM keyed k JOIN dups d USING (metric, unit, area_k, period_start)),
        wanted AS (SELECT DISTINCT metric FROM _ing_checked WHERE metric IS NOT NULL),
        stats AS (
            SELECT metric, median(value) AS med,
                   quantile_cont(value, 0.75) - quantile_cont(value, 0.25) AS iqr, count(*) AS n
            FROM measurement SEMI JOIN wanted USING (metric)
            WHERE value IS NOT NULL GROUP BY metric),
        prev AS (
            SELECT m.metric, coalesce(m.area, '') AS area_k, m.period_start, m.value, m.unit, m.recorded_at,
                   CASE WHEN i.value_type = 'yesno' THEN CASE WHEN m.value >= 0.5 THEN '是' ELSE '否' END
                        WHEN i.value_type = 'grade' THEN coalesce(m.grade, '') || '级'
                        WHEN i.is_percent THEN {_fmt("m.value")} || '%'
                        ELSE {_fmt("m.value")} || i.uom END AS shown
            FROM measurement m JOIN _lk_metric_info i ON i.code = m.metric
            SEMI JOIN (SELECT DISTINCT metric, area_k, period_start FROM keyed) w
                ON w.metric = m.metric AND w.area_k = coalesce(m.area, '') AND w.period_start = m.period_start
            QUALIFY row_number() OVER (PARTITION BY m.metric, m.area, m.period_start
                                       ORDER BY m.recorded_at DESC, m.id DESC) = 1)
        SELECT c.row_no, c.unit, c.metric, c.area, c.period_type, c.period_start, c.period_end, c.period_label,
               c.value, c.numerator, c.denominator, c.grade, c.note, c.evidence,
               CASE WHEN d.others IS NULL THEN c.reasons
                    ELSE list_append(c.reasons, {sql.msg(REFUSE, "duplicate", rows="d.others")}) END AS reasons,
               CASE WHEN len(c.reasons) > 0 OR d.others IS NOT NULL THEN []::VARCHAR[]
                    ELSE list_filter([{", ".join(warnings)}], lambda x: x IS NOT NULL) END AS warnings
        FROM _ing_checked c
        LEFT JOIN dup_rows d ON d.row_no = c.row_no
        LEFT JOIN stats st ON st.metric = c.metric
        LEFT JOIN prev ON prev.metric = c.metric AND prev.area_k = coalesce(c.area, '')
                      AND prev.period_start = c.period_start""",
        sql.params,
    )


def drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    for name in (
        "_ing_raw",
        "_ing_rows",
        "_ing_period",
        "_ing_match",
        "_ing_number",
        "_ing_checked",
        "_ing_result",
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
